/**
 * Every warning nodemeter can report, declared once: its code, its message, and the section of
 * docs/reference/warnings.md that explains it. Call sites name a declaration (`diag.warn(Warnings.X, params)`), so a
 * warning cannot be written without a documented code, and the message is only formatted when it is printed.
 *
 * Codes are never reused for another meaning. Several declarations may share a code when they are the same trouble
 * seen from different places (three ways a meter request can conflict are all NMWRN002). Tests keep this table, the
 * docs and the source in step, and fail on a code written anywhere else.
 */

/** Where the warnings are explained; each code has a section there whose anchor is the code in lower case. */
export const WARNINGS_DOC = 'docs/reference/warnings.md';

/**
 * A declared warning. `P` is what its message needs (`void` for a fixed text). Reported through `Diag.warn`.
 * @since 0.1.0
 */
export interface Warning<P = void, C extends string = string> {
  readonly code: C;
  /** The doc section, e.g. `docs/reference/warnings.md#nmwrn006`. */
  readonly doc: string;
  /**
   * True for warnings that are printed at warn level every time (each is about one event, such as a shutdown step),
   * false for the default: warn once per code and subject, then debug.
   */
  readonly everyTime: boolean;
  readonly message: (params: P) => string;
}

function warning<C extends `NMWRN${number}`, P = void>(
  code: C,
  message: string | ((params: P) => string),
  options?: { everyTime?: boolean },
): Warning<P, C> {
  return Object.freeze({
    code,
    doc: `${WARNINGS_DOC}#${code.toLowerCase()}`,
    everyTime: options?.everyTime === true,
    message: typeof message === 'string' ? () => message : message,
  });
}

/** `String(err)`, or only the message of an Error where the message reads better without the class name. */
function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Every warning, by what happened. @since 0.1.0 */
export const Warnings = {
  /** An environment variable nodemeter reads has a value that does not parse; it is ignored. */
  ENV_VALUE_IGNORED: warning('NMWRN001', (problem: { readonly message: string }) => problem.message),

  /** A meter was requested again with another type or other label names; a no-op meter is returned. */
  METER_KIND_CONFLICT: warning(
    'NMWRN002',
    (p: { meter: string; kind: string; labels: string; requestedKind: string; requestedLabels: string }) =>
      `meter ${p.meter} already exists as a ${p.kind} with labels [${p.labels}]; ` +
      `the request for a ${p.requestedKind} with labels [${p.requestedLabels}] gets a no-op meter`,
  ),
  /** A meter uses a common tag as one of its labels; a no-op meter is returned. */
  METER_COMMON_TAG_LABEL: warning(
    'NMWRN002',
    (p: { meter: string; tag: string }) => `meter ${p.meter} uses the common tag "${p.tag}" as a label; it gets a no-op meter`,
  ),
  /** A meter would write a metric family that another meter already writes; a no-op meter is returned. */
  METER_FAMILY_EXISTS: warning(
    'NMWRN002',
    (p: { family: string; meter: string }) => `metric family ${p.family} already exists; ${p.meter} gets a no-op meter`,
  ),

  /** The management server could not listen (port in use, no permission); the actuator falls back to the application's routes. */
  MANAGEMENT_LISTEN_FAILED: warning(
    'NMWRN003',
    (p: { host: string; port: number; reason: string; basePath: string }) =>
      `management server could not listen on ${p.host}:${p.port} (${p.reason}); ` +
      `the actuator endpoints are served on the application's own port under ${p.basePath} instead ` +
      '(set management.onPortTaken: "fail" to stop instead)',
  ),

  /** A disk-space path cannot be read; its series are left out. */
  DISK_PATH_UNREADABLE: warning(
    'NMWRN004',
    (p: { path: string; code: string }) =>
      `disk-space path ${p.path} cannot be read (${p.code}); its disk_free_bytes and disk_total_bytes are left out`,
  ),

  /** `instrument()` was called again with other options while a handle is live; the live handle is returned. */
  INSTRUMENT_AGAIN: warning(
    'NMWRN005',
    "instrument() was called again with other options; the first call's handle is returned unchanged",
  ),

  /** A binder failed to bind; its series are left out, the others are unaffected. */
  BINDER_BIND_FAILED: warning(
    'NMWRN006',
    (p: { binder: string; error: unknown }) => `binder ${p.binder} failed to bind, its series are left out: ${String(p.error)}`,
  ),
  /** A binder's source of data (GC observer, profiler, /proc) failed; what it feeds is left out. */
  BINDER_SOURCE_FAILED: warning('NMWRN006', (p: { binder: string; problem: string }) => `${p.binder}: ${p.problem}`),

  /** A meter reached its limit of distinct values for a tag (e.g. 100 `uri` values); further values are denied. */
  TAG_VALUES_LIMIT: warning(
    'NMWRN007',
    (p: { meter: string; max: number; tag: string }) =>
      `meter ${p.meter} reached ${p.max} distinct values of tag "${p.tag}"; ` +
      'further values are not recorded (raise the limit, or give routes templates)',
  ),

  /** Spans could not be exported (backend down, slow, or answering an error); they are dropped and counted. */
  SPAN_EXPORT_FAILED: warning(
    'NMWRN008',
    (p: { endpoint: string; error: unknown }) =>
      `span export to ${p.endpoint} failed (${reason(p.error)}); ` +
      'the service keeps running, lost spans are counted in nodemeter_spans_total{result="dropped"}. ' +
      'Tracing is on by default and sends to localhost:9411 as Spring Boot does: point it at your Zipkin with ' +
      'MANAGEMENT_ZIPKIN_TRACING_ENDPOINT (tracing.zipkin.endpoint), or turn export off with ' +
      'OTEL_TRACES_EXPORTER=none (tracing.zipkin.enabled: false), or tracing with MANAGEMENT_TRACING_ENABLED=false',
  ),

  /**
   * A span exporter the options ask for needs an optional package that is not installed (kafkajs for the Kafka
   * transport, the OTLP exporter for OTLP); that exporter's spans are dropped and counted.
   */
  SPAN_EXPORTER_UNAVAILABLE: warning(
    'NMWRN018',
    (p: { exporter: string; error: unknown }) =>
      `${p.exporter} span export is configured but cannot work: ${reason(p.error)}; its spans are dropped and ` +
      'counted in nodemeter_spans_total{result="dropped",reason="export_failed"}',
  ),

  /** The application registered its own OpenTelemetry tracer provider; nodemeter uses it instead of its own. */
  FOREIGN_TRACER_PROVIDER: warning(
    'NMWRN009',
    'the application registered its own OpenTelemetry tracer provider; nodemeter creates its spans with it ' +
      "(its exporter, sampler and propagator apply, nodemeter's Zipkin settings do not)",
  ),

  /** Kafka consumer lag could not be read from the brokers; the lag series are left out until it can. */
  KAFKA_LAG_UNREADABLE: warning(
    'NMWRN010',
    (error: unknown) => `Kafka consumer lag could not be read, its series are left out: ${String(error)}`,
  ),

  /** A DB pool is bound to another nodemeter instance; this bind is ignored. */
  DB_POOL_BOUND_ELSEWHERE: warning(
    'NMWRN011',
    (pool: string) => `pool ${pool} is bound to another nodemeter instance; unbind it there first (this bind is ignored)`,
  ),
  /** A DB pool name is already bound; the new pool gets a suffix. */
  DB_POOL_NAME_TAKEN: warning(
    'NMWRN011',
    (p: { taken: string; name: string }) => `a pool named ${p.taken} is already bound; this one is named ${p.name}`,
  ),

  /** A meter's value could not be collected at scrape time (its callback threw); its series are left out. */
  METER_COLLECT_FAILED: warning(
    'NMWRN012',
    (p: { family: string; error: unknown }) => `collecting ${p.family} failed, its series are left out: ${String(p.error)}`,
  ),

  /** A statistic of a bound DB pool could not be read; that series is left out of the scrape. */
  DB_POOL_STAT_FAILED: warning(
    'NMWRN013',
    (p: { pool: string; stat: string; error: unknown }) =>
      `pool ${p.pool}: reading ${p.stat} failed, its series is left out: ${String(p.error)}`,
  ),

  /** An observation handler threw; the observed work and the other handlers are unaffected. */
  OBSERVATION_HANDLER_FAILED: warning(
    'NMWRN014',
    (p: { handler: string; phase: string; error: unknown }) =>
      `observation handler ${p.handler} failed in ${p.phase}; the observed work is unaffected: ${String(p.error)}`,
  ),

  /** A step of shutdown() took longer than its timeout; shutdown moves on to the next step. */
  SHUTDOWN_SLOW: warning(
    'NMWRN015',
    (p: { step: string; timeoutMs: number }) => `shutdown of ${p.step} took longer than ${p.timeoutMs} ms; moving on`,
    { everyTime: true },
  ),

  /** A step of shutdown() failed; shutdown goes on with the next step and still resolves. */
  SHUTDOWN_FAILED: warning(
    'NMWRN016',
    (p: { step: string; error: unknown }) => `shutdown of ${p.step} failed: ${String(p.error)}`,
    { everyTime: true },
  ),

  /** An exposure list names an endpoint nodemeter does not serve; that id is skipped, the others are served. */
  ACTUATOR_UNKNOWN_ENDPOINT: warning(
    'NMWRN030',
    (p: { id: string; known: string }) =>
      `actuator endpoint "${p.id}" is not served by nodemeter and is skipped; the other ids of the list are exposed ` +
      `(known: ${p.known})`,
  ),

  /** An actuator endpoint threw while answering; the request gets a 500, the others are unaffected. */
  ACTUATOR_ENDPOINT_FAILED: warning(
    'NMWRN017',
    (p: { path: string; error: unknown }) => `actuator endpoint ${p.path} failed: ${String(p.error)}`,
  ),

  /** The Loki transport did not start; log lines are not shipped. */
  LOKI_START_FAILED: warning(
    'NMWRN020',
    (error: unknown) => `logs cannot be shipped to Loki: the transport did not start (${reason(error)})`,
  ),
  /** A push to Loki failed; lines are held up to the bound and retried. */
  LOKI_PUSH_FAILED: warning(
    'NMWRN020',
    (p: { url: string; reason: string }) =>
      `pushing logs to ${p.url} failed (${p.reason}); lines are kept up ` +
      'to the buffer bound and retried with backoff; lines beyond it are dropped and counted in ' +
      'nodemeter_logs_dropped_total{reason="buffer_full"}',
  ),
  /** Loki refused a batch; it is not retried and is counted. */
  LOKI_REJECTED: warning(
    'NMWRN020',
    (p: { url: string; lines: number; reason: string }) =>
      `${p.url} refused ${p.lines} log lines (${p.reason}); they are not ` +
      'retried and are counted in nodemeter_logs_dropped_total{reason="rejected"}',
  ),
  /** Lines still unsent when shutdown's flush timed out are dropped and counted. */
  LOKI_UNSENT_AT_SHUTDOWN: warning(
    'NMWRN020',
    (lines: number) => `${lines} log lines were still unsent at shutdown and are dropped`,
    { everyTime: true },
  ),
  /** The log buffer is full; the oldest waiting lines are dropped and counted. */
  LOKI_BUFFER_FULL: warning(
    'NMWRN020',
    'the log buffer is full; the oldest waiting lines are dropped and counted in nodemeter_logs_dropped_total{reason="buffer_full"}',
  ),
  /** The Loki worker failed; log lines are no longer shipped and are counted. */
  LOKI_WORKER_FAILED: warning(
    'NMWRN020',
    (error: Error) =>
      `the Loki transport worker failed (${error.message}); log lines are no longer shipped and are counted in ` +
      'nodemeter_logs_dropped_total{reason="transport_failed"}',
  ),

  /** instrumentLogger() was given a logger that is not pino 7+; it is returned as a child without trace ids. */
  LOGGER_NOT_PINO: warning(
    'NMWRN021',
    'instrumentLogger(): this logger is not one nodemeter can instrument (not pino 7 or later); it is returned as a child without trace ids',
  ),
  /** instrumentLogger(): the logger's timestamps are not numbers, so its lines are not shipped to Loki. */
  LOGGER_TIME_NOT_NUMERIC: warning(
    'NMWRN021',
    'instrumentLogger(): the lines of this logger are not shipped to Loki because their "time" is not a ' +
      "number (use pino's default timestamp or pino.stdTimeFunctions.unixTime); they still carry trace ids",
  ),

  /** A cluster worker asked the primary for the other workers' metrics and got no answer; it serves its own. */
  CLUSTER_PRIMARY_SILENT: warning(
    'NMWRN040',
    (p: { timeoutMs: number }) =>
      `cluster worker: the primary did not relay the metrics of the other workers within ${p.timeoutMs} ms; this ` +
      "scrape shows this worker's series only (run instrument() or --import nodemeter/register in the primary too)",
  ),
  /** A PM2 cluster worker cannot use the directory of its peers' sockets; it serves its own series and health. */
  CLUSTER_PEERS_UNAVAILABLE: warning(
    'NMWRN040',
    (p: { dir: string; reason: string }) =>
      `cluster worker (PM2): the other workers cannot be asked over ${p.dir} (${p.reason}); scrapes and health ` +
      "show this worker only",
  ),

  /**
   * A library whose internals an integration reads is installed in a version outside the range nodemeter supports;
   * the integration keeps to what the library's public API allows (the message says what is left out).
   */
  LIBRARY_VERSION_UNSUPPORTED: warning(
    'NMWRN022',
    (p: { package: string; version: string; range: string; without: string }) =>
      `${p.package} ${p.version} is outside the versions nodemeter supports (${p.range}); ` +
      `it is instrumented through its public API only, without ${p.without}`,
  ),

  /** This Node has no synchronous module hooks; the automatic integrations that need them are not installed. */
  AUTO_HOOKS_UNAVAILABLE: warning(
    'NMWRN050',
    (p: { node: string; missing: string }) =>
      `Node ${p.node} has no module.registerHooks (Node 22.15+ has it): ${p.missing} are not instrumented ` +
      'automatically; hand them over explicitly (nm.kafka.instrument(), nm.db.bind(), nm.expressErrorHandler()) ' +
      'or run a newer Node. HTTP servers and clients, Express routes and Fastify are instrumented all the same',
  ),

  /** An automatic integration could not instrument a library object; the application gets it uninstrumented. */
  AUTO_INSTRUMENT_FAILED: warning(
    'NMWRN051',
    (p: { what: string; error: unknown }) =>
      `nodemeter could not instrument a ${p.what} automatically (${reason(p.error)}); it works uninstrumented ` +
      '(set NODEMETER_AUTO_<NAME>=false to stop trying, and hand it over explicitly)',
  ),
} as const;

/** The name of a declared warning (`'TAG_VALUES_LIMIT'`). @since 0.1.0 */
export type WarningName = keyof typeof Warnings;

/** Every warning code (`'NMWRN007'`). @since 0.1.0 */
export type WarningCode = (typeof Warnings)[WarningName]['code'];

/** Every warning code, by itself; derived from {@link Warnings}, so a code exists only if a warning declares it. @since 0.1.0 */
export const WarningCodes: { readonly [C in WarningCode]: C } = Object.freeze(
  Object.fromEntries(Object.values(Warnings).map((w) => [w.code, w.code])),
) as { readonly [C in WarningCode]: C };

/** The printed form: `NMWRN007 <message> (see docs/reference/warnings.md#nmwrn007)`. */
export function formatWarning<P>(warning: Warning<P>, params: P): string {
  return `${warning.code} ${warning.message(params)} (see ${warning.doc})`;
}
