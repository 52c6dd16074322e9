/**
 * Options of the logging integration, their defaults, validation (coded errors naming the option) and the
 * environment variables that fill what the options leave out.
 *
 * Environment (explicit options win; a value that does not parse is reported once as Warnings.ENV_VALUE_IGNORED and ignored):
 *   NODEMETER_LOGGING_LEVEL, LOGGING_LEVEL_ROOT   level of the application logger (Spring's logging.level.root)
 *   NODEMETER_LOGGING_KEYS                        spring | otel
 *   NODEMETER_LOGGING_CONSOLE                     spring | json | sleuth (pretty) | false
 *   NODEMETER_LOKI_URL                            push URL; setting it turns shipping on (user:password@ = basic auth)
 *   NODEMETER_LOKI_LABELS                         static labels, key=value,key=value
 *   NODEMETER_LOKI_FORMAT                         spring | json (the shipped line)
 *   NODEMETER_LOKI_TENANT                         X-Scope-OrgID
 *   NODEMETER_LOKI_USERNAME, NODEMETER_LOKI_PASSWORD   basic auth
 *   NODEMETER_LOKI_BATCH_INTERVAL_MS, NODEMETER_LOKI_MAX_BUFFER_LINES, NODEMETER_LOKI_MAX_BUFFER_BYTES,
 *   NODEMETER_LOKI_TIMEOUT_MS, NODEMETER_LOKI_FLUSH_TIMEOUT_MS
 * (NODEMETER_LOG_LEVEL is the level of nodemeter's own diagnostics, not of the application's logs.)
 */
import { EnvReader, checkKeys, invalid, isPlainObject, pairsOf, type EnvProblem, type EnvSource } from '../core/validate.js';

/** pino's levels, plus `silent`. @since 0.1.0 */
export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Field names of the trace correlation: Spring's `traceId`/`spanId`, or OpenTelemetry's `trace_id`/`span_id`. */
export type CorrelationKeys = 'spring' | 'otel';

/**
 * The line shipped to Loki: Spring Boot's log pattern with its `[traceId-spanId]` correlation (what a Spring
 * service with loki4j ships), or pino's JSON line. @since 0.3.0
 */
export type LokiLineFormat = 'spring' | 'json';

/**
 * The console: Spring Boot's console pattern with `[traceId-spanId]` (as `kubectl logs` of a Spring pod reads),
 * pino's JSON lines, the Sleuth-era `[app,traceId,spanId]` text of Boot 2 fleets (`pretty` is its old name), or
 * nothing. @since 0.3.0
 */
export type ConsoleFormat = 'spring' | 'json' | 'sleuth' | false;

/** @since 0.1.0 @experimental */
export interface LokiOptions {
  /**
   * The push URL, e.g. `http://localhost:3100/loki/api/v1/push` (as loki4j's `url`). `https://user:pass@host/…`
   * sets basic auth. Default: NODEMETER_LOKI_URL; without a URL nothing is shipped.
   */
  url?: string;
  /** Static labels added to `app`, `host` and `level`. Keep them few and low-cardinality (never ids). */
  labels?: Record<string, string>;
  /**
   * The shipped line: `spring` (default), Spring Boot's pattern as loki4j ships it with `${FILE_LOG_PATTERN}`;
   * `json`, pino's JSON line. Either way `traceId`, `spanId`, `thread`, `logger` and `level` go as structured metadata.
   */
  format?: LokiLineFormat;
  basicAuth?: { username: string; password: string };
  /** Sent as `X-Scope-OrgID` (Loki multi-tenancy). */
  tenant?: string;
  /** Longest a line waits before its batch is sent. Default 1000 ms. */
  batchIntervalMs?: number;
  /** Lines per push request. Default 1000. */
  maxBatchLines?: number;
  /** UTF-8 bytes of lines per push request. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Lines held while the receiver is slow or down (waiting + in flight); beyond, the oldest are dropped. Default 100 000. */
  maxBufferLines?: number;
  /** UTF-8 bytes held, same rule. Default 32 MiB. */
  maxBufferBytes?: number;
  /** Timeout of one push request. Default 10 000 ms. */
  timeoutMs?: number;
  /** Longest flush() waits, and longest the process waits at exit for held lines to be sent. Default 5000 ms, at most 8000. */
  flushTimeoutMs?: number;
  /** First retry delay after a failed push; doubles up to maxBackoffMs (±25% jitter). Default 200 ms. */
  minBackoffMs?: number;
  /** Default 5000 ms. */
  maxBackoffMs?: number;
}

/** Options of nodemeter's logging. @since 0.1.0 @experimental */
export interface LoggingOptions {
  /** Level of the application logger. Default `info`. */
  level?: LogLevelName;
  /** Names of the trace fields. Default `spring` (`traceId`, `spanId`); `otel` gives `trace_id`, `span_id`, `trace_flags`. */
  keys?: CorrelationKeys;
  /**
   * Console output: `spring` (default), Spring Boot's console pattern with `[traceId-spanId]`; `json`, pino's JSON
   * lines; `sleuth` (Boot 2 fleets; `pretty` is accepted as its old name), text with `[app,traceId,spanId]`; or none.
   */
  console?: ConsoleFormat | 'pretty';
  /**
   * On SIGTERM/SIGINT, flush the logs. If nothing else listens to the signal, then end the process the way the
   * signal would have; if the application has its own handler, only flush and leave the rest to it. Default true.
   */
  flushOnSignals?: boolean;
  /** Ship logs to a Loki push receiver. Off unless a URL is given here or in NODEMETER_LOKI_URL. */
  loki?: LokiOptions | false;
}

/** Loki settings after defaults. @since 0.1.0 */
export interface ResolvedLokiConfig {
  url: string;
  labels: Readonly<Record<string, string>>;
  format: LokiLineFormat;
  basicAuth: { username: string; password: string } | undefined;
  tenant: string | undefined;
  batchIntervalMs: number;
  maxBatchLines: number;
  maxBatchBytes: number;
  maxBufferLines: number;
  maxBufferBytes: number;
  timeoutMs: number;
  flushTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

/** Logging settings after environment and defaults. @since 0.1.0 */
export interface ResolvedLoggingConfig {
  level: LogLevelName;
  keys: CorrelationKeys;
  console: ConsoleFormat;
  flushOnSignals: boolean;
  loki: ResolvedLokiConfig | undefined;
}

/** What the environment contributed (see {@link readLoggingEnv}). @since 0.1.0 */
export interface LoggingEnv {
  level?: LogLevelName;
  keys?: CorrelationKeys;
  console?: ConsoleFormat;
  loki?: Partial<Omit<ResolvedLokiConfig, 'labels' | 'basicAuth'>> & {
    labels?: Record<string, string>;
    username?: string;
    password?: string;
  };
}

/** The values of `logging.level`. @since 0.1.0 */
export const LOG_LEVELS: readonly LogLevelName[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const CONSOLE_FORMATS: readonly ConsoleFormat[] = ['spring', 'json', 'sleuth', false];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels nodemeter sets itself. `host` may be overridden (e.g. with a pod name). */
const RESERVED_LABELS = new Set(['app', 'level']);
/** Loki's default limit of labels per stream (`max_label_names_per_series`). */
const MAX_LABELS = 15;

const NUMBER_BOUNDS = {
  batchIntervalMs: [1, 3_600_000, 1000],
  maxBatchLines: [1, 1_000_000, 1000],
  maxBatchBytes: [1024, 64 * 1024 * 1024, 1024 * 1024],
  maxBufferLines: [1, 10_000_000, 100_000],
  maxBufferBytes: [1024, 2 * 1024 * 1024 * 1024, 32 * 1024 * 1024],
  timeoutMs: [1, 600_000, 10_000],
  // pino's exit hook waits at most 10 s for its worker; stay below.
  flushTimeoutMs: [0, 8000, 5000],
  minBackoffMs: [1, 600_000, 200],
  maxBackoffMs: [1, 3_600_000, 5000],
} as const satisfies Record<string, readonly [number, number, number]>;

type NumberOption = keyof typeof NUMBER_BOUNDS;

/** Checks a push URL; returns it without user info, and the basic auth the user info gave. */
function parseUrl(option: string, value: string): { url: string; basicAuth?: { username: string; password: string } } {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw invalid(option, 'an http(s) URL such as http://localhost:3100/loki/api/v1/push', value);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw invalid(option, 'an http(s) URL such as http://localhost:3100/loki/api/v1/push', value);
  }
  if (u.pathname === '/' || u.pathname === '') {
    throw invalid(option, 'the full push URL, with its path (e.g. /loki/api/v1/push)', value);
  }
  let basicAuth: { username: string; password: string } | undefined;
  if (u.username !== '' || u.password !== '') {
    basicAuth = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
  }
  return { url: u.href, basicAuth };
}

function checkLabels(option: string, value: unknown): Record<string, string> {
  if (!isPlainObject(value)) throw invalid(option, 'an object of label names to string values', value);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!LABEL_NAME.test(key) || key.startsWith('__')) {
      throw invalid(`${option}.${key}`, 'a label name matching [a-zA-Z_][a-zA-Z0-9_]* (not __*)', key);
    }
    if (RESERVED_LABELS.has(key)) throw invalid(`${option}.${key}`, 'absent (nodemeter sets app and level)', v);
    if (typeof v !== 'string' || v === '') throw invalid(`${option}.${key}`, 'a non-empty string', v);
    out[key] = v;
  }
  if (Object.keys(out).length + 3 > MAX_LABELS) {
    throw invalid(option, `at most ${MAX_LABELS - 3} labels (Loki's default limit is ${MAX_LABELS} per stream, app/host/level included)`, value);
  }
  return out;
}

function checkNumber(option: string, name: NumberOption, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const [min, max] = NUMBER_BOUNDS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function checkString(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(option, 'a non-empty string', value);
  return value;
}

/**
 * Validates `options` (the `logging` option of instrument()) and merges them over the environment and defaults.
 * Throws NM_ERR_CONFIG_INVALID / NM_ERR_CONFIG_UNKNOWN_OPTION naming the option.
 * @since 0.1.0
 */
export function resolveLoggingOptions(options: unknown, env: LoggingEnv = {}, prefix = 'logging'): ResolvedLoggingConfig {
  if (options !== undefined && !isPlainObject(options)) throw invalid(prefix, 'an object', options);
  const o = options ?? {};
  checkKeys(prefix, o, ['level', 'keys', 'console', 'flushOnSignals', 'loki']);

  if (o.level !== undefined && !LOG_LEVELS.includes(o.level as LogLevelName)) {
    throw invalid(`${prefix}.level`, `one of ${LOG_LEVELS.join(', ')}`, o.level);
  }
  if (o.keys !== undefined && o.keys !== 'spring' && o.keys !== 'otel') {
    throw invalid(`${prefix}.keys`, '"spring" or "otel"', o.keys);
  }
  if (o.console !== undefined && !CONSOLE_FORMATS.includes(o.console as ConsoleFormat) && o.console !== 'pretty') {
    throw invalid(`${prefix}.console`, '"spring", "json", "sleuth" or false', o.console);
  }
  if (o.flushOnSignals !== undefined && typeof o.flushOnSignals !== 'boolean') {
    throw invalid(`${prefix}.flushOnSignals`, 'a boolean', o.flushOnSignals);
  }

  let loki: ResolvedLokiConfig | undefined;
  if (o.loki !== false) {
    if (o.loki !== undefined && !isPlainObject(o.loki)) throw invalid(`${prefix}.loki`, 'an object or false', o.loki);
    const l = (o.loki ?? {}) as Record<string, unknown>;
    const p = `${prefix}.loki`;
    checkKeys(p, l, ['url', 'labels', 'format', 'basicAuth', 'tenant', ...Object.keys(NUMBER_BOUNDS)]);
    if (l.format !== undefined && l.format !== 'spring' && l.format !== 'json') throw invalid(`${p}.format`, '"spring" or "json"', l.format);
    const e = env.loki ?? {};
    const rawUrl = checkString(`${p}.url`, l.url) ?? e.url;
    if (rawUrl !== undefined) {
      const { url, basicAuth: fromUrl } = parseUrl(l.url !== undefined ? `${p}.url` : 'NODEMETER_LOKI_URL', rawUrl);
      let basicAuth = fromUrl;
      if (l.basicAuth !== undefined) {
        if (!isPlainObject(l.basicAuth)) throw invalid(`${p}.basicAuth`, 'an object { username, password }', '<redacted>');
        checkKeys(`${p}.basicAuth`, l.basicAuth, ['username', 'password']);
        const { username, password } = l.basicAuth;
        if (typeof username !== 'string' || username === '') throw invalid(`${p}.basicAuth.username`, 'a non-empty string', username);
        if (typeof password !== 'string') throw invalid(`${p}.basicAuth.password`, 'a string', '<redacted>');
        basicAuth = { username, password };
      } else if (basicAuth === undefined && e.username !== undefined) {
        basicAuth = { username: e.username, password: e.password ?? '' };
      }
      const numbers = {} as Record<NumberOption, number>;
      for (const name of Object.keys(NUMBER_BOUNDS) as NumberOption[]) {
        numbers[name] = checkNumber(`${p}.${name}`, name, l[name]) ?? e[name] ?? NUMBER_BOUNDS[name][2];
      }
      if (numbers.maxBackoffMs < numbers.minBackoffMs) {
        throw invalid(`${p}.maxBackoffMs`, `at least minBackoffMs (${numbers.minBackoffMs})`, numbers.maxBackoffMs);
      }
      loki = {
        url,
        labels: { ...e.labels, ...(l.labels !== undefined ? checkLabels(`${p}.labels`, l.labels) : {}) },
        format: (l.format as LokiLineFormat | undefined) ?? e.format ?? 'spring',
        basicAuth,
        tenant: checkString(`${p}.tenant`, l.tenant) ?? e.tenant,
        ...numbers,
        // A batch never needs more room than the whole buffer.
        maxBatchLines: Math.min(numbers.maxBatchLines, numbers.maxBufferLines),
        maxBatchBytes: Math.min(numbers.maxBatchBytes, numbers.maxBufferBytes),
      };
    } else if (o.loki !== undefined && Object.keys(l).length > 0) {
      throw invalid(`${p}.url`, 'set (or NODEMETER_LOKI_URL) when other Loki options are given', undefined);
    }
  }

  return {
    level: (o.level as LogLevelName | undefined) ?? env.level ?? 'info',
    keys: (o.keys as CorrelationKeys | undefined) ?? env.keys ?? 'spring',
    console: o.console === 'pretty' ? 'sleuth' : ((o.console as ConsoleFormat | undefined) ?? env.console ?? 'spring'),
    flushOnSignals: (o.flushOnSignals as boolean | undefined) ?? true,
    loki,
  };
}

/** A variable whose value was ignored, and why (reported by the caller as Warnings.ENV_VALUE_IGNORED). @since 0.1.0 */
export type LoggingEnvProblem = EnvProblem;

/** Reads the logging variables. Never throws. @since 0.1.0 */
export function readLoggingEnv(env: EnvSource = process.env): {
  config: LoggingEnv;
  problems: LoggingEnvProblem[];
} {
  const config: LoggingEnv = {};
  const reader = new EnvReader(env);
  const problems = reader.problems;
  const first = (names: readonly string[]) => reader.first(names);
  const bad = (variable: string, value: string, expected: string): void => reader.bad(variable, value, expected);

  const level = first(['NODEMETER_LOGGING_LEVEL', 'LOGGING_LEVEL_ROOT']);
  if (level) {
    // Spring's names: WARN, ERROR, OFF; pino's: warn, error, silent.
    const v = level[1].toLowerCase();
    const mapped = v === 'off' ? 'silent' : v;
    if (LOG_LEVELS.includes(mapped as LogLevelName)) config.level = mapped as LogLevelName;
    else bad(level[0], level[1], `one of ${LOG_LEVELS.join(', ')}`);
  }
  const keys = first(['NODEMETER_LOGGING_KEYS']);
  if (keys) {
    const v = keys[1].toLowerCase();
    if (v === 'spring' || v === 'otel') config.keys = v;
    else bad(keys[0], keys[1], 'spring or otel');
  }
  const consoleMode = first(['NODEMETER_LOGGING_CONSOLE']);
  if (consoleMode) {
    const v = consoleMode[1].toLowerCase();
    if (v === 'spring' || v === 'json' || v === 'sleuth') config.console = v;
    else if (v === 'pretty') config.console = 'sleuth';
    else if (v === 'false' || v === 'none' || v === 'off' || v === '0') config.console = false;
    else bad(consoleMode[0], consoleMode[1], 'spring, json, sleuth or false');
  }

  const loki: NonNullable<LoggingEnv['loki']> = {};
  const url = first(['NODEMETER_LOKI_URL']);
  if (url) {
    try {
      parseUrl('NODEMETER_LOKI_URL', url[1]);
      loki.url = url[1];
    } catch {
      bad(url[0], url[1], 'an http(s) push URL with its path, e.g. http://localhost:3100/loki/api/v1/push');
    }
  }
  const labels = first(['NODEMETER_LOKI_LABELS']);
  if (labels) {
    const parsed = pairsOf(labels[1]);
    let ok = parsed !== undefined;
    try {
      if (parsed) loki.labels = checkLabels('NODEMETER_LOKI_LABELS', parsed);
    } catch {
      ok = false;
    }
    if (!ok) bad(labels[0], labels[1], 'key=value pairs separated by commas, keys like [a-zA-Z_][a-zA-Z0-9_]*, not app or level');
  }
  const format = first(['NODEMETER_LOKI_FORMAT']);
  if (format) {
    const v = format[1].toLowerCase();
    if (v === 'spring' || v === 'json') loki.format = v;
    else bad(format[0], format[1], 'spring or json');
  }
  const tenant = first(['NODEMETER_LOKI_TENANT']);
  if (tenant) loki.tenant = tenant[1];
  const username = first(['NODEMETER_LOKI_USERNAME']);
  if (username) loki.username = username[1];
  const password = env.NODEMETER_LOKI_PASSWORD;
  if (password !== undefined && password !== '') loki.password = password;

  for (const [name, key] of [
    ['NODEMETER_LOKI_BATCH_INTERVAL_MS', 'batchIntervalMs'],
    ['NODEMETER_LOKI_MAX_BUFFER_LINES', 'maxBufferLines'],
    ['NODEMETER_LOKI_MAX_BUFFER_BYTES', 'maxBufferBytes'],
    ['NODEMETER_LOKI_TIMEOUT_MS', 'timeoutMs'],
    ['NODEMETER_LOKI_FLUSH_TIMEOUT_MS', 'flushTimeoutMs'],
  ] as const) {
    const v = first([name]);
    if (!v) continue;
    const [min, max] = NUMBER_BOUNDS[key];
    const n = Number(v[1]);
    if (/^\d+$/.test(v[1]) && n >= min && n <= max) loki[key] = n;
    else bad(v[0], v[1], `an integer from ${min} to ${max}`);
  }
  if (Object.keys(loki).length > 0) config.loki = loki;
  return { config, problems };
}
