/**
 * The one place nodemeter reads generic-pool's internals: its factory reference (`pool._factory`), which the
 * adapter points at a timed delegate to measure creation time (generic-pool emits no event when it starts creating
 * a resource). Everything else uses generic-pool's public API: `acquire`, `release`, `destroy`, the size
 * properties, and the 'factoryCreateError' event.
 *
 * Outside {@link GENERIC_POOL_SUPPORTED} (or without the field), a pool is bound without creation times.
 */
import type { Diag } from '../../core/diag.js';
import { gateVersion, installedVersion, type SupportedVersions } from '../../core/supported-versions.js';

/** The generic-pool versions whose internals are read here. @since 0.2.0 */
export const GENERIC_POOL_SUPPORTED: SupportedVersions = { package: 'generic-pool', range: '>=3.0.0 <4' };

/** A generic-pool factory (the caller's object, never changed). */
export interface FactoryLike {
  create(): unknown;
  destroy(resource: unknown): unknown;
  validate?(resource: unknown): unknown;
}

/** The pool's factory slot. */
export interface FactorySlot {
  /** The factory the pool was made with. */
  readonly factory: FactoryLike;
  /** Points the pool at `replacement`; returns the undo (which leaves a later replacement by someone else alone). */
  replace(replacement: FactoryLike): () => void;
}

/**
 * The factory slot of a pool, after the version gate (warned once per process when generic-pool is outside the
 * range) and a check of its shape; undefined when it cannot be used. `version` is the installed one unless given.
 * @since 0.2.0
 */
export function factorySlot(
  pool: object,
  diag: Diag,
  version = installedVersion(GENERIC_POOL_SUPPORTED.package),
): FactorySlot | undefined {
  const without =
    'creation times (hikaricp_connections_creation_seconds)';
  if (!gateVersion(GENERIC_POOL_SUPPORTED, diag, without, version)) return undefined;
  const p = pool as { _factory?: FactoryLike };
  const factory = p._factory;
  if (typeof factory !== 'object' || factory === null || typeof factory.create !== 'function') return undefined;
  return {
    factory,
    replace(replacement) {
      p._factory = replacement;
      return () => {
        if (p._factory === replacement) p._factory = factory;
      };
    },
  };
}
