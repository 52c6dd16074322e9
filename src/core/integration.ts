/**
 * The shape of one integration as the composition root folds it. Each integration (logging, runtime metrics, the
 * actuator, tracing, HTTP, Kafka, DB pools) offers one `setup` in its own folder; instrument() calls them in list
 * order with what they need and merges what they give:
 *
 *   deps (registry, observations, health, diag, own options, what earlier entries shared)
 *     └─► setup(deps, closers) ─┬─► handle: members of the handle instrument() returns (getters stay getters)
 *                               ├─► shares: what later entries in the list receive in their deps
 *                               └─► closers.add(step): its shutdown steps, run in reverse order of adding
 *
 * Generic over what it needs and gives, so this file knows nothing above the ground floor: each integration names
 * its own deps with its own interfaces, and the root checks at compile time that it can give them.
 */
import type { Closer, ShutdownPhase } from './lifecycle.js';

/** Where an integration registers what shutdown() must undo, and whether shutdown already ran. */
export interface Closers {
  /**
   * A shutdown step. `phase` (lifecycle.ts): `refuse` (readiness), `drain` (work in flight finishes, bounded by
   * the phase timeout) or `close` (the default: flush, unbind, close; run last added first). `onSignalOnly`: only
   * when nodemeter handles a signal (closing the application's own listeners).
   */
  add(name: string, close: Closer, phase?: ShutdownPhase, onSignalOnly?: boolean): void;
  readonly isShutDown: boolean;
}

/** What one setup gives back. */
export interface IntegrationParts<Handle extends object = object, Shares extends object = object> {
  /** Members of the handle instrument() returns. Property descriptors are copied, so lazy getters stay lazy. */
  readonly handle?: Handle;
  /** Values later integrations in the list receive in their deps (never on the handle). */
  readonly shares?: Shares;
}

/** One integration: a name (for diagnostics) and its setup. @since 0.2.0 */
export interface Integration<Deps, Handle extends object = object, Shares extends object = object> {
  readonly name: string;
  /** A property, not a method, so the root's deps are checked against `Deps` strictly (no method bivariance). */
  readonly setup: (deps: Deps, closers: Closers) => IntegrationParts<Handle, Shares>;
}
