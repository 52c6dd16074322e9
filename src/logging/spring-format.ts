/**
 * Spring Boot's own log line (Boot 3.2 to 4.0, the same on 3.5 and 4.0; measured against running 3.5.7 and 4.0.7
 * services, docs/guides/logging.md), written by the console on the main thread and by the Loki worker, and the
 * logback level names both use:
 *
 *   2026-11-30T11:48:05.538Z  INFO 21417 --- [node-svc] [main] [6b0d62751ff255b9c5f6aeec48755f68-c5f6aeec48755f68] orders                                   : order placed
 *   date (local, XXX offset) %5p   pid       [app]      [thread] [traceId-spanId] (49 spaces outside a span)  %-40.40logger : msg
 *
 * Boot's FILE_LOG_PATTERN (what loki4j's fleet setup ships) writes `[%t]`; its CONSOLE_LOG_PATTERN `[%15.15t]`.
 * A line's stack (`err`) follows the message on the next lines, as `%wEx` writes it. pino fields without a place in
 * Boot's pattern follow the message as one JSON object, so nothing logged is lost.
 */

/** logback's level names, by pino level. pino's fatal is ERROR: logback has no FATAL. @since 0.3.0 */
export const LOGBACK_LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'ERROR' };
const BY_NAME: Readonly<Record<string, string>> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR' };

/**
 * The logback name of a pino level (number, or label when a level formatter writes labels). A custom level: its
 * name when known (the console), else the standard level at or below its number (35: INFO). @since 0.3.0
 */
export function logbackLevel(level: unknown, customName?: string): string {
  if (typeof level === 'number') {
    const known = LOGBACK_LEVELS[level];
    if (known !== undefined) return known;
    if (customName !== undefined) return customName.toUpperCase();
    return LOGBACK_LEVELS[level >= 50 ? 50 : level >= 40 ? 40 : level >= 30 ? 30 : level >= 20 ? 20 : 10] as string;
  }
  if (typeof level === 'string') return BY_NAME[level] ?? level.toUpperCase();
  return 'INFO';
}

/** `%5p`: right-aligned in five columns; the usual names from a table, not padded per line. */
const LEVEL5: Readonly<Record<string, string>> = { TRACE: 'TRACE', DEBUG: 'DEBUG', INFO: ' INFO', WARN: ' WARN', ERROR: 'ERROR' };
function level5(name: string): string {
  return LEVEL5[name] ?? (name.length >= 5 ? name : name.padStart(5));
}

/** Boot's `%correlationId` outside a span: the width of `<32 hex>-<16 hex>`, blank. */
const NO_CORRELATION = `[${' '.repeat(49)}] `;

/**
 * The `thread` of a line: `main` on the main thread (the JVM's name for its first thread), `worker-<threadId>` in a
 * worker thread. @since 0.3.0
 */
export function currentThreadName(): string {
  // Resolved here, not imported: node:worker_threads is not otherwise loaded in the main thread at start-up, and
  // callers ask once per logger or stream, not per line.
  const { isMainThread, threadId } = process.getBuiltinModule('node:worker_threads');
  return isMainThread ? 'main' : `worker-${threadId}`;
}

/**
 * The `logger` of a line: the child logger's `name` binding (`nm.logger.child({ name: 'orders' })`, the name
 * `/actuator/loggers` lists), else its `module` binding, else `ROOT` (the application logger, as Spring's root logger).
 * @since 0.3.0
 */
export function loggerNameOf(fields: { name?: unknown; module?: unknown }): string {
  const name = fields.name;
  if (typeof name === 'string' && name !== '') return name;
  const module = fields.module;
  if (typeof module === 'string' && module !== '') return module;
  return 'ROOT';
}

let lastMs = NaN;
let lastDate = '';
/** The second last formatted (epoch seconds) and its text up to the milliseconds: `yyyy-MM-ddTHH:mm:ss.`. */
let lastSecond = NaN;
let secondText = '';
/** The quarter hour whose UTC offset is known, that offset (ms) and its text (`Z`, `+02:00`). */
let lastQuarter = NaN;
let offsetMs = 0;
let offsetText = 'Z';
const QUARTER_MS = 900_000;

/**
 * `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in the local time zone (`Z` for UTC), as Boot's LOG_DATEFORMAT_PATTERN. Per line
 * it costs a few additions and one concatenation: the text up to the second is kept per second, and the zone's
 * offset per quarter hour (zones change their offset on quarter hours at most), since asking for the offset is the
 * dear part of a Date.
 */
export function bootDate(time: number): string {
  if (time === lastMs) return lastDate;
  const ms = Math.floor(time);
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    const quarter = Math.floor(ms / QUARTER_MS);
    if (quarter !== lastQuarter) {
      const offset = -new Date(ms).getTimezoneOffset();
      offsetMs = offset * 60_000;
      if (offset === 0) {
        offsetText = 'Z';
      } else {
        const abs = Math.abs(offset);
        offsetText = `${offset > 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      }
      lastQuarter = quarter;
    }
    // toISOString of the local wall-clock time: `yyyy-MM-ddTHH:mm:ss.` is its first 20 characters.
    secondText = new Date(second * 1000 + offsetMs).toISOString().slice(0, 20);
    lastSecond = second;
  }
  const milli = ms - second * 1000;
  lastMs = time;
  lastDate = secondText + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli + offsetText;
  return lastDate;
}

/** The parts of one Boot line. @since 0.3.0 */
export interface BootLineParts {
  /** Epoch milliseconds. */
  time: number;
  /** logback level name (see {@link logbackLevel}). */
  level: string;
  pid: unknown;
  app: string;
  thread: string;
  traceId: unknown;
  spanId: unknown;
  logger: string;
  msg: unknown;
  /** Fields without a place in the pattern (or their JSON, already written), or undefined. */
  rest: Record<string, unknown> | string | undefined;
  /** The error whose stack follows the message (an Error, or pino's serialized `{ type, message, stack }`). */
  err: unknown;
}

function stackOf(err: unknown): string | undefined {
  if (err === undefined || err === null || typeof err !== 'object') return undefined;
  const stack = (err as { stack?: unknown }).stack;
  if (typeof stack === 'string' && stack !== '') return stack;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  const { type, message } = err as { type?: unknown; message?: unknown };
  return typeof message === 'string' ? `${typeof type === 'string' ? type : 'Error'}: ${message}` : undefined;
}

/** ` <pid> --- [<app>] [<thread>] `, kept for the last pid, app and thread (the same on every line of a process). */
let lastPid: unknown;
let lastApp = '';
let lastThread = '';
let lastConsole = false;
let lastMiddle = '';

function middle(pid: unknown, app: string, t: string, console: boolean): string {
  if (pid === lastPid && app === lastApp && t === lastThread && console === lastConsole) return lastMiddle;
  const thread = console ? (t.length > 15 ? t.slice(-15) : t.padStart(15)) : t;
  lastMiddle = ` ${pid === undefined ? ' ' : String(pid)} --- [${app}] [${thread}] `;
  lastPid = pid;
  lastApp = app;
  lastThread = t;
  lastConsole = console;
  return lastMiddle;
}

/** `%-40.40logger : `, by logger name (a process has few; the table is emptied if it ever holds many). */
const LOGGERS = new Map<string, string>();

function loggerColumn(lg: string): string {
  let column = LOGGERS.get(lg);
  if (column === undefined) {
    column = `${lg.length > 40 ? lg.slice(-40) : lg.padEnd(40)} : `;
    if (LOGGERS.size >= 1000) LOGGERS.clear();
    LOGGERS.set(lg, column);
  }
  return column;
}

/**
 * One line in Boot's pattern, without the final newline. `console` gives CONSOLE_LOG_PATTERN's `[%15.15t]`, else
 * FILE_LOG_PATTERN's `[%t]`. Runs for every console line: the fixed columns come from small caches above, so a
 * line costs its concatenation and, when it has fields outside the pattern, their JSON.
 * @since 0.3.0
 */
export function formatBootLine(p: BootLineParts, console = false): string {
  const traceId = p.traceId;
  const spanId = p.spanId;
  const correlation = typeof traceId === 'string' && typeof spanId === 'string' ? `[${traceId}-${spanId}] ` : NO_CORRELATION;
  const msg = p.msg;
  let line =
    bootDate(p.time) +
    ' ' +
    level5(p.level) +
    middle(p.pid, p.app, p.thread, console) +
    correlation +
    loggerColumn(p.logger) +
    (typeof msg === 'string' ? msg : msg === undefined ? '' : String(msg));
  const rest = p.rest;
  if (typeof rest === 'string') {
    line += ' ' + rest;
  } else if (rest !== undefined) {
    try {
      line += ` ${JSON.stringify(rest)}`;
    } catch {
      // circular or BigInt: the message alone
    }
  }
  if (p.err !== undefined) {
    const stack = stackOf(p.err);
    if (stack !== undefined) line += `\n${stack}`;
  }
  return line;
}

/**
 * The regex of a Grafana derived field (trace id as group 1) that reads the trace id from Spring Boot's lines
 * (`[traceId-spanId]`), nodemeter's Boot lines (the same) and nodemeter's JSON lines (`"traceId":"…"`). @since 0.3.0
 */
export const TRACE_ID_DERIVED_FIELD_REGEX = String.raw`(?:"traceId":"|\[)([0-9a-f]{32})\b`;
