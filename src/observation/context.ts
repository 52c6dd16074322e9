/**
 * The context of one observation: one HTTP request, one outgoing call, one Kafka message, one query. Adapters create
 * it and fill it (route, status, error); the registry runs its lifecycle; handlers read it through its convention
 * and keep their own state in it under their own keys (see HandlerKey), so the core knows no signal.
 *
 *   ObservationContext          what every observation has: kind, convention, error, lifecycle flags, handler state
 *   ├─ SenderContext<C>         outgoing: a carrier of type C and the setter that writes propagation headers into it
 *   └─ ReceiverContext<C>       incoming: a carrier of type C and the getter that reads them (Micrometer's transport)
 */
import type { ObservationConvention } from './convention.js';

/** The role of an observation in a trace (OpenTelemetry span kinds). @since 0.1.0 */
export type ObservationKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** Reads propagation headers from a carrier (shape of OpenTelemetry's TextMapGetter). @since 0.1.0 */
export interface CarrierGetter<C = unknown> {
  get(carrier: C, key: string): string | string[] | undefined;
  keys(carrier: C): string[];
  /**
   * Whether the carrier holds `key`, without decoding its value: nodemeter's propagator asks it first, so a carrier
   * whose values need decoding (Kafka's Buffers) decodes a trace header once, not twice. Optional: `get` answers
   * otherwise. @since 0.3.0
   */
  has?(carrier: C, key: string): boolean;
}

/** Writes propagation headers into a carrier (shape of OpenTelemetry's TextMapSetter). @since 0.1.0 */
export interface CarrierSetter<C = unknown> {
  set(carrier: C, key: string, value: string): void;
}

/**
 * The key under which one handler keeps one piece of its state in every context (Micrometer's `context.put`).
 * Create keys once per handler type, at module level: the first few keys get a field of their own in every context.
 * @since 0.2.0
 */
export interface HandlerKey<T> {
  readonly name: string;
  /** @internal The slot index. */
  readonly id: number;
  /** Never set: carries the type of the value. */
  readonly __type?: T;
}

/**
 * Handler state lives in six plain fields, then in an array for further keys. Why not a Map or symbol-keyed
 * properties: a Map is one more allocation per observation, and adding symbol properties to objects changes
 * their hidden class, so every site that reads a context turns polymorphic. Fixed fields cost a pointer each per
 * context and keep one shape; nodemeter's own handlers use five keys (meter: 1, tracing: 3, unhandled-error logging:
 * 1), so there are six fields: with four, the meter's key (made last) took the array, one more allocation for every
 * request.
 */
const FAST_SLOTS = 6;
let nextKeyId = 0;

/** A new handler state key (call once per handler type, at module level). @since 0.2.0 */
export function handlerKey<T>(name: string): HandlerKey<T> {
  return Object.freeze({ name, id: nextKeyId++ }) as HandlerKey<T>;
}

/** @since 0.1.0 */
export abstract class ObservationContext {
  /** The error that ended the observation, if any. */
  error: unknown = undefined;
  /** performance.now() at start. */
  startMs = 0;
  /** Set when started; a second start is ignored. Read-only for everyone but the registry. */
  started = false;
  /** Set when stopped; a second stop is ignored. Read-only for everyone but the registry. */
  stopped = false;
  /** The remote service (Zipkin's remote endpoint), for client/producer spans: `kafka`, `postgresql`. */
  remoteServiceName: string | undefined = undefined;
  #s0: unknown = undefined;
  #s1: unknown = undefined;
  #s2: unknown = undefined;
  #s3: unknown = undefined;
  #s4: unknown = undefined;
  #s5: unknown = undefined;
  #more: unknown[] | undefined = undefined;

  abstract readonly kind: ObservationKind;
  abstract readonly convention: ObservationConvention<this>;

  /** A handler's state stored under `key`. @since 0.2.0 */
  get<T>(key: HandlerKey<T>): T | undefined {
    switch (key.id) {
      case 0:
        return this.#s0 as T | undefined;
      case 1:
        return this.#s1 as T | undefined;
      case 2:
        return this.#s2 as T | undefined;
      case 3:
        return this.#s3 as T | undefined;
      case 4:
        return this.#s4 as T | undefined;
      case 5:
        return this.#s5 as T | undefined;
      default:
        return this.#more?.[key.id - FAST_SLOTS] as T | undefined;
    }
  }

  /** Stores a handler's state under `key` (undefined clears it). @since 0.2.0 */
  put<T>(key: HandlerKey<T>, value: T | undefined): void {
    switch (key.id) {
      case 0:
        this.#s0 = value;
        return;
      case 1:
        this.#s1 = value;
        return;
      case 2:
        this.#s2 = value;
        return;
      case 3:
        this.#s3 = value;
        return;
      case 4:
        this.#s4 = value;
        return;
      case 5:
        this.#s5 = value;
        return;
      default:
        (this.#more ??= [])[key.id - FAST_SLOTS] = value;
    }
  }
}

/**
 * An outgoing observation (client call, produced record) whose trace context travels in a carrier the observed
 * code sends: the tracing handler writes the propagation headers into `carrier` with `setter` (Micrometer's
 * `SenderContext<C>`).
 * @since 0.2.0
 */
export abstract class SenderContext<C> extends ObservationContext {
  constructor(
    /** What is sent: request, record headers. */
    readonly carrier: C,
    readonly setter: CarrierSetter<C>,
  ) {
    super();
  }
}

/**
 * An incoming observation (served request, consumed record) whose parent trace context arrives in a carrier: the
 * tracing handler reads the propagation headers from `carrier` with `getter` (Micrometer's `ReceiverContext<C>`).
 * @since 0.2.0
 */
export abstract class ReceiverContext<C> extends ObservationContext {
  constructor(
    /** What was received: request headers, record headers (may be undefined: a record without headers). */
    readonly carrier: C,
    readonly getter: CarrierGetter<C>,
  ) {
    super();
  }
}
