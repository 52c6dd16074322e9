/**
 * pino loggers whose lines carry the active trace: `traceId` and `spanId` (Spring's MDC keys; OpenTelemetry's
 * `trace_id`, `span_id` and `trace_flags` with `keys: 'otel'`), and the application name `app`.
 *
 *   logger.info(…) ──► pino ──► mixin: count the level (logback_events_total), read the active span
 *                                 no span: the shared EMPTY object, merged away without allocating
 *                                 span:    { traceId, spanId } (one small object per line)
 *
 * The mixin is set when the logger is created, so `child()` loggers inherit it. An application's own pino logger
 * is instrumented by a child of it that carries the same mixin (see {@link instrumentLogger}).
 */
import { context, trace } from '@opentelemetry/api';
import { pino, type BaseLogger, type DestinationStream, type Logger } from 'pino';
import type { Diag } from '../core/diag.js';
import type { LogEventCounter } from './log-events.js';
import type { CorrelationKeys, LogLevelName } from './options.js';

type MixinFn = (mergeObject: object, level: number, logger: Logger) => object;
type MergeStrategy = (mergeObject: object, mixinObject: object) => object;

/** Returned by the mixin when there is nothing to add; recognised (by identity) by {@link mergeMixin}. */
const EMPTY: object = Object.freeze({});

const INVALID_TRACE_ID = '00000000000000000000000000000000';

/** trace_flags as OpenTelemetry's pino instrumentation writes them: two hex digits. */
const FLAGS_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Field names of the correlation. @since 0.1.0 */
export function correlationFields(keys: CorrelationKeys): { traceId: string; spanId: string } {
  return keys === 'otel' ? { traceId: 'trace_id', spanId: 'span_id' } : { traceId: 'traceId', spanId: 'spanId' };
}

/**
 * The mixin: counts the line's level, and returns the active span's ids (or EMPTY). `trace.getSpan(context.active())`
 * is an AsyncLocalStorage read and a map lookup; spanContext() of an SDK span returns a stored object.
 * @since 0.1.0
 */
export function correlationMixin(keys: CorrelationKeys, events?: LogEventCounter): MixinFn {
  if (keys === 'otel') {
    return function otelCorrelation(_obj: object, level: number): object {
      events?.count(level);
      const span = trace.getSpan(context.active());
      if (span === undefined) return EMPTY;
      const sc = span.spanContext();
      if (sc.traceId === INVALID_TRACE_ID) return EMPTY;
      return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: FLAGS_HEX[sc.traceFlags & 0xff] };
    };
  }
  return function springCorrelation(_obj: object, level: number): object {
    events?.count(level);
    const span = trace.getSpan(context.active());
    if (span === undefined) return EMPTY;
    const sc = span.spanContext();
    if (sc.traceId === INVALID_TRACE_ID) return EMPTY;
    return { traceId: sc.traceId, spanId: sc.spanId };
  };
}

/**
 * pino's default merge (`Object.assign(mixinObject, mergeObject)`), except that EMPTY is never written to: without
 * a span the line's own object is used as it is.
 * @since 0.1.0
 */
export function mergeMixin(mergeObject: object, mixinObject: object): object {
  return mixinObject === EMPTY ? mergeObject : Object.assign(mixinObject, mergeObject);
}

/** Options of {@link createLogger}. @since 0.1.0 */
export interface CreateLoggerOptions {
  /** The `app` field of every line (the service name). */
  serviceName: string;
  level?: LogLevelName;
  keys?: CorrelationKeys;
}

/**
 * A pino logger writing to `destination`, with the correlation mixin and `app` in every line. No `hostname` field:
 * the host is a Loki label (`host`), and collectors of console output add their own.
 * @since 0.1.0
 */
export function createLogger(
  options: CreateLoggerOptions,
  deps: { destination: DestinationStream; events?: LogEventCounter },
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, app: options.serviceName },
      mixin: correlationMixin(options.keys ?? 'spring', deps.events),
      mixinMergeStrategy: mergeMixin,
    },
    deps.destination,
  );
}

/** Finds a pino symbol by its description, along the prototype chain (children inherit from their parents). */
function findSymbol(logger: object, description: string): symbol | undefined {
  for (let o: object | null = logger; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const s of Object.getOwnPropertySymbols(o)) if (s.description === description) return s;
  }
  return undefined;
}

/** A stream writing every line to two streams; pino's metadata (lastLevel …) is passed on to the first. */
class TeeStream {
  readonly #first: DestinationStream & Record<string | symbol, unknown>;
  readonly #second: DestinationStream & { flush?(cb: (err?: Error) => void): void };
  readonly #metadata: symbol;
  lastLevel = 0;
  lastTime = '';
  lastMsg = '';
  lastObj: object = EMPTY;
  lastLogger: unknown;

  constructor(first: DestinationStream, second: DestinationStream, metadata: symbol) {
    this.#first = first as DestinationStream & Record<string | symbol, unknown>;
    this.#second = second;
    this.#metadata = metadata;
    if (this.#first[metadata] === true) (this as Record<symbol, unknown>)[metadata] = true;
  }

  write(line: string): void {
    const first = this.#first;
    if (first[this.#metadata] === true) {
      first.lastLevel = this.lastLevel;
      first.lastTime = this.lastTime;
      first.lastMsg = this.lastMsg;
      first.lastObj = this.lastObj;
      first.lastLogger = this.lastLogger;
    }
    first.write(line);
    this.#second.write(line);
  }

  flush(cb?: (err?: Error) => void): void {
    let pending = 2;
    const done = () => {
      if (--pending === 0) cb?.();
    };
    const f = this.#first.flush as ((cb: () => void) => void) | undefined;
    if (typeof f === 'function') f.call(this.#first, done);
    else done();
    if (typeof this.#second.flush === 'function') this.#second.flush(done);
    else done();
  }

  flushSync(): void {
    const f = this.#first.flushSync as (() => void) | undefined;
    if (typeof f === 'function') f.call(this.#first);
  }
}

/** What {@link instrumentLogger} needs from the logging setup. @since 0.1.0 */
export interface InstrumentDeps {
  keys: CorrelationKeys;
  events?: LogEventCounter;
  /** When set, the instrumented logger's lines are also written here (nodemeter's Loki transport). */
  ship?: DestinationStream;
  diag: Diag;
}

/**
 * Instruments a pino logger the application already has: returns a child of it whose lines carry the trace ids and
 * are counted in logback_events_total, and (when Loki shipping is on) are also shipped. Everything else of the
 * application's logger is kept: level, serializers, redaction, formatters, its own mixin (both run; its fields win
 * on a clash), its destination.
 *
 * Limits: pino takes a mixin only when a logger is created, so the logger passed in is not changed; use the
 * returned one (and its children). Lines are shipped only if their `time` is a number (pino's default epoch or
 * `unixTime`), the form Loki timestamps are taken from. The child is set up through pino's own symbols (exported
 * as `pino.symbols`, found by name when the logger comes from another copy of pino).
 * @since 0.1.0
 */
export function instrumentLogger<L extends BaseLogger>(existing: L, deps: InstrumentDeps): L {
  const child = (existing as unknown as Logger).child({}) as unknown as L;
  const slots = child as unknown as Record<symbol, unknown>;
  const mixinSym = findSymbol(existing, 'pino.mixin');
  const mergeSym = findSymbol(existing, 'pino.mixinMergeStrategy');
  if (mixinSym === undefined || mergeSym === undefined) {
    deps.diag.warnOnce(
      'NMWRN021',
      'NMWRN021 instrumentLogger(): this logger is not one nodemeter can instrument (not pino 7 or later); it is returned as a child without trace ids',
    );
    return child;
  }
  const ours = correlationMixin(deps.keys, deps.events);
  const theirs = (existing as unknown as Record<symbol, unknown>)[mixinSym] as MixinFn | undefined;
  const theirMerge = (existing as unknown as Record<symbol, unknown>)[mergeSym] as MergeStrategy | undefined;
  slots[mixinSym] =
    typeof theirs === 'function'
      ? function composedMixin(obj: object, level: number, logger: Logger): object {
          const own = theirs(obj, level, logger);
          const ids = ours(obj, level, logger);
          // Copy their fields into our fresh object, never ours into theirs (they may return a shared object).
          return ids === EMPTY ? own : Object.assign(ids, own);
        }
      : ours;
  slots[mergeSym] = theirMerge
    ? (mergeObject: object, mixinObject: object) =>
        mixinObject === EMPTY ? mergeObject : theirMerge(mergeObject, mixinObject)
    : mergeMixin;

  if (deps.ship !== undefined) {
    const streamSym = findSymbol(existing, 'pino.stream');
    const timeSym = findSymbol(existing, 'pino.time');
    const time = timeSym ? ((existing as unknown as Record<symbol, unknown>)[timeSym] as (() => string) | undefined) : undefined;
    const sample = typeof time === 'function' ? time() : undefined;
    if (streamSym === undefined || sample === undefined || !/^(,"time":\d{10,19})?$/.test(sample)) {
      deps.diag.warnOnce(
        'NMWRN021',
        'NMWRN021 instrumentLogger(): the lines of this logger are not shipped to Loki because their "time" is not a ' +
          'number (use pino\'s default timestamp or pino.stdTimeFunctions.unixTime); they still carry trace ids',
      );
    } else {
      const theirStream = (existing as unknown as Record<symbol, unknown>)[streamSym] as DestinationStream;
      slots[streamSym] = new TeeStream(theirStream, deps.ship, pino.symbols.needsMetadataGsym);
    }
  }
  return child;
}
