/** What every pool adapter gets: the core's registries, the resolved options, and an ordered list of undo steps. */
import type { HealthRegistry } from '../health/registry.js';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import type { MeterRegistry } from '../metrics/registry.js';
import type { ObservationRegistry } from '../observation/registry.js';

/** What the DB integration needs from the core (the handle's registries). @since 0.1.0 */
export interface DbDeps {
  readonly registry: MeterRegistry;
  readonly health: HealthRegistry;
  readonly observations: ObservationRegistry;
  readonly diag: Diag;
}

/** Options after defaults. */
export interface ResolvedPoolOptions {
  /** The `pool` tag and the health component name. */
  readonly name: string;
  /** The health check, or undefined when off. */
  readonly health: { readonly query: string; readonly timeoutMs: number } | undefined;
  /** Wrap query methods for spans (checked again per query: only under a recording span). */
  readonly querySpans: boolean;
}

/**
 * Undo steps of one binding, run once, last added first; a failing step is reported and the others still run
 * (an adapter that failed halfway through binding runs the same list).
 */
export class Closers {
  readonly #steps: (() => unknown)[] = [];
  readonly #diag: Diag;
  readonly #what: string;
  #closed = false;

  constructor(diag: Diag, what: string) {
    this.#diag = diag;
    this.#what = what;
  }

  add(step: () => unknown): void {
    if (this.#closed) step();
    else this.#steps.push(step);
  }

  get closed(): boolean {
    return this.#closed;
  }

  run(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (let i = this.#steps.length - 1; i >= 0; i--) {
      try {
        this.#steps[i]!();
      } catch (err) {
        this.#diag.debug(`unbinding ${this.#what}: a step failed: ${String(err)}`);
      }
    }
    this.#steps.length = 0;
  }
}

/** Elapsed seconds since a performance.now() reading. */
/**
 * Runs a driver adapter's `bind` with a fresh set of closers; if binding fails half-way, what was already wrapped
 * is restored before the error propagates. The returned Unbind runs the closers once.
 */
export function bindWithRollback(
  deps: DbDeps,
  options: ResolvedPoolOptions,
  bind: (closers: Closers, isUnbound: () => boolean) => void,
): () => void {
  const closers = new Closers(deps.diag, `pool ${options.name}`);
  let unbound = false;
  closers.add(() => {
    unbound = true;
  });
  try {
    bind(closers, () => unbound);
  } catch (err) {
    closers.run();
    throw err;
  }
  return () => closers.run();
}

export function secondsSince(start: number, now: number = performance.now()): number {
  return (now - start) / 1000;
}

/** Reports a gauge read that failed once per pool and stat (the series is left out; the others are served). */
export function statErrorReporter(diag: Diag, pool: string): (stat: string, err: unknown) => void {
  return (stat, err) =>
    diag.warn(Warnings.DB_POOL_STAT_FAILED, { pool, stat, error: err }, `${pool}:${stat}`);
}

/** The database name in a connection URL (`postgres://u@h:5432/orders` → `orders`), if any. */
export function databaseOfUrl(url: unknown): { database?: string; host?: string; port?: number } {
  if (typeof url !== 'string' || url === '') return {};
  try {
    const u = new URL(url);
    const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
    return { database, host: u.hostname || undefined, port: u.port ? Number(u.port) : undefined };
  } catch {
    return {};
  }
}
