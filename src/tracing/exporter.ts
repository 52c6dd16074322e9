/**
 * Around OpenTelemetry's Zipkin exporter: counts what it sends and what is lost, and bounds what a slow Zipkin can
 * hold. The Zipkin sender sets no timeout of its own, so while a backend accepts connections but never answers,
 * every batch would add one more hanging request; here at most `maxConcurrentExports` are in flight, and further
 * batches are dropped (and counted) until one comes back.
 */
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Counter } from '../metrics/counter.js';

const SUCCESS = 0;
const FAILED = 1;

export class CountingExporter implements SpanExporter {
  #inFlight = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly spans: Counter,
    private readonly onFailure: (error: unknown) => void,
    private readonly maxConcurrentExports = 2,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#inFlight >= this.maxConcurrentExports) {
      this.spans.inc({ result: 'dropped', reason: 'backend_slow' }, spans.length);
      resultCallback({ code: FAILED, error: new Error('nodemeter: span export skipped, previous exports still pending') });
      return;
    }
    this.#inFlight++;
    let done = false;
    const finish = (result: ExportResult): void => {
      if (done) return;
      done = true;
      this.#inFlight--;
      if (result.code === SUCCESS) {
        this.spans.inc({ result: 'exported', reason: 'none' }, spans.length);
      } else {
        this.spans.inc({ result: 'dropped', reason: 'export_failed' }, spans.length);
        this.onFailure(result.error);
      }
      resultCallback(result);
    };
    try {
      this.inner.export(spans, finish);
    } catch (err) {
      finish({ code: FAILED, error: err as Error });
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
