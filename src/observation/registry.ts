/**
 * ObservationRegistry: the spine, and the one place an observation's lifecycle is written. Integrations (HTTP
 * server and client, Kafka, DB) hand it a context and the work; handlers (meters, spans) react. Adding a handler
 * or a kind of context never touches the integrations, and no integration writes start/scope/error/stop itself.
 *
 *   observe(ctx, fn, arg)    sync or promise work:  start ─► fn(arg) in scope ─► error? ─► stop (once, on settle)
 *   callback(ctx, cb)        node-style callbacks:  the callback stops ctx with its error, then runs cb in the
 *                                                   scope that was current at start
 *   start(ctx) … stop(ctx, err?)                    work whose end is an event (a response closes, a record is
 *                                                   acknowledged); stopWhenSettled(ctx, result) for a result that
 *                                                   may be a promise
 *
 *   start ─► handlers[i].onStart            (meter: in-flight task; tracing: open span, inject/extract headers)
 *   stop  ─► convention.lowCardinalityValues, once ─► handlers in reverse order: onStop(ctx, values)
 */
import type { EventEmitter } from 'node:events';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import { contextState, type ObservationContext } from './context.js';
import type { NodeCallback, ObservationHandler } from './handler.js';

/** @since 0.1.0 */
export interface ObservationRegistry {
  /** The handlers, in the order they were added (a new array after every change). */
  readonly handlers: readonly ObservationHandler[];
  /** True when some handler would react; integrations may skip building contexts otherwise. */
  readonly isActive: boolean;
  /** Adds a handler; returns a function that removes it. */
  addHandler(handler: ObservationHandler): () => void;
  /** True while some handler says work must not be observed (a span exporter's own calls). */
  isSuppressed(): boolean;
  /**
   * Observes `fn(arg)`: starts the observation, runs `fn` in its scope, records what it throws or its promise
   * rejects with, and stops it when `fn` returns or its promise settles. Returns what `fn` returns (a promise
   * result is chained; its value and rejection are passed on unchanged). Pass `arg` instead of a closure on hot
   * paths. @since 0.2.0
   */
  observe<T>(context: ObservationContext, fn: () => T): T;
  observe<A, T>(context: ObservationContext, fn: (arg: A) => T, arg: A): T;
  /** Starts an observation whose end is reported later by stop(). A second start is ignored. */
  start(context: ObservationContext): void;
  /**
   * Stops the observation, once: a second stop is ignored. An `error` other than undefined is recorded first.
   * The convention's low-cardinality values are asked once here and shared by every handler.
   */
  stop(context: ObservationContext, error?: unknown): void;
  /** Stops the observation when `result` settles if it is a promise (returning the chained promise), else now. @since 0.2.0 */
  stopWhenSettled<T>(context: ObservationContext, result: T): T;
  /**
   * A node-style callback that stops the observation with its error argument (null: success) and then calls `cb`
   * in the scope that was current when the observation started (drivers call back from their socket's scope).
   * @since 0.2.0
   */
  callback<F extends NodeCallback>(context: ObservationContext, cb: F): F;
  /** Records an error on an observation that goes on (a framework's error handler); stop() ends it. */
  error(context: ObservationContext, error: unknown): void;
  event(context: ObservationContext, event: string): void;
  /**
   * Runs `fn(arg)` inside every handler's scope for this observation (e.g. with its span active). Errors thrown by
   * `fn` propagate unchanged; a handler that fails before running `fn` is reported and `fn` runs anyway.
   */
  inScope<T>(context: ObservationContext, fn: () => T): T;
  inScope<A, T>(context: ObservationContext, fn: (arg: A) => T, arg: A): T;
  /**
   * Makes the observation current for the rest of the synchronous execution and what it schedules, where `inScope`
   * cannot wrap the work: a node:http request handler runs after the channel that starts its observation returns.
   * @since 0.3.0
   */
  enterScope(context: ObservationContext): void;
  /**
   * Makes no observation current for the rest of the synchronous execution (a request that is not observed must
   * not run in the scope a previous request entered on the same connection). @since 0.3.0
   */
  clearScope(): void;
  /** Listeners added to `emitter` from now on run in the observation's scope (bodies read after routing). */
  bindEmitter(context: ObservationContext, emitter: EventEmitter): void;
  /** True when a recorded observation is current, so a child started now would be kept. @since 0.2.0 */
  hasCurrentObservation(): boolean;
  /** `fn` bound to the current scope (a pool calling back a queued request from someone else's scope). @since 0.2.0 */
  bindToCurrent<F extends NodeCallback>(fn: F): F;
}

/** A new observation registry with no handlers. @since 0.2.0 */
export function createObservationRegistry(diag: Diag): ObservationRegistry {
  return new DefaultObservationRegistry(diag);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

class DefaultObservationRegistry implements ObservationRegistry {
  #handlers: readonly ObservationHandler[] = [];
  readonly #diag: Diag;
  /** Scratch for the low-cardinality values of the observation being stopped (stops do not interleave, see stop). */
  readonly #low: string[] = [];
  #lowBusy = false;
  /**
   * Scope entry without a closure per call: inScope parks `fn` here and gives the handler the bound `#enter`,
   * which takes it back. `#entered` tells a handler failing before `fn` ran (run `fn` anyway) from `fn` failing
   * (rethrow); it is a call sequence number, so nested scopes cannot confuse an outer one.
   */
  #pending: ((arg: unknown) => unknown) | undefined = undefined;
  #seq = 0;
  #entered = 0;
  readonly #enter = (arg: unknown): unknown => {
    const fn = this.#pending as (arg: unknown) => unknown;
    this.#pending = undefined;
    this.#entered = this.#seq;
    return fn(arg);
  };

  #pendingCb: NodeCallback | undefined = undefined;
  readonly #enterCb: NodeCallback;

  constructor(diag: Diag) {
    this.#diag = diag;
    const self = this;
    // A function, not an arrow: the driver's `this` is passed on to the callback.
    this.#enterCb = function (this: unknown, err: unknown, a?: unknown, b?: unknown): unknown {
      const cb = self.#pendingCb as NodeCallback;
      self.#pendingCb = undefined;
      self.#entered = self.#seq;
      return cb.call(this, err, a, b);
    };
  }

  addHandler(handler: ObservationHandler): () => void {
    this.#handlers = [...this.#handlers, handler];
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  get handlers(): readonly ObservationHandler[] {
    return this.#handlers;
  }

  get isActive(): boolean {
    return this.#handlers.length > 0;
  }

  observe<A, T>(context: ObservationContext, fn: (arg: A) => T, arg?: A): T {
    this.start(context);
    let result: T;
    try {
      result = this.inScope(context, fn, arg as A);
    } catch (err) {
      this.#stop(context, err, true);
      throw err;
    }
    return this.stopWhenSettled(context, result);
  }

  stopWhenSettled<T>(context: ObservationContext, result: T): T {
    if (!isThenable(result)) {
      this.#stop(context, undefined, false);
      return result;
    }
    return result.then(
      (value) => {
        this.#stop(context, undefined, false);
        return value;
      },
      (err: unknown) => {
        this.#stop(context, err, true);
        throw err;
      },
    ) as T;
  }

  callback<F extends NodeCallback>(context: ObservationContext, cb: F): F {
    const self = this;
    return function (this: unknown, err: unknown, a?: unknown, b?: unknown): unknown {
      self.#stop(context, err, err !== undefined && err !== null);
      return self.#inParentScope(context, cb, this, err, a, b);
    } as F;
  }

  start(context: ObservationContext): void {
    // The state read once: contexts come in as many hidden classes as the service has kinds of observation.
    const state = contextState(context);
    if (state.started) return;
    state.started = true;
    state.startMs = performance.now();
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.onStart === undefined || !h.supportsContext(context)) continue;
      // try/catch inline, not through a helper taking a closure: this runs for every request.
      try {
        h.onStart(context);
      } catch (err) {
        this.#failed(h.name, 'onStart', err);
      }
    }
  }

  error(context: ObservationContext, error: unknown): void {
    contextState(context).error = error;
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.onError === undefined || !h.supportsContext(context)) continue;
      try {
        h.onError(context);
      } catch (err) {
        this.#failed(h.name, 'onError', err);
      }
    }
  }

  event(context: ObservationContext, event: string): void {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.onEvent === undefined || !h.supportsContext(context)) continue;
      try {
        h.onEvent(context, event);
      } catch (err) {
        this.#failed(h.name, 'onEvent', err);
      }
    }
  }

  stop(context: ObservationContext, error?: unknown): void {
    this.#stop(context, error, error !== undefined);
  }

  /** `failed` and not `error !== undefined`: what was thrown is recorded even if it is undefined or null. */
  #stop(context: ObservationContext, error: unknown, failed: boolean): void {
    const state = contextState(context);
    if (state.stopped) return;
    if (failed) this.error(context, error);
    state.stopped = true;
    const handlers = this.#handlers;
    let low: string[] | undefined;
    let owned = false;
    for (let i = handlers.length - 1; i >= 0; i--) {
      const h = handlers[i] as ObservationHandler;
      if (h.onStop === undefined || !h.supportsContext(context)) continue;
      if (low === undefined) {
        // A handler's onStop may stop another observation (an exporter's own call ending); that one gets its own
        // array instead of overwriting these values.
        owned = !this.#lowBusy;
        low = owned ? this.#low : [];
        if (owned) this.#lowBusy = true;
        this.#lowValues(context, low);
      }
      try {
        h.onStop(context, low);
      } catch (err) {
        this.#failed(h.name, 'onStop', err);
      }
    }
    if (owned) this.#lowBusy = false;
  }

  #lowValues(context: ObservationContext, out: string[]): void {
    const convention = context.convention;
    try {
      convention.lowCardinalityValues(context, out);
    } catch (err) {
      this.#failed(`convention ${convention.name}`, 'lowCardinalityValues', err);
      for (let i = 0; i < convention.lowCardinalityKeyNames.length; i++) out[i] = 'UNKNOWN';
    }
  }

  enterScope(context: ObservationContext): void {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.enterScope === undefined || !h.supportsContext(context)) continue;
      try {
        h.enterScope(context);
      } catch (err) {
        this.#failed(h.name, 'enterScope', err);
      }
    }
  }

  clearScope(): void {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.clearScope === undefined) continue;
      try {
        h.clearScope();
      } catch (err) {
        this.#failed(h.name, 'clearScope', err);
      }
    }
  }

  bindEmitter(context: ObservationContext, emitter: EventEmitter): void {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.bindEmitter === undefined || !h.supportsContext(context)) continue;
      try {
        h.bindEmitter(context, emitter);
      } catch (err) {
        this.#failed(h.name, 'bindEmitter', err);
      }
    }
  }

  isSuppressed(): boolean {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.isSuppressed !== undefined && h.isSuppressed()) return true;
    }
    return false;
  }

  hasCurrentObservation(): boolean {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.hasCurrentObservation !== undefined && h.hasCurrentObservation()) return true;
    }
    return false;
  }

  bindToCurrent<F extends NodeCallback>(fn: F): F {
    const handlers = this.#handlers;
    let bound = fn;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.bindToCurrent === undefined) continue;
      try {
        bound = h.bindToCurrent(bound);
      } catch (err) {
        this.#failed(h.name, 'bindToCurrent', err);
      }
    }
    return bound;
  }

  inScope<A, T>(context: ObservationContext, fn: (arg: A) => T, arg?: A): T {
    const handlers = this.#handlers;
    let scoping: ObservationHandler | undefined;
    let count = 0;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.inScope !== undefined && h.supportsContext(context)) {
        scoping = h;
        count++;
      }
    }
    if (count === 0) return fn(arg as A);
    if (count === 1) return this.#scoped(scoping as ObservationHandler, context, fn, arg as A);
    // Several scoping handlers (rare): nest them, outermost first.
    let run = fn;
    for (let i = handlers.length - 1; i >= 0; i--) {
      const h = handlers[i] as ObservationHandler;
      if (h.inScope === undefined || !h.supportsContext(context)) continue;
      const inner = run;
      run = (a: A) => this.#scoped(h, context, inner, a);
    }
    return run(arg as A);
  }

  #scoped<A, T>(h: ObservationHandler, context: ObservationContext, fn: (arg: A) => T, arg: A): T {
    const seq = ++this.#seq;
    this.#pending = fn as (arg: unknown) => unknown;
    try {
      return h.inScope!(context, this.#enter as (arg: A) => T, arg);
    } catch (err) {
      if (this.#entered >= seq) throw err;
      this.#pending = undefined;
      this.#failed(h.name, 'inScope', err);
      return fn(arg);
    }
  }

  #inParentScope(context: ObservationContext, cb: NodeCallback, thisArg: unknown, err: unknown, a: unknown, b: unknown): unknown {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.inParentScope === undefined || !h.supportsContext(context)) continue;
      // One handler restores the parent scope (tracing, in practice); the callback runs exactly once. Same
      // closure-free entry as #scoped.
      const seq = ++this.#seq;
      this.#pendingCb = cb;
      try {
        return h.inParentScope(context, this.#enterCb, thisArg, err, a, b);
      } catch (failure) {
        if (this.#entered >= seq) throw failure;
        this.#pendingCb = undefined;
        this.#failed(h.name, 'inParentScope', failure);
        break;
      }
    }
    return cb.call(thisArg, err, a, b);
  }

  #failed(name: string, phase: string, err: unknown): void {
    this.#diag.warn(Warnings.OBSERVATION_HANDLER_FAILED, { handler: name, phase, error: err }, `${name}:${phase}`);
  }
}
