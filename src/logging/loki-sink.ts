/**
 * pino-loki as the shipper's Sink: pino-loki turns pino lines into Loki push requests (stream labels, level label,
 * nanosecond timestamps, basic auth, headers, request timeout) and sends them with fetch; this adapter learns the
 * outcome of each request, which pino-loki itself does not report.
 *
 * Why not pino-loki's own batching: pino-loki 3.0 sends its buffer on a timer without waiting for the previous
 * request, logs a failed request to the console and forgets the batch (no retry), and drops its oldest lines
 * without counting them. Its package exports only the stream factory, so its pusher cannot be called directly.
 * So pino-loki runs with `batching: false`, and the shipper hands it one batch at a time as one JSON array line,
 * which pino-loki's pusher sends as one request. pino-loki calls the global `fetch` of this worker thread; the
 * worker sets it to {@link PinoLokiSink.fetch}, which calls the real fetch and reports the result (status or
 * network error) back to the batch. Nothing else runs in this thread, so this global concerns pino-loki alone.
 *
 * Supported: pino-loki 3.x (checked by the worker at start).
 */
import { pinoLoki, type LokiLogLevel } from 'pino-loki';

/** pino-loki options the main thread decides; plain data. */
export interface SinkOptions {
  /** Full push URL, e.g. `http://loki:3100/loki/api/v1/push`. */
  url: string;
  labels: Record<string, string>;
  basicAuth?: { username: string; password: string };
  headers: Record<string, string>;
  timeoutMs: number;
}

export type SinkResult =
  | { ok: true; invalid?: number }
  | { ok: false; retry: boolean; status?: number; error?: string };

type Fetch = typeof globalThis.fetch;

interface Ticket {
  readonly resolve: (result: SinkResult) => void;
  lines: readonly string[];
  invalid: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The `level` label: pino's level names, lower-case, as `logback_events_total{level}` and Grafana's level
 * detection use them. Keys are numbers (pino's default) and names (loggers whose level formatter writes labels).
 */
const LEVEL_LABELS: Record<string | number, string> = {
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

function isJsonObject(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

export class PinoLokiSink {
  readonly #stream: ReturnType<typeof pinoLoki>;
  readonly #realFetch: Fetch;
  readonly #timeoutMs: number;
  /** The batch handed to pino-loki whose request has not started yet (one at a time). */
  #waiting: Ticket | undefined;

  constructor(options: SinkOptions, realFetch: Fetch) {
    this.#realFetch = realFetch;
    this.#timeoutMs = options.timeoutMs;
    this.#stream = pinoLoki({
      host: options.url,
      endpoint: options.url, // absolute: new URL(endpoint, host) is the URL as given
      batching: false,
      silenceErrors: true, // failures are reported by this adapter, not on the console
      timeout: options.timeoutMs,
      // `hostname: undefined` after pino-loki's own `hostname` label (taken from the line) removes it: the host is
      // the `host` label, and a logger that writes `hostname` would otherwise add a second, redundant label.
      labels: { ...options.labels, hostname: undefined } as unknown as Record<string, string>,
      levelMap: LEVEL_LABELS as unknown as Record<number, LokiLogLevel>,
      basicAuth: options.basicAuth,
      headers: options.headers,
      structuredMetaKey: false,
      replaceTimestamp: false,
      convertArrays: false,
    });
    // A batch line that is not JSON (one of its lines is not): send the lines that are, count the others.
    this.#stream.on('unknown', () => this.#retryWithoutInvalid());
    this.#stream.on('error', () => {
      // pino-loki's stream failing is reported through the pending batch timing out; nothing to throw here.
    });
  }

  /** Sends one batch; resolves with the receiver's verdict. Never rejects. */
  send(lines: readonly string[]): Promise<SinkResult> {
    return new Promise((resolve) => {
      const ticket: Ticket = { resolve, lines, invalid: 0, timer: undefined };
      // pino-loki makes its request within a few ticks; if it never does (it failed before fetch), give up on this
      // attempt so the shipper retries instead of waiting for ever.
      ticket.timer = setTimeout(() => {
        if (this.#waiting !== ticket) return;
        this.#waiting = undefined;
        resolve({ ok: false, retry: true, error: 'pino-loki made no request' });
      }, this.#timeoutMs + 5000);
      this.#waiting = ticket;
      this.#stream.write(`[${lines.join(',')}]\n`);
    });
  }

  /** The fetch pino-loki calls in this worker: the real fetch, observed. */
  readonly fetch: Fetch = async (input, init) => {
    const ticket = this.#waiting;
    this.#waiting = undefined;
    if (ticket === undefined) return this.#realFetch(input, init);
    clearTimeout(ticket.timer);
    try {
      const response = await this.#realFetch(input, init);
      if (response.ok) {
        ticket.resolve(ticket.invalid > 0 ? { ok: true, invalid: ticket.invalid } : OK);
      } else {
        let body = '';
        try {
          body = (await response.clone().text()).slice(0, 300);
        } catch {
          // no body to show
        }
        ticket.resolve({
          ok: false,
          retry: isRetryableStatus(response.status),
          status: response.status,
          error: body.trim() === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${body.trim()}`,
        });
      }
      return response;
    } catch (err) {
      ticket.resolve({ ok: false, retry: true, error: describe(err) });
      throw err;
    }
  };

  #retryWithoutInvalid(): void {
    const ticket = this.#waiting;
    if (ticket === undefined) return;
    const valid = ticket.lines.filter(isJsonObject);
    ticket.invalid += ticket.lines.length - valid.length;
    ticket.lines = valid;
    if (valid.length === 0) {
      clearTimeout(ticket.timer);
      this.#waiting = undefined;
      ticket.resolve({ ok: true, invalid: ticket.invalid });
      return;
    }
    this.#stream.write(`[${valid.join(',')}]\n`);
  }

  close(): void {
    this.#stream.destroy();
  }
}

const OK: SinkResult = { ok: true };
