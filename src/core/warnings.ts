/**
 * Warning codes. Each is reported once at warn level (then at debug), through {@link Diag.warnOnce}.
 * Codes are never reused; docs/reference/warnings.md lists them and a test keeps the two in step.
 */
export const WarningCodes = {
  /** An environment variable nodemeter reads has a value that does not parse; it is ignored. */
  NMWRN001: 'NMWRN001',
  /** A meter was requested again with another type or other label names; a no-op meter is returned. */
  NMWRN002: 'NMWRN002',
  /** The management server could not listen (port in use, no permission); the application keeps running. */
  NMWRN003: 'NMWRN003',
  /** A disk-space path cannot be read; its series are left out. */
  NMWRN004: 'NMWRN004',
  /** `instrument()` was called again while a handle is live; the live handle is returned. */
  NMWRN005: 'NMWRN005',
  /** A binder failed while binding or collecting; its series are left out, the others are unaffected. */
  NMWRN006: 'NMWRN006',
  /** A meter reached its limit of distinct values for a tag (e.g. 100 `uri` values); further values are denied. */
  NMWRN007: 'NMWRN007',
  /** Spans could not be exported (backend down, slow, or answering an error); they are dropped and counted. */
  NMWRN008: 'NMWRN008',
  /** The application registered its own OpenTelemetry tracer provider; nodemeter uses it instead of its own. */
  NMWRN009: 'NMWRN009',
  /** Kafka consumer lag could not be read from the brokers; the lag series are left out until it can. */
  NMWRN010: 'NMWRN010',
  /** A DB pool name is already bound (the new pool gets a suffix), or the pool is bound to another instance. */
  NMWRN011: 'NMWRN011',
  /** Log lines could not be shipped to Loki (receiver down, slow, refusing, or the worker failed); held up to the bound, retried, drops counted. */
  NMWRN020: 'NMWRN020',
  /** instrumentLogger() could not fully instrument a logger (not pino 7+, or non-numeric timestamps: not shipped). */
  NMWRN021: 'NMWRN021',
} as const;

/** @since 0.1.0 */
export type WarningCode = keyof typeof WarningCodes;
