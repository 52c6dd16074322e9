/**
 * The context of one observation: one HTTP request, one outgoing call, one Kafka message. Adapters create it and
 * fill it (route, status, error); handlers read it through its convention and keep their own state in the slots
 * below, so an observation costs one object plus what each handler needs.
 */
import type { LongTask } from '../metrics/long-task-timer.js';
import type { ObservationConvention } from './convention.js';

/** The role of an observation in a trace (OpenTelemetry span kinds). @since 0.1.0 */
export type ObservationKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** Reads propagation headers from a carrier (shape of OpenTelemetry's TextMapGetter). @since 0.1.0 */
export interface CarrierGetter<C = unknown> {
  get(carrier: C, key: string): string | string[] | undefined;
  keys(carrier: C): string[];
}

/** Writes propagation headers into a carrier (shape of OpenTelemetry's TextMapSetter). @since 0.1.0 */
export interface CarrierSetter<C = unknown> {
  set(carrier: C, key: string, value: string): void;
}

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
  /**
   * Where trace context travels: incoming headers for server/consumer observations (read with `getter`),
   * outgoing headers for client/producer ones (written with `setter`).
   */
  carrier: unknown = undefined;
  getter: CarrierGetter | undefined = undefined;
  setter: CarrierSetter | undefined = undefined;
  /** The remote service, for client/producer spans (Zipkin's remote endpoint), e.g. `kafka`. */
  remoteServiceName: string | undefined = undefined;

  abstract readonly kind: ObservationKind;
  abstract readonly convention: ObservationConvention<this>;
}
