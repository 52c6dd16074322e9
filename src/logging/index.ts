/**
 * nodemeter's logging, in one call: the application logger (pino) with trace correlation, `logback_events_total`,
 * the console (JSON or Spring Sleuth-style text) and shipping to a Loki push receiver.
 *
 *   logger ──► mixin (level count, traceId/spanId) ──► Fanout ─┬─► console (stdout, main thread)
 *                                                              └─► pino transport ──► worker: bounded buffer,
 *                                                                   batches, retry ──► push request ──► Loki
 *
 * setupLogging() starts what the configuration asks for; flush() waits (bounded) until what was logged is
 * shipped; shutdown() flushes, stops the worker, removes the meters and the signal handlers.
 *
 * The application logger and its console stream are created on the first read of `logger`, and pino is loaded
 * then (load-pino.ts): until a line is logged they do nothing anyone could see, and most of a start-up's cost of
 * logging is loading pino. The Loki transport (when configured), the log-event meters and the signal handlers
 * start here, as before, so shipping, `logback_events_total` and flushing on signals do not wait for the logger.
 */
import type { BaseLogger, DestinationStream, Logger } from 'pino';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import type { MeterRegistry } from '../metrics/registry.js';
import { Fanout } from './fanout.js';
import { LogEventCounter } from './log-events.js';
import { consoleDestination } from './load-pino.js';
import { createLogger, instrumentLogger as instrument } from './logger.js';
import { startLokiTransport, type LokiTransport } from './loki-transport.js';
import type { ResolvedLoggingConfig } from './options.js';
import { PrettyDestination } from './pretty.js';
import { flushOnSignals } from './signals.js';

export { resolveLoggingOptions, readLoggingEnv, LOG_LEVELS } from './options.js';
export type {
  LoggingOptions,
  LokiOptions,
  ResolvedLoggingConfig,
  ResolvedLokiConfig,
  LoggingEnv,
  LoggingEnvProblem,
  LogLevelName,
  CorrelationKeys,
  ConsoleFormat,
  LokiLineFormat,
} from './options.js';
export { createLogger, instrumentLogger, correlationMixin, mergeMixin, correlationFields } from './logger.js';
export { formatSleuthLine, formatSpringConsoleLine } from './pretty.js';
export { formatBootLine, logbackLevel, TRACE_ID_DERIVED_FIELD_REGEX } from './spring-format.js';
export { LogEventCounter } from './log-events.js';

/** What {@link setupLogging} returns. @since 0.1.0 @experimental */
export interface LoggingSetup {
  /** The application logger: JSON lines with `app`, and `traceId`/`spanId` inside a span. */
  readonly logger: Logger;
  /** A child of the application's own pino logger with the same correlation, counting and shipping. */
  instrumentLogger<L extends BaseLogger>(logger: L): L;
  /** Resolves once what was logged so far reached the console and Loki, or after the flush timeout. Never rejects. */
  flush(): Promise<void>;
  /** Flushes (bounded), stops shipping, removes meters and signal handlers. Never rejects; safe to call twice. */
  shutdown(): Promise<void>;
}

/** Dependencies of {@link setupLogging}, from instrument(). @since 0.1.0 */
export interface LoggingDeps {
  serviceName: string;
  registry: MeterRegistry;
  diag: Diag;
}

const NULL_DESTINATION: DestinationStream = { write() {} };

/**
 * Sets up logging as configured. Never throws for runtime trouble (an unreachable receiver is retried and reported
 * through `diag`); the configuration is validated before, by resolveLoggingOptions().
 * @since 0.1.0 @experimental
 */
export function setupLogging(config: ResolvedLoggingConfig, deps: LoggingDeps): LoggingSetup {
  const events = new LogEventCounter();
  const unbindEvents = events.bindTo(deps.registry);

  let loki: LokiTransport | undefined;
  if (config.loki !== undefined) {
    try {
      loki = startLokiTransport(config.loki, { ...deps, keys: config.keys });
    } catch (err) {
      deps.diag.warn(Warnings.LOKI_START_FAILED, err, 'start');
    }
  }
  // Created on first use (see the header); `instrumentLogger()` needs neither.
  let consoleStream: DestinationStream | undefined;
  let logger: Logger | undefined;
  function createAppLogger(): Logger {
    consoleStream =
      config.console === 'spring' || config.console === 'sleuth'
        ? new PrettyDestination(deps.serviceName, config.keys, undefined, config.console)
        : config.console === 'json'
          ? consoleDestination()
          : undefined;
    const destination =
      consoleStream === undefined && loki === undefined ? NULL_DESTINATION : new Fanout(consoleStream, loki?.stream, loki);
    return createLogger({ serviceName: deps.serviceName, level: config.level, keys: config.keys }, { destination, events });
  }

  async function flush(): Promise<void> {
    await Promise.allSettled([
      loki?.flush(),
      new Promise<void>((resolve) => {
        const c = consoleStream as { flush?(cb: () => void): void } | undefined;
        if (typeof c?.flush === 'function') {
          try {
            c.flush(() => resolve());
            return;
          } catch {
            // fall through
          }
        }
        resolve();
      }),
    ]);
  }

  const stopSignals = config.flushOnSignals ? flushOnSignals(flush) : () => {};

  let stopping: Promise<void> | undefined;
  return {
    get logger(): Logger {
      logger ??= createAppLogger();
      return logger;
    },
    instrumentLogger<L extends BaseLogger>(existing: L): L {
      return instrument(existing, { keys: config.keys, events, ship: loki?.stream, lost: loki, diag: deps.diag });
    },
    flush,
    shutdown() {
      stopping ??= (async () => {
        stopSignals();
        try {
          await flush();
          await loki?.close();
        } catch (err) {
          deps.diag.warn(Warnings.SHUTDOWN_FAILED, { step: 'logging', error: err });
        } finally {
          unbindEvents();
        }
      })();
      return stopping;
    },
  };
}
