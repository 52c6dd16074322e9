/**
 * Query observations for one bound pool: the adapters call `begin(statement)` where a query is issued and end it
 * through the observation lifecycle (`callback`, `settle`, or `end` for an event). A query becomes an observation
 * only when it can become a span that is kept:
 *
 *   some handler takes DB query contexts (the meter handler does not: `meters: false`; tracing does)
 *   └─ and a recorded observation is current (a sampled request), and observation is not suppressed
 *      └─ DbQueryContext ─► observations.start ─► CLIENT span, child of the current span
 *
 * Otherwise `begin` returns undefined and the driver call goes through untouched, allocating nothing: queries run
 * outside any request (migrations, health checks, jobs) and queries of unsampled requests make no spans.
 *
 * Everything goes through the observation registry: which scope is current, and which one a driver's callback runs
 * in, is the tracing handler's business, not this file's.
 */
import type { ObservationConvention } from '../observation/convention.js';
import type { NodeCallback } from '../observation/handler.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { DbQueryContext, type DbTarget } from './context.js';
import { DB_QUERY_CONVENTION } from './conventions.js';

/** A driver callback, as node-style callbacks go: error first, at most two results. */
export type DriverCallback = NodeCallback;

/** @since 0.1.0 */
export class QueryObserver {
  readonly #observations: ObservationRegistry;
  readonly #target: DbTarget;
  readonly #convention: ObservationConvention<DbQueryContext>;
  /** Asked of the handlers to learn whether any takes DB query contexts at all. */
  readonly #probe: DbQueryContext;
  #seenHandlers: readonly unknown[] | undefined;
  #seenCount = 0;
  #takesQueries = false;

  constructor(
    observations: ObservationRegistry,
    target: DbTarget,
    convention: ObservationConvention<DbQueryContext> = DB_QUERY_CONVENTION,
  ) {
    this.#observations = observations;
    this.#target = target;
    this.#convention = convention;
    this.#probe = new DbQueryContext('', target, convention);
  }

  get target(): DbTarget {
    return this.#target;
  }

  /** True when some handler would observe a query (in practice: tracing is on). */
  get hasHandlers(): boolean {
    const handlers = this.#observations.handlers;
    // Asked per query: the answer is kept until the handler list changes (the registry replaces it on change).
    if (handlers !== this.#seenHandlers || handlers.length !== this.#seenCount) {
      let any = false;
      for (let i = 0; i < handlers.length && !any; i++) any = handlers[i]!.supportsContext(this.#probe);
      this.#seenHandlers = handlers;
      this.#seenCount = handlers.length;
      this.#takesQueries = any;
    }
    return this.#takesQueries;
  }

  /** True when a query started now would be kept as the child of the current observation. */
  #underParent(): boolean {
    return this.hasHandlers && this.#observations.hasCurrentObservation() && !this.#observations.isSuppressed();
  }

  /** Starts the observation of one query; undefined when it would make no span (see the file comment). */
  begin(statement: string): DbQueryContext | undefined {
    if (!this.#underParent()) return undefined;
    const ctx = new DbQueryContext(statement, this.#target, this.#convention);
    this.#observations.start(ctx);
    return ctx;
  }

  /** Ends it (from a driver event); `error` null or undefined means success (drivers pass null). */
  end(ctx: DbQueryContext, error: unknown): void {
    this.#observations.stop(ctx, error === null ? undefined : error);
  }

  /** Ends it when `result` settles if it is a promise, else now; returns the result (chained). */
  settle<T>(ctx: DbQueryContext, result: T): T {
    return this.#observations.stopWhenSettled(ctx, result);
  }

  /** A callback that ends the observation with its error argument, then calls `cb` in the query's parent scope. */
  callback(ctx: DbQueryContext, cb: DriverCallback): DriverCallback {
    return this.#observations.callback(ctx, cb);
  }

  /**
   * `fn` bound to the current scope when a query span could start now. Pools call back a queued request from the
   * scope of whoever released a connection; bound, the queries issued in the callback get the right parent.
   */
  bind<F extends DriverCallback>(fn: F): F {
    return this.#underParent() ? this.#observations.bindToCurrent(fn) : fn;
  }
}
