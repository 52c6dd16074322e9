/**
 * Errors that escape a request handler or a Kafka listener reach the log, once, at ERROR, with their stack, the
 * trace and span ids of the observation they ended, and the request or record they belong to, as Spring logs
 * them (Tomcat's `Servlet.service() … threw exception`, Spring Kafka's error handler):
 *
 *   HTTP server observation  logged when the integration reports UNHANDLED_ERROR: the error reached the framework's
 *                            last resort with a 5xx, and no logger of the framework logs it (express.ts, fastify.ts)
 *   Kafka consumer           logged when the listener threw or rejected (the observation stopped with an error)
 *   anything else            an uncaught exception, or a rejection nobody handles, that ends the process (a bare
 *                            `node:http` request listener that throws, an async one that rejects): logged from
 *                            `process`'s `uncaughtExceptionMonitor`, which never changes whether the process dies,
 *                            unless the application listens to `uncaughtException` itself (its handler decides and
 *                            logs). The request it ended is the server observation whose span is active then.
 *                            Node emits `exit` right after: pino's exit hook hands the Loki worker the line and
 *                            waits (at most `flushTimeoutMs`) while it is shipped.
 *
 * An error object is logged at most once (a record's error rethrown by its batch is not logged again). The line is
 * written when the observation stops, through the application logger, so it is counted, shipped and correlated
 * like any other; the ids are the observation's own span's, whatever scope the stop runs in.
 */
import { InFlight } from '../core/in-flight.js';
import { loadedOtelApi } from '../core/otel-api.js';
import type { Logger } from 'pino';
import type { ObservationContext } from '../observation/context.js';
import { handlerKey } from '../observation/context.js';
import type { ObservationHandler } from '../observation/handler.js';
import { UNHANDLED_ERROR } from '../observation/events.js';
import { observationSpan } from '../observation/handlers/tracing.js';
import { correlationFields } from './logger.js';
import type { CorrelationKeys } from './options.js';

export { UNHANDLED_ERROR } from '../observation/events.js';

const kUnhandled = handlerKey<true>('logging.unhandled');
const INVALID_TRACE_ID = '00000000000000000000000000000000';

/** Errors already logged, across observations (a record's error rethrown by its batch). */
const logged = new WeakSet<object>();

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : 'non-error value thrown';
}

/** The observation handler that logs unhandled errors. @since 0.3.0 */
export class UnhandledErrorLogHandler implements ObservationHandler {
  readonly name = 'unhandled error log';
  readonly #logger: () => Logger;
  readonly #fields: { traceId: string; spanId: string };
  /** Server observations in flight: the request an uncaught error ended is looked up here by its active span. */
  readonly #inFlight = new InFlight<ObservationContext>(); // not a Set: core/in-flight.ts

  constructor(logger: () => Logger, keys: CorrelationKeys) {
    this.#logger = logger;
    this.#fields = correlationFields(keys);
  }

  supportsContext(ctx: ObservationContext): boolean {
    return ctx.kind === 'server' || ctx.kind === 'consumer';
  }

  onStart(ctx: ObservationContext): void {
    if (ctx.kind === 'server') this.#inFlight.add(ctx);
  }

  onEvent(ctx: ObservationContext, event: string): void {
    if (event === UNHANDLED_ERROR) ctx.put(kUnhandled, true);
  }

  onStop(ctx: ObservationContext, values: readonly string[]): void {
    this.#inFlight.delete(ctx);
    const error = ctx.error;
    if (error === undefined) return;
    if (ctx.kind === 'server' && ctx.get(kUnhandled) !== true) return;
    if (typeof error === 'object' && error !== null) {
      if (logged.has(error)) return;
      logged.add(error);
    }
    const convention = ctx.convention;
    const name = convention.contextualName(ctx);
    const observation: Record<string, string> = { name };
    const keys = convention.lowCardinalityKeyNames;
    for (let i = 0; i < keys.length; i++) observation[keys[i] as string] = values[i] as string;
    Object.assign(observation, convention.highCardinality(ctx));
    const line: Record<string, unknown> = { err: error, observation };
    const sc = observationSpan(ctx)?.spanContext();
    if (sc !== undefined && sc.traceId !== INVALID_TRACE_ID) {
      line[this.#fields.traceId] = sc.traceId;
      line[this.#fields.spanId] = sc.spanId;
    }
    this.#logger().error(line, `Unhandled error in ${name}: ${describe(error)}`);
  }

  /**
   * Logs the uncaught exception (or fatal unhandled rejection) that is ending the process, once, at ERROR, until
   * the returned function is called. @since 0.3.0
   */
  monitorProcess(): () => void {
    const monitor = (error: unknown, origin: string): void => {
      try {
        this.#uncaught(error, origin);
      } catch {
        // the process is dying of `error`; nothing here may replace it
      }
    };
    process.on('uncaughtExceptionMonitor', monitor);
    return () => {
      process.off('uncaughtExceptionMonitor', monitor);
    };
  }

  #uncaught(error: unknown, origin: string): void {
    // The application's own `uncaughtException` listener handles (and logs) it, and decides whether the process ends.
    if (process.listenerCount('uncaughtException') > 0) return;
    if (typeof error === 'object' && error !== null) {
      if (logged.has(error)) return;
      logged.add(error);
    }
    const line: Record<string, unknown> = { err: error };
    let what = origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception';
    const api = loadedOtelApi();
    const sc = api?.trace.getSpan(api.context.active())?.spanContext();
    if (sc !== undefined && sc.traceId !== INVALID_TRACE_ID) {
      line[this.#fields.traceId] = sc.traceId;
      line[this.#fields.spanId] = sc.spanId;
      for (const ctx of this.#inFlight) {
        if (observationSpan(ctx)?.spanContext().spanId !== sc.spanId) continue;
        const name = ctx.convention.contextualName(ctx);
        line.observation = { name, ...ctx.convention.highCardinality(ctx) };
        what = `${what} in ${name}`;
        break;
      }
    }
    this.#logger().error(line, `${what}: ${describe(error)}`);
  }
}
