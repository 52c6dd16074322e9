/**
 * generic-pool 3.x: HikariCP meters and health for a pool of any resources (often driver connections the caller
 * creates in its factory). generic-pool has no acquire or release events, so three methods of this pool object are
 * wrapped (own properties, removed on unbind), and its factory is put behind a timed delegate.
 *
 *   gauges    total = size (resources open or being created), active = borrowed, idle = available,
 *             pending = pending, max/min = max/min
 *   acquire   acquire() until it resolves, or rejects with generic-pool's TimeoutError (acquireTimeoutMillis)
 *   usage     acquire() → release() or destroy() of the same resource
 *   creation  factory.create(), success or failure        the pool's factory reference points at a delegate
 *                                                          whose prototype is the caller's factory (untouched);
 *                                                          generic-pool internals, see compat/generic-pool.ts
 *   timeout   acquire() rejecting with TimeoutError
 *   spans     none: resources are opaque to nodemeter. Bind the driver pool instead when there is one.
 *
 * generic-pool keeps a request waiting while its factory fails ('factoryCreateError'); the last such error is what
 * the health check reports when it cannot get a resource in time.
 */
import type { Unbind } from '../metrics/binder.js';
import { Closers, secondsSince, statErrorReporter, type DbDeps, type ResolvedPoolOptions, bindWithRollback } from './binding.js';
import { PoolHealthIndicator, registerPoolHealth, validateConnection, type ValidationDetails } from './health.js';
import { factorySlot, type FactoryLike } from './compat/generic-pool.js';
import { isMysqlConnection, mysqlProductName } from './compat/mysql2.js';
import { HikariPoolBinder, type PoolStats } from './pool-binder.js';
import { methodOf, wrapMethod, type AnyFunction } from './wrap.js';

/** The parts of a generic-pool Pool nodemeter uses. @since 0.1.0 */
export interface GenericPoolLike {
  acquire: AnyFunction;
  release: AnyFunction;
  destroy: AnyFunction;
  isBorrowedResource(resource: unknown): boolean;
  readonly size: number;
  readonly available: number;
  readonly borrowed: number;
  readonly pending: number;
  readonly max: number;
  readonly min: number;
  on(event: string, listener: AnyFunction): unknown;
  removeListener(event: string, listener: AnyFunction): unknown;
}

/** True for a generic-pool Pool. @since 0.1.0 */
export function isGenericPool(value: unknown): value is GenericPoolLike {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.acquire === 'function' &&
    typeof p.release === 'function' &&
    typeof p.destroy === 'function' &&
    typeof p.isBorrowedResource === 'function' &&
    typeof p.on === 'function' &&
    typeof p.size === 'number' &&
    typeof p.available === 'number' &&
    typeof p.borrowed === 'number' &&
    typeof p.pending === 'number' &&
    typeof p.max === 'number' &&
    typeof p.min === 'number'
  );
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'TimeoutError';
}

/** Runs the validation query on a resource that has a `query` method (pg clients, mysql2 connections). */
function queryResource(resource: unknown, sql: string): Promise<void> {
  const query = (resource as { query?: AnyFunction }).query;
  return new Promise<void>((resolve, reject) => {
    const done = (err: unknown): void => (err ? reject(err) : resolve());
    try {
      // Callback form first (pg and mysql2 callback connections); promise-only clients refuse it synchronously.
      query!.call(resource, sql, done);
    } catch {
      try {
        Promise.resolve(query!.call(resource, sql)).then(() => resolve(), reject);
      } catch (err) {
        reject(err);
      }
    }
  });
}

/** Spring's product name for resources nodemeter recognizes; undefined for others. */
function productOf(resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const r = resource as Record<string, unknown>;
  if (typeof r.connectionParameters === 'object' && r.connectionParameters !== null) return 'PostgreSQL';
  if (isMysqlConnection(r)) return mysqlProductName(resource);
  return undefined;
}

/** Binds a generic-pool Pool; see the file comment. @since 0.1.0 */
export function bindGenericPool(deps: DbDeps, pool: GenericPoolLike, options: ResolvedPoolOptions): Unbind {
  return bindWithRollback(deps, options, (closers, isUnbound) => bind(deps, pool, options, closers, isUnbound));
}

function bind(deps: DbDeps, pool: GenericPoolLike, options: ResolvedPoolOptions, closers: Closers, isUnbound: () => boolean): void {
  const stats: PoolStats = {
    total: () => pool.size,
    active: () => pool.borrowed,
    idle: () => pool.available,
    pending: () => pool.pending,
    max: () => pool.max,
    min: () => pool.min,
  };
  const meters = new HikariPoolBinder(options.name, stats, statErrorReporter(deps.diag, options.name));
  closers.add(meters.bindTo(deps.registry));

  // Resources are arbitrary values (possibly frozen): their checkout times live here, not on them.
  const checkouts = new Map<unknown, number>();
  closers.add(() => checkouts.clear());

  // --- acquire and timeouts --------------------------------------------------------------------------------
  const acquire = methodOf(pool, 'acquire');
  function observedAcquire(this: GenericPoolLike): unknown {
    const result = acquire.apply(this, arguments as unknown as unknown[]) as Promise<unknown>;
    if (isUnbound()) return result;
    const start = performance.now();
    return result.then(
      (resource) => {
        const now = performance.now();
        meters.acquire.record(secondsSince(start, now));
        if (!isUnbound()) checkouts.set(resource, now);
        return resource;
      },
      (err: unknown) => {
        if (isTimeout(err)) {
          meters.acquire.record(secondsSince(start));
          meters.timeout();
        }
        throw err;
      },
    );
  }
  closers.add(wrapMethod(pool, 'acquire', observedAcquire));

  // --- usage: release() and destroy() ------------------------------------------------------------------------
  const returned = (resource: unknown): void => {
    const mark = checkouts.get(resource);
    if (mark === undefined) return;
    checkouts.delete(resource);
    meters.usage.record(secondsSince(mark));
  };
  for (const method of ['release', 'destroy'] as const) {
    const original = methodOf(pool, method);
    closers.add(
      wrapMethod(pool, method, function observedReturn(this: GenericPoolLike, resource?: unknown): unknown {
        if (!isUnbound()) returned(resource);
        return original.apply(this, arguments as unknown as unknown[]);
      }),
    );
  }

  // --- creation: a timed delegate in front of the caller's factory -------------------------------------------
  let lastCreateError: unknown;
  // (The factory reference is generic-pool's internals: see compat/generic-pool.ts.)
  const slot = factorySlot(pool, deps.diag);
  const factory = slot?.factory;
  if (slot !== undefined && factory !== undefined) {
    const timed = Object.create(factory, {
      create: {
        value: function create(): unknown {
          const start = performance.now();
          const done = (): void => meters.creation.record(secondsSince(start));
          let created: unknown;
          try {
            created = factory.create();
          } catch (err) {
            done();
            throw err;
          }
          return Promise.resolve(created).then(
            (resource) => {
              done();
              lastCreateError = undefined;
              return resource;
            },
            (err: unknown) => {
              done();
              throw err;
            },
          );
        },
        writable: true,
        configurable: true,
      },
    }) as FactoryLike;
    closers.add(slot.replace(timed));
  }
  const onCreateError = (err: unknown): void => {
    lastCreateError = err;
  };
  pool.on('factoryCreateError', onCreateError);
  closers.add(() => pool.removeListener('factoryCreateError', onCreateError));

  // --- health ------------------------------------------------------------------------------------------------
  const health = options.health;
  if (health !== undefined) {
    const indicator = new PoolHealthIndicator(
      async () => {
        let details: ValidationDetails = { validationQuery: 'acquire()' };
        await validateConnection<unknown>(
          {
            acquire: () => Promise.resolve(pool.acquire()),
            run: async (resource) => {
              const product = productOf(resource);
              if (typeof (resource as { query?: unknown } | null)?.query === 'function') {
                await queryResource(resource, health.query);
                details = product ? { database: product, validationQuery: health.query } : { validationQuery: health.query };
              } else if (typeof factory?.validate === 'function') {
                if ((await factory.validate(resource)) === false) throw new Error('the pool factory reports the resource as invalid');
                details = { validationQuery: 'validate()' };
              }
            },
            release: (resource) => void Promise.resolve(pool.release(resource)).catch(() => undefined),
            discard: (resource) => void Promise.resolve(pool.destroy(resource)).catch(() => undefined),
          },
          health.timeoutMs,
        );
        return details;
      },
      health.timeoutMs,
      // Waiting in vain while the factory fails: the factory's error says why.
      () => lastCreateError,
    );
    closers.add(registerPoolHealth(deps.health, options.name, () => indicator.check()));
  }
}
