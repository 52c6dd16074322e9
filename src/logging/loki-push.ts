/**
 * The Loki push request, in the Loki worker thread: the shipper's Sink. One batch of pino lines becomes one
 * `POST /loki/api/v1/push` (Loki's documented JSON push format), and its outcome is the batch's verdict.
 *
 *   batch of lines ──► parse each: level ──► stream labels { level, app, host, …static }
 *                                  time  ──► nanosecond timestamp (the line's own time, not the send time)
 *                  ──► { streams: [ { stream, values: [[ts, line], …] }, … ] } ──► fetch ──► status or error
 *
 * Why not pino-loki: its stream reports nothing about a request (a failed push is written to the console or
 * silenced, and the batch is forgotten), so the shipper could neither retry nor count what was delivered. 0.1
 * learnt the outcome by replacing the worker's global `fetch`, which depended on pino-loki's internals. The push
 * format is small and documented, so it is written here instead, with the same labels, timestamps and headers
 * pino-loki produced.
 *
 * Lines are grouped into one stream per label set (in practice one per level), in their order.
 */
import type { SendResult, Sink } from './loki-shipper.js';

/** What the main thread decides about the push requests; plain data (it crosses the worker boundary). */
export interface SinkOptions {
  /** Full push URL, e.g. `http://loki:3100/loki/api/v1/push`. */
  url: string;
  labels: Record<string, string>;
  basicAuth?: { username: string; password: string };
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * The `level` label: pino's level names, lower-case, as `logback_events_total{level}` and Grafana's level
 * detection use them. Keys are numbers (pino's default) and names (loggers whose level formatter writes labels).
 * Other levels (custom ones) are labelled `info`.
 */
const LEVEL_LABELS: Readonly<Record<string, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/** Status codes worth another try: the receiver may take the same batch later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${(cause as Error & { code?: string }).code ?? cause.message}` : '';
    return `${err.name === 'TimeoutError' ? 'timed out' : err.message}${detail}`;
  }
  return String(err);
}

/**
 * A pino `time` as Loki's nanosecond string: epoch seconds, milliseconds or nanoseconds padded to 19 digits (in
 * decimal, so no precision is lost); a line without a usable time gets the current time.
 */
export function lokiTimestamp(time: unknown): string {
  const t = typeof time === 'number' && Number.isFinite(time) && time > 0 ? Math.round(time) : Date.now();
  const digits = String(t);
  return digits.length >= 19 ? digits : digits + '0'.repeat(19 - digits.length);
}

interface Stream {
  stream: Record<string, string>;
  values: [string, string][];
}

/**
 * The push body of a batch, and how many lines were left out because they are not JSON objects. A `hostname`
 * field is taken out of the line (the host is the `host` label); a line without one is sent as it was written.
 */
export function pushBody(lines: readonly string[], labels: Readonly<Record<string, string>>): { body: string; invalid: number } {
  const streams = new Map<string, Stream>();
  let invalid = 0;
  for (const line of lines) {
    let log: unknown;
    try {
      log = JSON.parse(line);
    } catch {
      invalid++;
      continue;
    }
    if (typeof log !== 'object' || log === null || Array.isArray(log)) {
      invalid++;
      continue;
    }
    const record = log as Record<string, unknown>;
    const level = LEVEL_LABELS[String(record.level)] ?? 'info';
    let text = line;
    if ('hostname' in record) {
      delete record.hostname;
      text = JSON.stringify(record);
    }
    let stream = streams.get(level);
    if (stream === undefined) {
      // The static labels come last, as pino-loki put them: a static `level` label would win.
      stream = { stream: { level, ...labels }, values: [] };
      streams.set(level, stream);
    }
    stream.values.push([lokiTimestamp(record.time), text]);
  }
  return { body: streams.size === 0 ? '' : JSON.stringify({ streams: [...streams.values()] }), invalid };
}

/** Sends batches to a Loki push endpoint; one request per batch. */
export class LokiPushSink implements Sink {
  readonly #url: string;
  readonly #labels: Readonly<Record<string, string>>;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  /** Aborts a request still running when the worker closes (the shipper has given up on it by then). */
  readonly #closing = new AbortController();

  constructor(options: SinkOptions) {
    this.#url = options.url;
    this.#labels = { ...options.labels };
    const headers: Record<string, string> = { ...options.headers };
    if (options.basicAuth !== undefined) {
      const { username, password } = options.basicAuth;
      headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    headers['Content-Type'] = 'application/json';
    this.#headers = headers;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Sends one batch; resolves with the receiver's verdict. Never rejects. */
  async send(lines: readonly string[]): Promise<SendResult> {
    const { body, invalid } = pushBody(lines, this.#labels);
    if (body === '') return { ok: true, invalid };
    try {
      const response = await fetch(this.#url, {
        method: 'POST',
        headers: this.#headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#closing.signal]),
      });
      if (response.ok) {
        // The body is not needed; reading it lets the connection be reused.
        await response.arrayBuffer().catch(() => undefined);
        return invalid > 0 ? { ok: true, invalid } : OK;
      }
      let text = '';
      try {
        text = (await response.text()).slice(0, 300).trim();
      } catch {
        // no body to show
      }
      return {
        ok: false,
        retry: isRetryableStatus(response.status),
        status: response.status,
        error: text === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${text}`,
      };
    } catch (err) {
      return { ok: false, retry: true, error: describe(err) };
    }
  }

  /** Aborts a request still running. */
  close(): void {
    this.#closing.abort();
  }
}

const OK: SendResult = { ok: true };
