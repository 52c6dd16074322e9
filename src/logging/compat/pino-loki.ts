/**
 * pino-loki as the shipper's Sink, in the Loki worker thread: pino-loki builds and sends every push request (stream
 * labels, level label, nanosecond timestamps, basic auth, headers, request timeout) through its documented options;
 * this module learns each request's outcome from the diagnostics channels of Node's built-in fetch, which pino-loki
 * calls. Nothing of pino-loki or of fetch is replaced or read from the inside; the batch goes to the stream pino-loki
 * returns, through its public stream API (see "Why objects" below).
 *
 *   send(batch) ──► each line parsed once, its structured metadata added ──► the batch's objects handed to
 *                   pino-loki's source (batching: false) ──► one push request (fetch)
 *                                                                                     │
 *        undici:request:create   the request to the push URL (origin + path) ◄────────┤ bound to the batch
 *        undici:request:headers  response.statusCode: 2xx ──► sent                    │
 *        undici:request:bodyChunkReceived  the first bytes of an error answer (where the runtime publishes it)
 *        undici:request:trailers the error answer read to its end ──► retry (408, 429, 5xx) or rejected (4xx)
 *        undici:request:error    network error, timeout ──► retry
 *        none within timeout + margin ──► retry (nothing waits for ever)
 *
 * Why pino-loki's own batching is not used: pino-loki 3 sends its buffer on a timer without waiting for the
 * previous request, logs a failed request to the console and forgets the batch (no retry), and drops its oldest
 * lines without counting them. So it runs with `batching: false` and `silenceErrors: true` (failures are reported
 * by the shipper as a coded warning), and the shipper hands it one batch at a time.
 *
 * Why objects, not text: pino-loki reads parsed objects from its source, pino-abstract-transport's line splitter,
 * which parses each JSON line it is written. The structured metadata needs the line parsed here as well, so writing
 * text parsed every line twice and serialised the metadata once more in between: about a quarter of the worker's
 * time per line (profiled: the splitter's JSON.parse 10%, the metadata's parse, serialisation and concatenation
 * 10%, its string decoding 2%; 8.3–8.8 µs a line became 6.6–7.0 µs, Node 24, shipper and Sink run in one thread
 * against a local receiver). The batch's objects are pushed to the readable side of that stream instead (the
 * public Readable API; pino-loki's `for await` takes them as it takes parsed lines). A source of another shape
 * (not an object-mode Readable), or a pino-loki outside the supported range, gets the batch as one JSON line.
 *
 * Matching by URL is enough: the worker thread runs nothing else that sends requests, and the shipper has at most
 * one batch in flight. A request's events are followed by the request object itself, so a late event of an attempt
 * already given up on is not taken for the next one.
 *
 * Outside {@link PINO_LOKI_SUPPORTED} pino-loki still ships (through the same options), but a batch counts as
 * sent once it is handed to pino-loki: the requests are not observed, so failures are neither retried nor
 * reported (the worker warns once).
 */
import diagnostics from 'node:diagnostics_channel';
import { pinoLoki, type LokiLogLevel } from 'pino-loki';
import { checkVersion, type SupportedVersions, type VersionVerdict } from '../../core/supported-versions.js';
import type { SendResult, Sink } from '../loki-shipper.js';
import type { CorrelationKeys, LokiLineFormat } from '../options.js';
import { currentThreadName, formatBootLine, LOGBACK_LEVELS, logbackLevel, loggerNameOf } from '../spring-format.js';

/**
 * The pino-loki versions whose behaviour this module relies on (`batching: false`: one request per array of lines;
 * its source an object-mode stream of parsed lines). @since 0.2.0
 */
export const PINO_LOKI_SUPPORTED: SupportedVersions = { package: 'pino-loki', range: '>=3.0.0 <4' };

/** The verdict for the installed pino-loki. @since 0.2.0 */
export function pinoLokiVerdict(version?: string): VersionVerdict {
  return version === undefined ? checkVersion(PINO_LOKI_SUPPORTED) : checkVersion(PINO_LOKI_SUPPORTED, version);
}

/** pino-loki options the main thread decides; plain data (they cross the worker boundary). */
export interface SinkOptions {
  /** Full push URL, e.g. `http://loki:3100/loki/api/v1/push`. */
  url: string;
  labels: Record<string, string>;
  basicAuth?: { username: string; password: string };
  headers: Record<string, string>;
  timeoutMs: number;
  /** The line: Spring Boot's pattern (default) or pino's JSON line as logged. */
  format?: LokiLineFormat;
  /** Names of the trace fields in the lines (and in the structured metadata). Default `spring`. */
  keys?: CorrelationKeys;
  /** The `thread` of every line (the main thread's logger ships through this worker). Default `main`. */
  thread?: string;
}

/** A Sink that can be closed when the worker ends. */
export interface ClosableSink extends Sink {
  close(): void;
}

/**
 * The `level` label: logback's names (`TRACE` … `ERROR`; pino's fatal is `ERROR`), as loki4j's `level=%level`
 * writes them, so the fleet's `{level="ERROR"}` queries find Node lines too. Keys are numbers (pino's default) and
 * names (loggers whose level formatter writes labels). A custom level number takes the name of the standard level
 * at or below it (35: INFO); pino-loki's own fallback would be a lower-case `info`.
 */
const LEVEL_LABELS: Record<string | number, string> = {
  ...Object.fromEntries(
    Array.from({ length: 101 }, (_, n) => [n, LOGBACK_LEVELS[n >= 50 ? 50 : n >= 40 ? 40 : n >= 30 ? 30 : n >= 20 ? 20 : 10] as string]),
  ),
  ...LOGBACK_LEVELS,
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
};

/**
 * Where each line carries its structured metadata to pino-loki (its documented `structuredMetaKey`): added to the
 * line in this worker, read by pino-loki, never part of the shipped line.
 */
const META_KEY = '__nodemeter_structured_metadata';

/** Fields of a pino line that the Boot pattern shows in its own columns (or that are not the application's). */
const PATTERN_FIELDS = new Set(['level', 'time', 'pid', 'app', 'msg', 'hostname', 'lokilevel', META_KEY]);

/** The shape of the line pino-loki hands to the format function: the parsed pino line, plus its `lokilevel`. */
type ParsedLine = Record<string, unknown>;

/**
 * Builds, per line, what loki4j sends besides the line (its default structured metadata: `level`, `thread`,
 * `logger`, and the MDC, i.e. `traceId`/`spanId`), and the line itself: Boot's pattern or the JSON line.
 */
export class LineShaper {
  readonly #app: string;
  readonly #thread: string;
  readonly #traceKey: string;
  readonly #spanKey: string;
  readonly #json: boolean;

  constructor(options: Pick<SinkOptions, 'labels' | 'format' | 'keys' | 'thread'>) {
    this.#app = options.labels.app ?? '';
    this.#thread = options.thread ?? currentThreadName();
    const otel = options.keys === 'otel';
    this.#traceKey = otel ? 'trace_id' : 'traceId';
    this.#spanKey = otel ? 'span_id' : 'spanId';
    this.#json = options.format === 'json';
  }

  /**
   * The line parsed, with its structured metadata under META_KEY; undefined if it is not a JSON object (it is
   * counted as rejected).
   */
  parse(line: string): ParsedLine | undefined {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
    const o = obj as ParsedLine;
    const meta: Record<string, string> = { level: logbackLevel(o.level), thread: this.#thread, logger: loggerNameOf(o) };
    const traceId = o[this.#traceKey];
    const spanId = o[this.#spanKey];
    if (typeof traceId === 'string') meta[this.#traceKey] = traceId;
    if (typeof spanId === 'string') meta[this.#spanKey] = spanId;
    o[META_KEY] = meta;
    return o;
  }

  /** pino-loki's `logFormat`: the shipped line. */
  readonly format = (log: ParsedLine): string => {
    if (this.#json) {
      const copy: ParsedLine = {};
      for (const key in log) if (key !== META_KEY && key !== 'lokilevel') copy[key] = log[key];
      return JSON.stringify(copy);
    }
    const nameUsed = typeof log.name === 'string' && log.name !== '' ? 'name' : typeof log.module === 'string' && log.module !== '' ? 'module' : '';
    let rest: ParsedLine | undefined;
    for (const key in log) {
      if (PATTERN_FIELDS.has(key) || key === nameUsed || key === this.#traceKey || key === this.#spanKey) continue;
      if (key === 'trace_flags' || key === 'err') continue;
      (rest ??= {})[key] = log[key];
    }
    const time = typeof log.time === 'number' ? log.time : Date.now();
    return formatBootLine({
      time,
      level: logbackLevel(log.level),
      pid: log.pid,
      app: typeof log.app === 'string' ? log.app : this.#app,
      thread: this.#thread,
      traceId: log[this.#traceKey],
      spanId: log[this.#spanKey],
      logger: loggerNameOf(log),
      msg: log.msg,
      rest,
      err: log.err,
    });
  };
}

/** Time given to pino-loki, past its own request timeout, to show an outcome before the attempt counts as failed. */
const DEADLINE_MARGIN_MS = 5000;
/** How much of an error answer is kept for the warning. */
const MAX_ANSWER_BYTES = 300;

/** Status codes worth another try: the receiver may take the same batch later. @since 0.1.0 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message}: ${code}` : err.message;
  }
  return String(err);
}

/** What undici publishes about a request (its documented public interface; only these fields are read). */
interface ChannelRequest {
  readonly origin?: unknown;
  readonly path?: unknown;
}

interface Ticket {
  readonly resolve: (result: SendResult) => void;
  /** Lines of the batch that were not JSON objects (not sent, counted as rejected). */
  readonly invalid: number;
  timer: NodeJS.Timeout | undefined;
  /** The request pino-loki made for this batch, once seen. */
  request: ChannelRequest | undefined;
  /** Status of an error answer, while its body is read. */
  status: number | undefined;
  answer: string;
}

/** Sends batches through pino-loki; one request per batch. */
export class PinoLokiSink implements ClosableSink {
  readonly #stream: ReturnType<typeof pinoLoki>;
  readonly #timeoutMs: number;
  readonly #observe: boolean;
  readonly #origin: string;
  readonly #path: string;
  /** The batch handed to pino-loki whose outcome is not known yet (the shipper sends one at a time). */
  #pending: Ticket | undefined;
  readonly #subscriptions: [string, (message: unknown) => void][];
  readonly #shaper: LineShaper;
  /** pino-loki's source as an object-mode Readable, when it is one (see the header); else batches are written as text. */
  readonly #source: { push(chunk: unknown): boolean } | undefined;

  /** `observe: false` (pino-loki outside the supported versions): a batch counts as sent once handed over. */
  constructor(options: SinkOptions, observe = true) {
    this.#timeoutMs = options.timeoutMs;
    this.#observe = observe;
    const url = new URL(options.url);
    this.#origin = url.origin;
    this.#path = url.pathname + url.search;
    this.#shaper = new LineShaper(options);
    this.#stream = pinoLoki({
      host: options.url,
      endpoint: options.url, // absolute: new URL(endpoint, host) is the URL as given
      batching: false,
      silenceErrors: true, // failures are reported by the shipper (a coded warning), not on the console
      timeout: options.timeoutMs,
      // `hostname: undefined` after pino-loki's own `hostname` label (taken from the line) removes it: the host is
      // the `host` label, and a logger that writes `hostname` would otherwise add a second, redundant label.
      labels: { ...options.labels, hostname: undefined } as unknown as Record<string, string>,
      levelMap: LEVEL_LABELS as unknown as Record<number, LokiLogLevel>,
      basicAuth: options.basicAuth,
      headers: options.headers,
      structuredMetaKey: META_KEY,
      logFormat: this.#shaper.format,
      replaceTimestamp: false,
      convertArrays: false,
    });
    const source = this.#stream as unknown as { push?: unknown; readableObjectMode?: unknown };
    this.#source =
      observe && source.readableObjectMode === true && typeof source.push === 'function'
        ? (source as { push(chunk: unknown): boolean })
        : undefined;
    this.#stream.on('error', () => {
      // pino-loki's stream failing shows as the pending batch reaching its deadline; nothing to throw here.
    });
    this.#subscriptions = observe
      ? [
          ['undici:request:create', (m) => this.#onCreate(m as { request: ChannelRequest })],
          ['undici:request:headers', (m) => this.#onHeaders(m as { request: ChannelRequest; response: { statusCode: number } })],
          ['undici:request:bodyChunkReceived', (m) => this.#onChunk(m as { request: ChannelRequest; chunk: Buffer | string })],
          ['undici:request:trailers', (m) => this.#onEnd(m as { request: ChannelRequest })],
          ['undici:request:error', (m) => this.#onError(m as { request: ChannelRequest; error: unknown })],
        ]
      : [];
    for (const [name, fn] of this.#subscriptions) diagnostics.subscribe(name, fn);
  }

  /** Sends one batch; resolves with the receiver's verdict. Never rejects. */
  send(lines: readonly string[]): Promise<SendResult> {
    const batch: object[] = [];
    for (let i = 0; i < lines.length; i++) {
      const parsed = this.#shaper.parse(lines[i] as string);
      if (parsed !== undefined) batch.push(parsed);
    }
    const invalid = lines.length - batch.length;
    if (batch.length === 0) return Promise.resolve({ ok: true, invalid });
    if (!this.#observe) {
      this.#hand(batch);
      return Promise.resolve(invalid === 0 ? OK : { ok: true, invalid });
    }
    return new Promise((resolve) => {
      const ticket: Ticket = { resolve, invalid, timer: undefined, request: undefined, status: undefined, answer: '' };
      // pino-loki aborts its request after timeoutMs; if no outcome shows by then (it failed before fetch, or an
      // event was not published), this attempt counts as failed so the shipper retries instead of waiting for ever.
      ticket.timer = setTimeout(() => {
        if (this.#pending !== ticket) return;
        this.#settle({ ok: false, retry: true, error: 'no outcome of the push request was observed' });
      }, this.#timeoutMs + DEADLINE_MARGIN_MS);
      this.#pending = ticket;
      this.#hand(batch);
    });
  }

  #settle(result: SendResult): void {
    const ticket = this.#pending;
    if (ticket === undefined) return;
    this.#pending = undefined;
    clearTimeout(ticket.timer);
    ticket.resolve(result);
  }

  /** The pending batch, if `request` is its request. */
  #ticketOf(request: ChannelRequest): Ticket | undefined {
    const ticket = this.#pending;
    return ticket !== undefined && ticket.request === request ? ticket : undefined;
  }

  #onCreate({ request }: { request: ChannelRequest }): void {
    const ticket = this.#pending;
    if (ticket === undefined || ticket.request !== undefined || request.path !== this.#path) return;
    const origin = request.origin;
    if (origin !== this.#origin && (origin == null || new URL(String(origin)).origin !== this.#origin)) return;
    ticket.request = request;
  }

  #onHeaders({ request, response }: { request: ChannelRequest; response: { statusCode: number } }): void {
    const ticket = this.#ticketOf(request);
    if (ticket === undefined) return;
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      this.#settle(ticket.invalid > 0 ? { ok: true, invalid: ticket.invalid } : OK);
      return;
    }
    // pino-loki reads an error answer to its end; the verdict waits for it, to show what the receiver said.
    ticket.status = status;
  }

  #onChunk({ request, chunk }: { request: ChannelRequest; chunk: Buffer | string }): void {
    const ticket = this.#ticketOf(request);
    if (ticket === undefined || ticket.status === undefined || ticket.answer.length >= MAX_ANSWER_BYTES) return;
    ticket.answer += String(chunk).slice(0, MAX_ANSWER_BYTES - ticket.answer.length);
  }

  #onEnd({ request }: { request: ChannelRequest }): void {
    const ticket = this.#ticketOf(request);
    if (ticket?.status !== undefined) this.#settleStatus(ticket.status, ticket.answer);
  }

  #onError({ request, error }: { request: ChannelRequest; error: unknown }): void {
    const ticket = this.#ticketOf(request);
    if (ticket === undefined) return;
    // An error while an error answer was read: the status is the verdict.
    if (ticket.status !== undefined) this.#settleStatus(ticket.status, ticket.answer);
    else this.#settle({ ok: false, retry: true, error: describe(error) });
  }

  #settleStatus(status: number, answer: string): void {
    const text = answer.trim();
    this.#settle({
      ok: false,
      retry: isRetryableStatus(status),
      status,
      error: text === '' ? `HTTP ${status}` : `HTTP ${status}: ${text}`,
    });
  }

  /** One push request for the batch: its objects to pino-loki's source, or one JSON line where that is not possible. */
  #hand(batch: object[]): void {
    if (this.#source !== undefined) this.#source.push(batch);
    else this.#stream.write(`${JSON.stringify(batch)}\n`);
  }

  /** Stops listening and ends pino-loki's stream (a request still running is not waited for). */
  close(): void {
    for (const [name, fn] of this.#subscriptions) diagnostics.unsubscribe(name, fn);
    // The shipper has given up on a batch still pending by now: its deadline must not keep the thread alive.
    clearTimeout(this.#pending?.timer);
    this.#pending = undefined;
    this.#stream.destroy();
  }
}

const OK: SendResult = { ok: true };
