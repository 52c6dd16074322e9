/**
 * The context of one observation: one HTTP request, one outgoing call, one Kafka message. Adapters create it and
 * fill it (route, status, error); handlers read it through its convention and keep their own state in the slots
 * below, so an observation costs one object plus what each handler needs.
 */
import type { LongTask } from '../metrics/long-task-timer.js';
import type { ObservationConvention } from './convention.js';

/** The role of an observation in a trace (OpenTelemetry span kinds). @since 0.1.0 */
export type ObservationKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** @since 0.1.0 */
export abstract class ObservationContext {
  /** The error that ended the observation, if any. */
  error: unknown = undefined;
  /** performance.now() at start. */
  startMs = 0;
  /** Meter handler: the in-flight task of the `.active` long task timer. */
  activeTask: LongTask | undefined = undefined;
  /** Tracing handler: its span and the context to run work in (opaque here). */
  span: unknown = undefined;
  traceContext: unknown = undefined;
  /** Set once stopped; a second stop is ignored. */
  stopped = false;

  abstract readonly kind: ObservationKind;
  abstract readonly convention: ObservationConvention<this>;
}
