/**
 * The application logger as the public API shows it: the shape of a pino logger, declared here so the published
 * types import no package (a TypeScript user without pino's types, or with `skipLibCheck: false`, still compiles).
 * `nm.logger` is a pino logger; code that wants pino's full types can annotate it as `pino.Logger` itself.
 */

/** A logging method, pino-style: `log.info('text')` or `log.info({ orderId }, 'text')`. @since 0.2.0 */
export interface NodemeterLogFn {
  (msg: string, ...args: unknown[]): void;
  (obj: object, msg?: string, ...args: unknown[]): void;
}

/**
 * The application logger: JSON lines with `app`, and `traceId`/`spanId` inside a span. `child()` keeps the
 * correlation, counting and shipping. @since 0.2.0 @experimental
 */
export interface NodemeterLogger {
  /** The current level (`info`, `debug`, … or `silent`); settable. */
  level: string;
  trace: NodemeterLogFn;
  debug: NodemeterLogFn;
  info: NodemeterLogFn;
  warn: NodemeterLogFn;
  error: NodemeterLogFn;
  fatal: NodemeterLogFn;
  /** A child logger whose lines carry `bindings`. */
  child(bindings: Record<string, unknown>, options?: object): NodemeterLogger;
  isLevelEnabled(level: string): boolean;
  /** Writes what the logger buffered; the callback runs when done. */
  flush(callback?: (err?: Error) => void): void;
}
