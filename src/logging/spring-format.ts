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
import { isMainThread, threadId } from 'node:worker_threads';

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

/** `%5p`: right-aligned in five columns. */
function level5(name: string): string {
  return name.length >= 5 ? name : name.padStart(5);
}

/** Boot's `%correlationId` outside a span: the width of `<32 hex>-<16 hex>`, blank. */
const NO_CORRELATION = `[${' '.repeat(49)}] `;

/**
 * The `thread` of a line: `main` on the main thread (the JVM's name for its first thread), `worker-<threadId>` in a
 * worker thread. @since 0.3.0
 */
export function currentThreadName(): string {
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

/** `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in the local time zone (`Z` for UTC), as Boot's LOG_DATEFORMAT_PATTERN. */
export function bootDate(ms: number): string {
  if (ms === lastMs) return lastDate;
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  let text: string;
  if (offset === 0) {
    text = d.toISOString();
  } else {
    const local = new Date(ms + offset * 60_000).toISOString();
    const abs = Math.abs(offset);
    text = `${local.slice(0, -1)}${offset > 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }
  lastMs = ms;
  lastDate = text;
  return text;
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
  /** Fields without a place in the pattern, or undefined. */
  rest: Record<string, unknown> | undefined;
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

/**
 * One line in Boot's pattern, without the final newline. `console` gives CONSOLE_LOG_PATTERN's `[%15.15t]`, else
 * FILE_LOG_PATTERN's `[%t]`.
 * @since 0.3.0
 */
export function formatBootLine(p: BootLineParts, console = false): string {
  const t = p.thread;
  const thread = console ? (t.length > 15 ? t.slice(-15) : t.padStart(15)) : t;
  const correlation =
    typeof p.traceId === 'string' && typeof p.spanId === 'string' ? `[${p.traceId}-${p.spanId}] ` : NO_CORRELATION;
  const lg = p.logger;
  const logger = lg.length > 40 ? lg.slice(-40) : lg.padEnd(40);
  const pid = p.pid === undefined ? ' ' : String(p.pid);
  let line = `${bootDate(p.time)} ${level5(p.level)} ${pid} --- [${p.app}] [${thread}] ${correlation}${logger} : ${p.msg === undefined ? '' : String(p.msg)}`;
  if (p.rest !== undefined) {
    try {
      line += ` ${JSON.stringify(p.rest)}`;
    } catch {
      // circular or BigInt: the message alone
    }
  }
  const stack = stackOf(p.err);
  if (stack !== undefined) line += `\n${stack}`;
  return line;
}

/**
 * The regex of a Grafana derived field (trace id as group 1) that reads the trace id from Spring Boot's lines
 * (`[traceId-spanId]`), nodemeter's Boot lines (the same) and nodemeter's JSON lines (`"traceId":"…"`). @since 0.3.0
 */
export const TRACE_ID_DERIVED_FIELD_REGEX = String.raw`(?:"traceId":"|\[)([0-9a-f]{32})\b`;
