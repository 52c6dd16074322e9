/**
 * The context of one observation: one HTTP request, one outgoing call, one Kafka message, one query. Adapters create
 * it and fill it (route, status, error); the registry runs its lifecycle; handlers read it through its convention
 * and keep their own state in it under their own keys (see HandlerKey), so the core knows no signal.
 *
 *   ObservationContext          what every observation has: kind, convention, error, lifecycle flags, handler state
 *                               (the last three in one ContextState object: see there why)
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

/**
 * What every context keeps, whatever its kind: the lifecycle and the handlers' state, in one object of one shape.
 *
 * Why not fields of the context itself: each kind of observation is a subclass of its own (a served request, a
 * client call, a produced and a consumed record, a query, the application's own), so a service's contexts come in
 * as many hidden classes. Fields declared on the base class are added to every new context by the base class's
 * initializer, one store per field onto whatever hidden class the subclass started it with; once a service has
 * observed four or five kinds, each of those stores must look up which transition to take, and the registry's and
 * handlers' reads of them go megamorphic too. Here the initializer adds one field (this object), and everything
 * after that reads and writes one shape. (Measured: served observations with four other kinds observed one in a
 * thousand, docs/benchmarks.md, "Seventh look".)
 */
export class ContextState {
  error: unknown = undefined;
  startMs = 0;
  started = false;
  stopped = false;
  remoteServiceName: string | undefined = undefined;
  s0: unknown = undefined;
  s1: unknown = undefined;
  s2: unknown = undefined;
  s3: unknown = undefined;
  s4: unknown = undefined;
  s5: unknown = undefined;
  more: unknown[] | undefined = undefined;
}

let stateOf: (context: ObservationContext) => ContextState;

/** The state of `context`, for the registry and the handlers (one read, then one shape). */
export function contextState(context: ObservationContext): ContextState {
  return stateOf(context);
}

/** A handler's state under `key` (the slots of ObservationContext.get). */
export function getSlot<T>(state: ContextState, key: HandlerKey<T>): T | undefined {
  switch (key.id) {
    case 0:
      return state.s0 as T | undefined;
    case 1:
      return state.s1 as T | undefined;
    case 2:
      return state.s2 as T | undefined;
    case 3:
      return state.s3 as T | undefined;
    case 4:
      return state.s4 as T | undefined;
    case 5:
      return state.s5 as T | undefined;
    default:
      return state.more?.[key.id - FAST_SLOTS] as T | undefined;
  }
}

/** Stores a handler's state under `key` (the slots of ObservationContext.put). */
export function putSlot<T>(state: ContextState, key: HandlerKey<T>, value: T | undefined): void {
  switch (key.id) {
    case 0:
      state.s0 = value;
      return;
    case 1:
      state.s1 = value;
      return;
    case 2:
      state.s2 = value;
      return;
    case 3:
      state.s3 = value;
      return;
    case 4:
      state.s4 = value;
      return;
    case 5:
      state.s5 = value;
      return;
    default:
      (state.more ??= [])[key.id - FAST_SLOTS] = value;
  }
}

/** @since 0.1.0 */
export abstract class ObservationContext {
  readonly #state = new ContextState();

  static {
    stateOf = (context) => context.#state;
  }

  abstract readonly kind: ObservationKind;
  abstract readonly convention: ObservationConvention<this>;

  /** The error that ended the observation, if any. */
  get error(): unknown {
    return this.#state.error;
  }

  set error(error: unknown) {
    this.#state.error = error;
  }

  /** performance.now() at start. */
  get startMs(): number {
    return this.#state.startMs;
  }

  set startMs(ms: number) {
    this.#state.startMs = ms;
  }

  /** Set when started; a second start is ignored. Read-only for everyone but the registry. */
  get started(): boolean {
    return this.#state.started;
  }

  set started(started: boolean) {
    this.#state.started = started;
  }

  /** Set when stopped; a second stop is ignored. Read-only for everyone but the registry. */
  get stopped(): boolean {
    return this.#state.stopped;
  }

  set stopped(stopped: boolean) {
    this.#state.stopped = stopped;
  }

  /** The remote service (Zipkin's remote endpoint), for client/producer spans: `kafka`, `postgresql`. */
  get remoteServiceName(): string | undefined {
    return this.#state.remoteServiceName;
  }

  set remoteServiceName(name: string | undefined) {
    this.#state.remoteServiceName = name;
  }

  /** A handler's state stored under `key`. @since 0.2.0 */
  get<T>(key: HandlerKey<T>): T | undefined {
    return getSlot(this.#state, key);
  }

  /** Stores a handler's state under `key` (undefined clears it). @since 0.2.0 */
  put<T>(key: HandlerKey<T>, value: T | undefined): void {
    putSlot(this.#state, key, value);
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
