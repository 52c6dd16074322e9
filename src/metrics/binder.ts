/**
 * MeterBinder, as Micrometer's: one small object per source of runtime facts. `bindTo` registers its meters and
 * returns an Unbind that removes them and disconnects every observer, timer and listener it started.
 * A binder feature-detects once and registers only what the platform has (no /proc: no file-descriptor meters).
 */
import type { Diag } from '../core/diag.js';
import type { BinderName } from './binders/names.js';
import type { MeterRegistry } from './registry.js';

/** Undoes a bind: removes the binder's meters and stops what it started. Safe to call twice. @since 0.1.0 */
export type Unbind = () => void;

/** What a binder may need besides the registry. @since 0.1.0 */
export interface BinderContext {
  readonly diag: Diag;
  /** Paths for the disk-space binder. */
  readonly diskSpacePaths: readonly string[];
  /** Event-loop delay monitor resolution in ms. */
  readonly eventLoopResolutionMs: number;
  /** Main module name, for `application_*_time_seconds{main_application_class}`. */
  readonly mainApplicationClass: string;
  /** Epoch ms when `instrument()` ran (the application "started" for startup-time). */
  readonly instrumentedAt: number;
}

/** @since 0.1.0 */
export interface MeterBinder {
  readonly name: BinderName;
  bindTo(registry: MeterRegistry, context: BinderContext): Unbind;
}
