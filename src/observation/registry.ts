/**
 * ObservationRegistry: the spine. Adapters (HTTP server and client, Kafka) start, stop and scope observations;
 * handlers (meters now, tracing and logging later) react. Adding a handler or a kind of context never touches the
 * adapters.
 *
 *   adapter ── start(ctx) ──► handlers[i].onStart   (meter: active task; tracing: open span)
 *           ── inScope(ctx, fn) ─► handlers nest     (tracing: span active while fn runs)
 *           ── error(ctx, e) / stop(ctx) ──► handlers in reverse order on stop
 */
import type { EventEmitter } from 'node:events';
import type { Diag } from '../core/diag.js';
import type { ObservationContext } from './context.js';
import type { ObservationHandler } from './handler.js';

/** @since 0.1.0 */
export class ObservationRegistry {
  #handlers: readonly ObservationHandler[] = [];
  readonly #diag: Diag;

  constructor(diag: Diag) {
    this.#diag = diag;
  }

  /** Adds a handler; returns a function that removes it. */
  addHandler(handler: ObservationHandler): () => void {
    this.#handlers = [...this.#handlers, handler];
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  get handlers(): readonly ObservationHandler[] {
    return this.#handlers;
  }

  /** True when some handler would react; adapters may skip building contexts otherwise. */
  get isActive(): boolean {
    return this.#handlers.length > 0;
  }

  start(context: ObservationContext): void {
    context.startMs = performance.now();
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.onStart && h.supportsContext(context)) this.#safe(h, 'onStart', () => h.onStart!(context));
    }
  }

  error(context: ObservationContext, error: unknown): void {
    context.error = error;
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.onError && h.supportsContext(context)) this.#safe(h, 'onError', () => h.onError!(context));
    }
  }

  event(context: ObservationContext, event: string): void {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.onEvent && h.supportsContext(context)) this.#safe(h, 'onEvent', () => h.onEvent!(context, event));
    }
  }

  /** Stops the observation once; handlers run in reverse order of start. */
  stop(context: ObservationContext): void {
    if (context.stopped) return;
    context.stopped = true;
    const handlers = this.#handlers;
    for (let i = handlers.length - 1; i >= 0; i--) {
      const h = handlers[i] as ObservationHandler;
      if (h.onStop && h.supportsContext(context)) this.#safe(h, 'onStop', () => h.onStop!(context));
    }
  }

  /** Listeners added to `emitter` from now on run in the observation's scope (bodies read after routing). */
  bindEmitter(context: ObservationContext, emitter: EventEmitter): void {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.bindEmitter && h.supportsContext(context)) this.#safe(h, 'bindEmitter', () => h.bindEmitter!(context, emitter));
    }
  }

  /** True while some handler says work must not be observed (a span exporter's own calls). */
  isSuppressed(): boolean {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.isSuppressed !== undefined && h.isSuppressed()) return true;
    }
    return false;
  }

  /** Runs `fn` inside every handler's scope for this observation (e.g. with its span active). */
  inScope<T>(context: ObservationContext, fn: () => T): T {
    let run = fn;
    const handlers = this.#handlers;
    for (let i = handlers.length - 1; i >= 0; i--) {
      const h = handlers[i] as ObservationHandler;
      if (h.inScope && h.supportsContext(context)) {
        const inner = run;
        run = () => {
          let entered = false;
          try {
            return h.inScope!(context, () => {
              entered = true;
              return inner();
            });
          } catch (err) {
            // A handler that failed before running the work must not lose it; errors of the work itself rethrow.
            if (entered) throw err;
            this.#diag.warnOnce(`observation:${h.name}:inScope`, `observation handler ${h.name} failed in inScope: ${String(err)}`);
            return inner();
          }
        };
      }
    }
    return run();
  }

  #safe(handler: ObservationHandler, phase: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#diag.warnOnce(
        `observation:${handler.name}:${phase}`,
        `NMWRN006 observation handler ${handler.name} failed in ${phase}; the observed work is unaffected: ${String(err)}`,
      );
    }
  }
}
