/**
 * Around OpenTelemetry's Zipkin exporter: counts what it sends and what is lost, and bounds what a slow Zipkin can
 * hold.
 *
 * The Zipkin sender (exporter-zipkin 2.x) takes no timeout option and calls back only when Zipkin answers or the
 * connection fails. Against a backend that accepts connections and never answers, an export would stay pending for
 * the life of the process. So:
 * - every request to the Zipkin endpoint gets a socket timeout of `timeoutMs` (set from Node's
 *   `http.client.request.start` diagnostics channel, the only handle on the exporter's request); on timeout the
 *   request is destroyed, the sender calls back with that error, and its socket is freed;
 * - independently, an export that has not called back after `timeoutMs` is finished here (counted, in-flight
 *   lowered), so export resumes whatever the sender does;
 * - at most `maxConcurrentExports` are in flight; further batches are dropped until one finishes.
 * Timed-out and skipped batches are counted as `backend_slow`, failed ones (refused, reset, 4xx/5xx) as
 * `export_failed`.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Counter } from '../metrics/counter.js';

/** OpenTelemetry's ExportResultCode values (@opentelemetry/core is loaded only with tracing on: sdk.ts). */
export const SUCCESS = 0;
export const FAILED = 1;
const REQUEST_START = 'http.client.request.start';

/** The error an export ends with when Zipkin did not answer in time. */
export class ExportTimeoutError extends Error {
  readonly code = 'NM_SPAN_EXPORT_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`nodemeter: Zipkin did not answer within ${timeoutMs} ms`);
  }
}

export interface CountingExporterOptions {
  /** The exporter's URL: its requests get the socket timeout. */
  readonly endpoint?: string;
  /** How long an export may take before it is abandoned. */
  readonly timeoutMs: number;
  /** Exports allowed in flight at once. Default 2. */
  readonly maxConcurrentExports?: number;
}

export class CountingExporter implements SpanExporter {
  #inFlight = 0;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly inner: SpanExporter,
    private readonly spans: Counter,
    private readonly onFailure: (error: unknown) => void,
    options: CountingExporterOptions,
  ) {
    this.#timeoutMs = options.timeoutMs;
    this.#maxConcurrent = options.maxConcurrentExports ?? 2;
    this.#unsubscribe = options.endpoint === undefined ? () => {} : timeoutRequestsTo(options.endpoint, this.#timeoutMs);
  }

  /** Exports in flight now (for tests). */
  get inFlight(): number {
    return this.#inFlight;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#inFlight >= this.#maxConcurrent) {
      this.spans.inc({ result: 'dropped', reason: 'backend_slow' }, spans.length);
      resultCallback({ code: FAILED, error: new Error('nodemeter: span export skipped, previous exports still pending') });
      return;
    }
    this.#inFlight++;
    // The count, not the spans: this callback lives until Zipkin answers, and what it holds survives scavenges.
    const count = spans.length;
    let done = false;
    const finish = (result: ExportResult): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      this.#inFlight--;
      if (result.code === SUCCESS) {
        this.spans.inc({ result: 'exported', reason: 'none' }, count);
      } else {
        const slow = result.error instanceof ExportTimeoutError;
        this.spans.inc({ result: 'dropped', reason: slow ? 'backend_slow' : 'export_failed' }, count);
        this.onFailure(result.error);
      }
      resultCallback(result);
    };
    // A little after the socket timeout, so that normally the sender's own callback comes first.
    const deadline = setTimeout(() => finish({ code: FAILED, error: new ExportTimeoutError(this.#timeoutMs) }), this.#timeoutMs + 50);
    deadline.unref();
    try {
      this.inner.export(spans, finish);
    } catch (err) {
      finish({ code: FAILED, error: err as Error });
    }
  }

  async shutdown(): Promise<void> {
    try {
      await this.inner.shutdown();
    } finally {
      this.#unsubscribe();
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Sets a socket timeout on every POST to `endpoint` (the sender's requests); on timeout the request is destroyed
 * with an ExportTimeoutError, which the sender reports as the export's result. Returns the unsubscribe function.
 */
function timeoutRequestsTo(endpoint: string, timeoutMs: number): () => void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return () => {};
  }
  const path = url.pathname + url.search;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const hostHeader = url.host;
  const onTimeout = function (this: ClientRequest): void {
    this.destroy(new ExportTimeoutError(timeoutMs));
  };
  const onStart = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    // Cheapest test first: this runs for every outgoing node:http request of the process.
    if (request.path !== path || request.method !== 'POST' || request.host !== hostname) return;
    if (request.getHeader('host') !== hostHeader) return;
    request.setTimeout(timeoutMs, onTimeout);
  };
  diagnosticsChannel.subscribe(REQUEST_START, onStart);
  return () => diagnosticsChannel.unsubscribe(REQUEST_START, onStart);
}
