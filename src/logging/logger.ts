/**
 * pino loggers whose lines carry the active trace: `traceId` and `spanId` (Spring's MDC keys; OpenTelemetry's
 * `trace_id`, `span_id` and `trace_flags` with `keys: 'otel'`), and the application name `app`.
 *
 *   logger.info(…) ──► pino ──► mixin: count the level (logback_events_total), read the active span
 *                                 no span: the shared EMPTY object, merged away without allocating
 *                                 span:    { traceId, spanId } (one small object per line)
 *
 * The mixin is set when the logger is created (pino's public `mixin` and `mixinMergeStrategy` options), so `child()`
 * loggers inherit it. An application's own pino logger is instrumented by a child of it that carries the same
 * mixin (see {@link instrumentLogger}).
 */
import { loadedOtelApi } from '../core/otel-api.js';
import type { BaseLogger, DestinationStream, Logger } from 'pino';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import { logFormatterOf, pinoSlots, PINO_SUPPORTED, type MixinFn } from './compat/pino.js';
import { loadPino } from './load-pino.js';
import type { LogEventCounter } from './log-events.js';
import type { CorrelationKeys, LogLevelName } from './options.js';
import { Fanout, type LostLines } from './fanout.js';


/** Returned by the mixin when there is nothing to add; recognised (by identity) by {@link mergeMixin}. */
const EMPTY: object = Object.freeze({});

const INVALID_TRACE_ID = '00000000000000000000000000000000';

/** trace_flags as OpenTelemetry's pino instrumentation writes them: two hex digits. */
const FLAGS_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Field names of the correlation. @since 0.1.0 */
export function correlationFields(keys: CorrelationKeys): { readonly traceId: string; readonly spanId: string } {
  return keys === 'otel' ? OTEL_FIELDS : SPRING_FIELDS;
}
// Constants: the console asks for them on every line.
const OTEL_FIELDS = Object.freeze({ traceId: 'trace_id', spanId: 'span_id' });
const SPRING_FIELDS = Object.freeze({ traceId: 'traceId', spanId: 'spanId' });

/**
 * The mixin: counts the line's level, and returns the active span's ids (or EMPTY). `trace.getSpan(context.active())`
 * is an AsyncLocalStorage read and a map lookup; spanContext() of an SDK span returns a stored object. The API is
 * asked of src/core/otel-api.ts per line (a field read once loaded): an application may register its own
 * OpenTelemetry after instrument(), and its spans' ids still reach the lines.
 * @since 0.1.0
 */
export function correlationMixin(keys: CorrelationKeys, events?: LogEventCounter): MixinFn {
  if (keys === 'otel') {
    return function otelCorrelation(_obj: object, level: number): object {
      events?.count(level);
      const api = loadedOtelApi();
      if (api === undefined) return EMPTY;
      const span = api.trace.getSpan(api.context.active());
      if (span === undefined) return EMPTY;
      const sc = span.spanContext();
      if (sc.traceId === INVALID_TRACE_ID) return EMPTY;
      return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: FLAGS_HEX[sc.traceFlags & 0xff] };
    };
  }
  return function springCorrelation(_obj: object, level: number): object {
    events?.count(level);
    const api = loadedOtelApi();
    if (api === undefined) return EMPTY;
    const span = api.trace.getSpan(api.context.active());
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
  return loadPino()(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, app: options.serviceName },
      mixin: correlationMixin(options.keys ?? 'spring', deps.events),
      mixinMergeStrategy: mergeMixin,
    },
    deps.destination,
  );
}

/** What {@link instrumentLogger} needs from the logging setup. @since 0.1.0 */
export interface InstrumentDeps {
  keys: CorrelationKeys;
  events?: LogEventCounter;
  /** When set, the instrumented logger's lines are also written here (nodemeter's Loki transport). */
  ship?: DestinationStream & { readonly writable: boolean };
  /** Where lines the transport can no longer take are counted (as for nodemeter's own logger). */
  lost?: LostLines;
  diag: Diag;
}

/**
 * Instruments a pino logger the application already has: returns a child of it whose lines carry the trace ids and
 * are counted in logback_events_total, and (when Loki shipping is on) are also shipped. Everything else of the
 * application's logger is kept: level, serializers, redaction, formatters, its own mixin (both run; its fields win
 * on a clash), its destination.
 *
 * Limits: pino takes a mixin and a destination only when a logger is created, so the logger passed in is not
 * changed; use the returned one (and its children). Lines are shipped only if their `time` is a number (pino's
 * default epoch or `unixTime`), the form Loki timestamps are taken from. No public pino API adds a mixin or a
 * destination to a child: for pino 7 to 10 the child's slots are set through pino's symbols (compat/pino.ts);
 * for other versions the child gets the trace ids through its public `formatters.log` option only (no counting,
 * no shipping), with a warning.
 * @since 0.1.0
 */
export function instrumentLogger<L extends BaseLogger>(existing: L, deps: InstrumentDeps): L {
  const slots = pinoSlots(existing);
  if ('reason' in slots) {
    if (slots.reason === 'version') {
      deps.diag.warn(Warnings.LIBRARY_VERSION_UNSUPPORTED, {
        package: 'pino',
        version: slots.version,
        range: PINO_SUPPORTED.range,
        without: 'logback_events_total counts and Loki shipping of instrumentLogger() lines (they carry trace ids)',
      });
      return publicChild(existing, deps.keys);
    }
    deps.diag.warn(Warnings.LOGGER_NOT_PINO);
    return (existing as unknown as Logger).child({}) as unknown as L;
  }
  const child = (existing as unknown as Logger).child({}) as unknown as L;
  const ours = correlationMixin(deps.keys, deps.events);
  const theirs = slots.mixin;
  const theirMerge = slots.mergeStrategy;
  slots.setMixin(
    child,
    theirs !== undefined
      ? function composedMixin(obj: object, level: number, logger: Logger): object {
          const own = theirs(obj, level, logger);
          const ids = ours(obj, level, logger);
          // Copy their fields into our fresh object, never ours into theirs (they may return a shared object).
          return ids === EMPTY ? own : Object.assign(ids, own);
        }
      : ours,
    theirMerge
      ? (mergeObject: object, mixinObject: object) => (mixinObject === EMPTY ? mergeObject : theirMerge(mergeObject, mixinObject))
      : mergeMixin,
  );

  if (deps.ship !== undefined) {
    const destination = slots.destination();
    if (destination === undefined || !/^(,"time":\d{10,19})?$/.test(destination.timeSample)) {
      deps.diag.warn(Warnings.LOGGER_TIME_NOT_NUMERIC);
    } else {
      // The same destination as nodemeter's own logger: the application's stream (with pino's line metadata when it
      // asks for it) and the transport, whose lines are counted rather than thrown once its worker failed.
      slots.setStream(child, new Fanout(destination.stream, deps.ship, deps.lost));
    }
  }
  return child;
}

/**
 * A child carrying the trace ids through pino's public child options only: its `formatters.log` (composed with the
 * logger's own) adds the ids to lines that do not set them. The level of a line is not visible there, so nothing
 * is counted.
 */
function publicChild<L extends BaseLogger>(existing: L, keys: CorrelationKeys): L {
  const theirs = logFormatterOf(existing);
  const ids = correlationMixin(keys);
  const log = (object: object): object => {
    const own = theirs === undefined ? object : theirs(object as Record<string, unknown>);
    const found = ids(own, 0, existing as unknown as Logger);
    // A fresh object: the line's own object may be the caller's. Its fields win over the ids.
    return found === EMPTY ? own : Object.assign(found, own);
  };
  return (existing as unknown as Logger).child({}, { formatters: { log } }) as unknown as L;
}
