/**
 * ObservationHandler, as Micrometer's: one concern (meters, spans, log correlation) reacting to the lifecycle of
 * every observation it supports. Handlers never see each other; the registry calls them in order, and a handler
 * that throws is reported once and skipped, never breaking the observed work.
 */
import type { EventEmitter } from 'node:events';
import type { ObservationContext } from './context.js';

/** @since 0.1.0 */
export interface ObservationHandler {
  readonly name: string;
  supportsContext(context: ObservationContext): boolean;
  onStart?(context: ObservationContext): void;
  onError?(context: ObservationContext): void;
  onEvent?(context: ObservationContext, event: string): void;
  onStop?(context: ObservationContext): void;
  /** Runs `fn` with this observation current (a tracing handler makes its span active). */
  inScope?<T>(context: ObservationContext, fn: () => T): T;
  /** Makes listeners added to `emitter` later run with this observation current. */
  bindEmitter?(context: ObservationContext, emitter: EventEmitter): void;
  /** True while work must not be observed (e.g. a span exporter sending spans). */
  isSuppressed?(): boolean;
}
