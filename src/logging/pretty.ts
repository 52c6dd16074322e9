/**
 * The text consoles, without dependencies: Spring Boot's console pattern (the default; spring-format.ts), or, for
 * fleets still on Boot 2 conventions, Spring Sleuth's style:
 *
 *   2024-05-01T12:00:00.123Z  INFO [order-service,4bf92f3577b34da6a3ce929d0e0e4736,00f067aa0ba902b7] 4242 --- : order placed {"orderId":42}
 *
 * The `[app,traceId,spanId]` prefix is what the Sleuth-era Grafana derived field `\[.+,(.+?),` reads the trace id
 * from; without a span it is `[app,,]`, which the regex does not match. Boot 3 and 4 print `[traceId-spanId]`
 * instead, which that regex does not match either (docs/guides/logging.md gives one that reads both).
 *
 * pino hands this destination the line's parts (its `metadata`: level, time, message, merged object) besides the
 * JSON line, so nothing is parsed back.
 */
import type { DestinationStream } from 'pino';
import { consoleDestination, PINO_METADATA } from './load-pino.js';
import type { CorrelationKeys } from './options.js';
import { correlationFields } from './logger.js';
import { currentThreadName, formatBootLine, logbackLevel, loggerNameOf } from './spring-format.js';

const LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: ' INFO', 40: ' WARN', 50: 'ERROR', 60: 'FATAL' };

/** The parts of a line pino passes to a destination that asks for them. @since 0.1.0 */
export interface LineParts {
  level: number;
  /** What pino's timestamp function wrote after `"time":` (epoch milliseconds by default). */
  time: string;
  msg: string | undefined;
  obj: Record<string, unknown>;
  /** Name of a custom level, when the number is not a standard one. */
  levelName?: string;
}

function formatTime(time: string): string {
  const ms = Number(time);
  if (time !== '' && Number.isFinite(ms)) return new Date(ms).toISOString();
  return new Date().toISOString();
}

/** One console line, newline included. @since 0.1.0 */
export function formatSleuthLine(parts: LineParts, app: string, keys: CorrelationKeys): string {
  const fields = correlationFields(keys);
  const obj = parts.obj;
  const traceId = typeof obj[fields.traceId] === 'string' ? (obj[fields.traceId] as string) : '';
  const spanId = typeof obj[fields.spanId] === 'string' ? (obj[fields.spanId] as string) : '';
  const label = LABELS[parts.level] ?? (parts.levelName ?? String(parts.level)).toUpperCase().padStart(5);
  let line = `${formatTime(parts.time)} ${label} [${app},${traceId},${spanId}] ${process.pid} --- : ${parts.msg ?? ''}`;

  let rest: Record<string, unknown> | undefined;
  let error: unknown;
  for (const key of Object.keys(obj)) {
    if (key === fields.traceId || key === fields.spanId || key === 'trace_flags' || key === 'msg') continue;
    if (key === 'err' || key === 'error') {
      error = obj[key];
      continue;
    }
    (rest ??= {})[key] = obj[key];
  }
  if (rest !== undefined) {
    try {
      line += ` ${JSON.stringify(rest)}`;
    } catch {
      // circular or BigInt: the JSON line has pino's safe rendering; the console shows the message only
    }
  }
  if (error instanceof Error) line += `\n${error.stack ?? `${error.name}: ${error.message}`}`;
  else if (error !== undefined && typeof error === 'object' && error !== null && 'stack' in error) {
    line += `\n${String((error as { stack: unknown }).stack)}`;
  }
  return `${line}\n`;
}

interface LoggerLike {
  levels?: { labels?: Record<number, string> };
  bindings?(): Record<string, unknown>;
}

/** Logger name by logger: `bindings()` parses the child's bindings, so it is read once per logger, not per line. */
const NAMES = new WeakMap<object, string>();

function loggerName(logger: LoggerLike | undefined): string {
  if (logger === undefined) return 'ROOT';
  let name = NAMES.get(logger);
  if (name === undefined) {
    try {
      name = loggerNameOf(logger.bindings?.() ?? {});
    } catch {
      name = 'ROOT';
    }
    NAMES.set(logger, name);
  }
  return name;
}

/**
 * One console line in Spring Boot's console pattern (`[%15.15t]`), newline included.
 * @since 0.3.0
 */
export function formatSpringConsoleLine(parts: LineParts, app: string, keys: CorrelationKeys, logger = 'ROOT', thread = 'main'): string {
  const fields = correlationFields(keys);
  const traceKey = fields.traceId;
  const spanKey = fields.spanId;
  const obj = parts.obj;
  let rest = '';
  let error: unknown;
  // for…in, not Object.keys(): no array per line. pino's merged object is a plain object (its own keys only). The
  // fields are written as JSON one by one, without an object to hold them; keys unescaped, as pino writes them.
  for (const key in obj) {
    if (key === traceKey || key === spanKey || key === 'trace_flags' || key === 'msg') continue;
    const value = obj[key];
    if (key === 'err' || key === 'error') {
      error = value;
      continue;
    }
    let json: string | undefined;
    if (typeof value === 'number') json = Number.isFinite(value) ? '' + value : 'null';
    else if (typeof value === 'boolean') json = value ? 'true' : 'false';
    else {
      try {
        json = JSON.stringify(value); // undefined for undefined, functions and symbols: left out, as JSON does
      } catch {
        // circular or BigInt: this field is left out; pino's JSON line has its safe rendering
      }
    }
    if (json !== undefined) rest += (rest === '' ? '{"' : ',"') + key + '":' + json;
  }
  const time = parts.time;
  const ms = time === '' ? NaN : +time;
  return (
    formatBootLine(
      {
        time: Number.isFinite(ms) ? ms : Date.now(), // a timestamp function that writes something else
        level: parts.level === 30 ? 'INFO' : logbackLevel(parts.level, parts.levelName),
        pid: process.pid,
        app,
        thread,
        traceId: obj[traceKey],
        spanId: obj[spanKey],
        logger,
        msg: parts.msg,
        rest: rest === '' ? undefined : rest + '}',
        err: error,
      },
      true,
    ) + '\n'
  );
}

/**
 * A destination that writes text lines to `out` (stdout by default): Spring Boot's console pattern, or
 * Sleuth-style (`style: 'sleuth'`). @since 0.1.0
 */
export class PrettyDestination {
  readonly [PINO_METADATA] = true as const;
  lastLevel = 0;
  lastTime = '';
  lastMsg: string | undefined = undefined;
  lastObj: Record<string, unknown> = {};
  lastLogger: LoggerLike | undefined;
  readonly #out: DestinationStream & { flush?(cb?: (err?: Error) => void): void; flushSync?(): void };
  readonly #app: string;
  readonly #keys: CorrelationKeys;
  readonly #sleuth: boolean;
  readonly #thread = currentThreadName();

  constructor(app: string, keys: CorrelationKeys, out: DestinationStream = consoleDestination(), style: 'spring' | 'sleuth' = 'sleuth') {
    this.#app = app;
    this.#keys = keys;
    this.#out = out;
    this.#sleuth = style === 'sleuth';
  }

  write(_json: string): void {
    const level = this.lastLevel;
    if (!this.#sleuth) {
      const logger = this.lastLogger;
      this.#out.write(
        formatSpringConsoleLine(
          {
            level,
            time: this.lastTime,
            msg: this.lastMsg,
            obj: this.lastObj,
            levelName: LABELS[level] === undefined ? logger?.levels?.labels?.[level] : undefined,
          },
          this.#app,
          this.#keys,
          loggerName(logger),
          this.#thread,
        ),
      );
      return;
    }
    this.#out.write(
      formatSleuthLine(
        {
          level,
          time: this.lastTime,
          msg: this.lastMsg,
          obj: this.lastObj,
          levelName: LABELS[level] === undefined ? this.lastLogger?.levels?.labels?.[level] : undefined,
        },
        this.#app,
        this.#keys,
      ),
    );
  }

  flush(cb?: (err?: Error) => void): void {
    if (typeof this.#out.flush === 'function') this.#out.flush(cb);
    else cb?.();
  }

  flushSync(): void {
    this.#out.flushSync?.();
  }
}
