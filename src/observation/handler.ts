/**
 * ObservationHandler, as Micrometer's: one concern (meters, spans, log correlation) reacting to the lifecycle of
 * every observation it supports. Handlers never see each other; the registry calls them in order, and a handler
 * that throws is reported once and skipped, never breaking the observed work. A handler keeps its per-observation
 * state in the context under its own HandlerKey, never in fields of the context.
 */
import type { EventEmitter } from 'node:events';
import type { ObservationContext } from './context.js';

/** A node-style callback (error first, at most two results), as drivers call them. @since 0.2.0 */
export type NodeCallback = (err: unknown, a?: unknown, b?: unknown) => unknown;

/** @since 0.1.0 */
export interface ObservationHandler {
  readonly name: string;
  supportsContext(context: ObservationContext): boolean;
  onStart?(context: ObservationContext): void;
  onError?(context: ObservationContext): void;
  onEvent?(context: ObservationContext, event: string): void;
  /**
   * The observation stopped. `lowCardinalityValues` are the convention's values in the order of its
   * `lowCardinalityKeyNames`, asked once by the registry for all handlers; valid only during this call.
   */
  onStop?(context: ObservationContext, lowCardinalityValues: readonly string[]): void;
  /** Runs `fn(arg)` with this observation current (a tracing handler makes its span active). */
  inScope?<A, T>(context: ObservationContext, fn: (arg: A) => T, arg: A): T;
  /** Runs `fn` (with `thisArg` and the arguments) in the scope that was current when `context` started. @since 0.2.0 */
  inParentScope?(context: ObservationContext, fn: NodeCallback, thisArg: unknown, err: unknown, a: unknown, b: unknown): unknown;
  /**
   * Makes this observation current for the rest of the synchronous execution and what it schedules
   * (AsyncLocalStorage.enterWith), for work that runs after the integration returns: a server's request handler
   * runs after the diagnostics channel that starts the observation. @since 0.3.0
   */
  enterScope?(context: ObservationContext): void;
  /** Makes no observation current for the rest of the synchronous execution, if one is. @since 0.3.0 */
  clearScope?(): void;
  /** Makes listeners added to `emitter` later run with this observation current. */
  bindEmitter?(context: ObservationContext, emitter: EventEmitter): void;
  /** True while work must not be observed (e.g. a span exporter sending spans). */
  isSuppressed?(): boolean;
  /**
   * True when an observation this handler records is current now (tracing: a sampled span is active), so that a
   * child observation started now would be kept. @since 0.2.0
   */
  hasCurrentObservation?(): boolean;
  /** `fn` bound to the scope current now, for code that calls it back from another one. @since 0.2.0 */
  bindToCurrent?<F extends NodeCallback>(fn: F): F;
}
