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
import { Warnings } from '../core/warnings.js';
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
      if (h.onStart === undefined || !h.supportsContext(context)) continue;
      // try/catch inline, not through a helper taking a closure: this runs for every request.
      try {
        h.onStart(context);
      } catch (err) {
        this.#failed(h, 'onStart', err);
      }
    }
  }

  error(context: ObservationContext, error: unknown): void {
    context.error = error;
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      const h = handlers[i] as ObservationHandler;
      if (h.onError === undefined || !h.supportsContext(context)) continue;
      try {
        h.onError(context);
      } catch (err) {
        this.#failed(h, 'onError', err);
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
        this.#failed(h, 'onEvent', err);
      }
    }
  }

  /** Stops the observation once; handlers run in reverse order of start. */
  stop(context: ObservationContext): void {
    if (context.stopped) return;
    context.stopped = true;
    const handlers = this.#handlers;
    for (let i = handlers.length - 1; i >= 0; i--) {
      const h = handlers[i] as ObservationHandler;
      if (h.onStop === undefined || !h.supportsContext(context)) continue;
      try {
        h.onStop(context);
      } catch (err) {
        this.#failed(h, 'onStop', err);
      }
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

  /**
   * Runs `fn` inside every handler's scope for this observation (e.g. with its span active). With one scoping
   * handler (the usual case) no wrapper is built. A handler that fails before running `fn` is reported and `fn`
   * runs anyway; errors thrown by `fn` itself propagate unchanged.
   */
  inScope<T>(context: ObservationContext, fn: () => T): T {
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
    if (count === 0) return fn();
    if (count === 1) return this.#scoped(scoping as ObservationHandler, context, fn);
    let run = fn;
    for (let i = handlers.length - 1; i >= 0; i--) {
      const h = handlers[i] as ObservationHandler;
      if (h.inScope === undefined || !h.supportsContext(context)) continue;
      const inner = run;
      run = () => this.#scoped(h, context, inner);
    }
    return run();
  }

  #scoped<T>(h: ObservationHandler, context: ObservationContext, fn: () => T): T {
    let entered = false;
    try {
      return h.inScope!(context, () => {
        entered = true;
        return fn();
      });
    } catch (err) {
      if (entered) throw err;
      this.#failed(h, 'inScope', err);
      return fn();
    }
  }

  #safe(handler: ObservationHandler, phase: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#failed(handler, phase, err);
    }
  }

  #failed(handler: ObservationHandler, phase: string, err: unknown): void {
    this.#diag.warn(Warnings.OBSERVATION_HANDLER_FAILED, { handler: handler.name, phase, error: err }, `${handler.name}:${phase}`);
  }
}
