/**
 * Database health, as Spring Boot's DataSourceHealthIndicator: a cheap validation query through the pool, UP with
 * `{ database, validationQuery }`, DOWN with the error. Spring's naming: one pool is the `db` component; with
 * several, `db` is a composite whose components are named after the pools:
 *
 *   {"db":{"status":"UP","details":{"database":"PostgreSQL","validationQuery":"SELECT 1"}}}
 *   {"db":{"status":"DOWN","components":{"orders-db":{"status":"UP",…},"users-db":{"status":"DOWN",…}}}}
 *
 * A check is bounded by its own timeout (shorter than the health endpoint's) and runs once at a time per pool:
 * while one is still waiting for a connection, later checks wait for that same validation instead of queueing
 * more acquires on a pool that may have no acquire timeout. A connection that arrives late is still validated and
 * given back; one whose validation query overruns or fails is discarded (destroyed), never returned or kept.
 */
import type { Health, HealthRegistry, HealthStatus } from '../health/registry.js';

/** The component name, as Spring's. */
export const DB_HEALTH_COMPONENT = 'db';

/** Health check options of one pool. @since 0.1.0 */
export interface DbHealthOptions {
  /** The validation query; default `SELECT 1`. */
  query?: string;
  /** How long a check may take, connection acquire included; default 3000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_VALIDATION_QUERY = 'SELECT 1';
export const DEFAULT_HEALTH_TIMEOUT_MS = 3_000;

/** Spring's SimpleStatusAggregator order. */
const ORDER: readonly HealthStatus[] = ['DOWN', 'OUT_OF_SERVICE', 'UP', 'UNKNOWN'];

type Check = () => Promise<Health>;

interface Composite {
  readonly pools: Map<string, Check>;
  unregister: (() => void) | undefined;
}

const composites = new WeakMap<HealthRegistry, Composite>();

async function checkAll(composite: Composite): Promise<Health> {
  const entries = [...composite.pools.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 1) return entries[0]![1]();
  const results = await Promise.all(entries.map(([, check]) => check()));
  const components: Record<string, Health> = {};
  let status: HealthStatus = 'UNKNOWN';
  entries.forEach(([name], i) => {
    const health = results[i]!;
    components[name] = health;
    if (ORDER.indexOf(health.status) < ORDER.indexOf(status)) status = health.status;
  });
  // Spring's CompositeHealth shape: `components` instead of `details`.
  const result: Health & { components: Record<string, Health> } = { status, components };
  return result;
}

/** Adds a pool's check under the `db` component; returns the function that removes it. */
export function registerPoolHealth(health: HealthRegistry, poolName: string, check: Check): () => void {
  let composite = composites.get(health);
  if (composite === undefined) {
    composite = { pools: new Map(), unregister: undefined };
    composites.set(health, composite);
  }
  const c = composite;
  c.pools.set(poolName, check);
  c.unregister ??= health.register(DB_HEALTH_COMPONENT, () => checkAll(c));
  return () => {
    if (c.pools.get(poolName) !== check) return;
    c.pools.delete(poolName);
    if (c.pools.size === 0) {
      c.unregister?.();
      c.unregister = undefined;
      composites.delete(health);
    }
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message || (err as { code?: unknown }).code || 'error'}`;
  return String(err);
}

/** Validation result details, e.g. `{ database: 'PostgreSQL', validationQuery: 'SELECT 1' }`. */
export type ValidationDetails = Record<string, unknown>;

/**
 * One pool's indicator: UP with the details the validation returns, DOWN with its error, DOWN when it does not
 * complete within `timeoutMs`. One validation runs at a time: checks that come while it still waits (for a
 * connection, on a pool without acquire timeout) wait for that same validation, so no acquires pile up.
 */
export class PoolHealthIndicator {
  readonly #validate: () => Promise<ValidationDetails>;
  readonly #timeoutMs: number;
  readonly #whyLate: (() => unknown) | undefined;
  #attempt: Promise<ValidationDetails> | undefined;

  /** `whyLate`: the error to report when a check times out (e.g. the pool's last connection failure). */
  constructor(validate: () => Promise<ValidationDetails>, timeoutMs: number, whyLate?: () => unknown) {
    this.#validate = validate;
    this.#timeoutMs = timeoutMs;
    this.#whyLate = whyLate;
  }

  check(): Promise<Health> {
    let attempt = this.#attempt;
    if (attempt === undefined) {
      const current = Promise.resolve().then(this.#validate);
      attempt = current;
      this.#attempt = current;
      const clear = (): void => {
        if (this.#attempt === current) this.#attempt = undefined;
      };
      current.then(clear, clear);
    }
    const running = attempt;
    return new Promise<Health>((resolve) => {
      const timer = setTimeout(() => {
        const cause = this.#whyLate?.();
        const error = cause !== undefined ? errorText(cause) : `validation did not complete within ${this.#timeoutMs} ms`;
        resolve({ status: 'DOWN', details: { error } });
      }, this.#timeoutMs);
      timer.unref();
      running.then(
        (details) => {
          clearTimeout(timer);
          resolve({ status: 'UP', details });
        },
        (err: unknown) => {
          clearTimeout(timer);
          resolve({ status: 'DOWN', details: { error: errorText(err) } });
        },
      );
    });
  }
}

/** How to borrow, validate and give back one connection of a pool. */
export interface Checkout<C> {
  acquire(): Promise<C>;
  /** Runs the validation query on the connection. */
  run(connection: C): Promise<void>;
  /** Gives a healthy connection back. */
  release(connection: C): void;
  /** Destroys a connection whose validation failed or overran. */
  discard(connection: C, reason: Error): void;
}

/**
 * Borrows a connection, runs the validation on it, gives it back. The query is bounded by `timeoutMs`: a connection
 * whose validation overruns or fails is discarded, never returned to the pool nor kept. Waiting for the connection
 * is bounded by the pool's own acquire timeout, if it has one (the indicator reports DOWN meanwhile).
 */
export function validateConnection<C>(checkout: Checkout<C>, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let acquired: Promise<C>;
    try {
      acquired = checkout.acquire();
    } catch (err) {
      reject(err);
      return;
    }
    acquired.then((connection) => {
      let settled = false;
      const discard = (reason: Error): void => {
        try {
          checkout.discard(connection, reason);
        } catch {
          // Destroying a broken connection is best effort.
        }
      };
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const err = new Error(`validation query did not complete within ${timeoutMs} ms`);
        discard(err);
        reject(err);
      }, timeoutMs);
      timer.unref();
      let ran: Promise<void>;
      try {
        ran = checkout.run(connection);
      } catch (err) {
        ran = Promise.reject(err);
      }
      ran.then(
        () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          try {
            checkout.release(connection);
          } catch {
            // Released by the driver already (e.g. after a socket error).
          }
          resolve();
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          discard(err instanceof Error ? err : new Error(String(err)));
          reject(err);
        },
      );
    }, reject);
  });
}
