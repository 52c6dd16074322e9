/**
 * Query observations for one bound pool: the adapters call `begin(statement)` where a query is issued and `end()`
 * when its result (or error) arrives. A query becomes an observation only when it can become a span that is kept:
 *
 *   some handler takes DB query contexts (the meter handler does not: `meters: false`; tracing does)
 *   └─ and a recording span is current (a sampled request), and tracing is not suppressed
 *      └─ DbQueryContext ─► observations.start ─► CLIENT span, child of the current span
 *
 * Otherwise `begin` returns undefined and the driver call goes through untouched, allocating nothing: queries run
 * outside any request (migrations, health checks, jobs) and queries of unsampled requests make no spans.
 *
 * The current span is read from the OpenTelemetry context, which the tracing handler uses for every span.
 */
import { context as otelContext, trace, type Context } from '@opentelemetry/api';
import type { ObservationConvention } from '../observation/convention.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { DbQueryContext, type DbTarget } from './context.js';
import { DB_QUERY_CONVENTION } from './conventions.js';

/** A driver callback, as node-style callbacks go: error first, at most two results. */
export type DriverCallback = (err: unknown, a?: unknown, b?: unknown) => unknown;

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

  /** The current context when it holds a recording span that a query span may be the child of. */
  #parent(): Context | undefined {
    if (!this.hasHandlers) return undefined;
    const active = otelContext.active();
    const span = trace.getSpan(active);
    if (span === undefined || !span.isRecording()) return undefined;
    if (this.#observations.isSuppressed()) return undefined;
    return active;
  }

  /** Starts the observation of one query; undefined when it would make no span (see the file comment). */
  begin(statement: string): DbQueryContext | undefined {
    const parent = this.#parent();
    if (parent === undefined) return undefined;
    const ctx = new DbQueryContext(statement, this.#target, this.#convention);
    ctx.parent = parent;
    this.#observations.start(ctx);
    return ctx;
  }

  /** Ends it; `error` null or undefined means success (drivers pass null). */
  end(ctx: DbQueryContext, error: unknown): void {
    if (ctx.stopped) return;
    if (error !== undefined && error !== null) this.#observations.error(ctx, error);
    this.#observations.stop(ctx);
  }

  /** A callback that ends the observation with its error argument, then calls `cb` in the query's parent context. */
  callback(ctx: DbQueryContext, cb: DriverCallback): DriverCallback {
    const self = this;
    return function (this: unknown, err: unknown, a?: unknown, b?: unknown) {
      self.end(ctx, err);
      return otelContext.with(ctx.parent as Context, cb, this, err, a, b);
    };
  }

  /**
   * `fn` bound to the current context when a query span could start now. Pools call back a queued request from
   * the context of whoever released a connection; bound, the queries issued in the callback get the right parent.
   */
  bind<F extends DriverCallback>(fn: F): F {
    const parent = this.#parent();
    return parent === undefined ? fn : otelContext.bind(parent, fn);
  }
}
