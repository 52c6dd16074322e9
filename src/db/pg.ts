/**
 * node-postgres (`pg.Pool`, pg-pool 3.x): HikariCP meters, query spans and health for a pool the caller owns.
 *
 *   gauges    total = totalCount, idle = idleCount, pending = waitingCount, max/min = options.max/min,
 *             active = clients checked out (counted at handover and at the pool's 'release' event)
 *   acquire   pool.connect() (callback and promise forms; pool.query goes through it) until a client is handed
 *             over, or timed out                                       wraps connect on this pool object
 *   usage     handover → the pool's 'release' event for that client (clients pg-pool checks out for itself, to
 *             drop a timed-out request's client or an expired one, were never handed over and are not timed)
 *   creation  client.connect() of each new client, success or failure  pool.Client replaced by a subclass whose
 *                                                                      connect is timed (restored on unbind)
 *   timeout   connect() failing with pg-pool's connectionTimeoutMillis errors (waiting, or opening)
 *   spans     client.query on clients checked out from this pool (pool.query included), as CLIENT spans
 *             under the current span                                   own `query` property on those clients
 *
 * Nothing is patched on pg's prototypes; every wrapper is an own property of the pool or client and is removed
 * on unbind (or, if something wrapped it again since, turned into a pass-through).
 */
import type { Unbind } from '../metrics/binder.js';
import { Closers, databaseOfUrl, secondsSince, statErrorReporter, type DbDeps, type ResolvedPoolOptions, bindWithRollback } from './binding.js';
import { pgPoolInternals } from './compat/pg-pool.js';
import type { DbQueryContext, DbTarget } from './context.js';
import { PoolHealthIndicator, registerPoolHealth, validateConnection } from './health.js';
import { HikariPoolBinder, type PoolStats } from './pool-binder.js';
import { QueryObserver, type DriverCallback } from './query-observer.js';
import { DB_SYSTEM_POSTGRESQL } from './semconv.js';
import { methodOf, wrapMethod, type AnyFunction, type Restore } from './wrap.js';

/** performance.now() at checkout; 0: not checked out; -1: checked out before the pool was bound. */
const kCheckout = Symbol('nodemeter.db.checkout');
/** The client's query method before nodemeter wrapped it. */
const kQuery = Symbol('nodemeter.db.query');
/** The binding whose wrapper the client's query method is. */
const kOwner = Symbol('nodemeter.db.owner');

/** The parts of a pg Client nodemeter uses. @since 0.1.0 */
export interface PgClientLike {
  query: AnyFunction;
  connect: AnyFunction;
  release?: (err?: unknown) => void;
  [kCheckout]?: number;
  [kQuery]?: AnyFunction;
  [kOwner]?: object;
}

/** The parts of a pg.Pool (pg-pool 3.x) nodemeter uses. @since 0.1.0 */
export interface PgPoolLike {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: {
    max?: number;
    min?: number;
    database?: string;
    host?: string;
    port?: number | string;
    user?: string;
    connectionString?: string;
  };
  /** The Client constructor the pool creates clients with (`options.Client`, or pg's). */
  Client: new (...args: never[]) => PgClientLike;
  connect: AnyFunction;
  query: AnyFunction;
  on(event: string, listener: AnyFunction): unknown;
  removeListener(event: string, listener: AnyFunction): unknown;
}

/** True for a pg.Pool (or another pg-pool instance). @since 0.1.0 */
export function isPgPool(value: unknown): value is PgPoolLike {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.connect === 'function' &&
    typeof p.query === 'function' &&
    typeof p.on === 'function' &&
    typeof p.totalCount === 'number' &&
    typeof p.idleCount === 'number' &&
    typeof p.waitingCount === 'number' &&
    typeof p.options === 'object' &&
    p.options !== null &&
    typeof p.Client === 'function'
  );
}

function targetOf(pool: PgPoolLike, name: string): DbTarget {
  const o = pool.options;
  const url = databaseOfUrl(o.connectionString);
  const port = o.port !== undefined ? Number(o.port) : url.port;
  return {
    system: DB_SYSTEM_POSTGRESQL,
    dialect: 'postgresql',
    // pg's default database is the user name; environment defaults (PGDATABASE) are not guessed here.
    database: o.database ?? url.database ?? o.user,
    host: o.host ?? url.host,
    port: Number.isFinite(port) ? port : undefined,
    pool: name,
  };
}

/** The statement of a pg query argument; undefined for submittables (cursors, streams), which are not spanned. */
function statementOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null) {
    const config = arg as { text?: unknown; submit?: unknown };
    if (typeof config.submit === 'function') return undefined;
    if (typeof config.text === 'string') return config.text;
  }
  return undefined;
}

/** Binds a pg.Pool; see the file comment. @since 0.1.0 */
export function bindPg(deps: DbDeps, pool: PgPoolLike, options: ResolvedPoolOptions): Unbind {
  return bindWithRollback(deps, options, (closers, isUnbound) => bind(deps, pool, options, closers, isUnbound));
}

function bind(deps: DbDeps, pool: PgPoolLike, options: ResolvedPoolOptions, closers: Closers, isUnbound: () => boolean): void {
  const target = targetOf(pool, options.name);
  let active = 0;

  // Clients already checked out when binding: counted as active, their usage is not timed.
  // (Which clients are checked out is known only from pg-pool's internals: see compat/pg-pool.ts.)
  const internals = pgPoolInternals(pool, deps.diag);
  internals.eachClient((c, checkedOut) => {
    const client = c as PgClientLike;
    if (checkedOut) {
      client[kCheckout] = -1;
      active++;
    } else {
      client[kCheckout] = 0;
    }
  });

  const stats: PoolStats = {
    total: () => pool.totalCount,
    active: () => active,
    idle: () => pool.idleCount,
    pending: () => pool.waitingCount,
    max: () => pool.options.max,
    min: () => pool.options.min ?? 0,
  };
  const meters = new HikariPoolBinder(options.name, stats, statErrorReporter(deps.diag, options.name));
  closers.add(meters.bindTo(deps.registry));

  const observer = options.querySpans ? new QueryObserver(deps.observations, target) : undefined;
  const instrumented = new Map<PgClientLike, Restore>();

  // --- spans: the query method of each client this pool hands out -------------------------------------------
  function observedQuery(this: PgClientLike, a0?: unknown, a1?: unknown, a2?: unknown): unknown {
    const original = this[kQuery] as AnyFunction;
    if (isUnbound() || observer === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const text = statementOf(a0);
    const ctx = text === undefined ? undefined : observer.begin(text);
    if (ctx === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return runObserved(this, original, observer, ctx, arguments.length, a0, a1, a2);
  }

  const owner = {};
  const instrument = (client: PgClientLike): void => {
    client[kQuery] = methodOf(client, 'query');
    client[kOwner] = owner;
    instrumented.set(client, wrapMethod(client, 'query', observedQuery));
  };
  // Undone in the reverse order of instrument(): deleting the last-added property keeps the client's fast shape.
  const uninstrument = (client: PgClientLike, restore: Restore): void => {
    if (restore()) {
      delete client[kOwner];
      delete client[kQuery];
    }
  };
  closers.add(() => {
    for (const [client, restore] of instrumented) uninstrument(client, restore);
    instrumented.clear();
  });

  // --- usage and active: handover (below) and the pool's 'release' event --------------------------------------
  const onRelease = (_err: unknown, client: PgClientLike): void => {
    const mark = client[kCheckout];
    if (mark === undefined || mark === 0) return;
    client[kCheckout] = 0;
    if (active > 0) active--;
    if (mark > 0) meters.usage.record(secondsSince(mark));
  };
  const onRemove = (client: PgClientLike): void => {
    const restore = instrumented.get(client);
    if (restore !== undefined) {
      uninstrument(client, restore);
      instrumented.delete(client);
    }
  };
  pool.on('release', onRelease);
  pool.on('remove', onRemove);
  closers.add(() => {
    pool.removeListener('release', onRelease);
    pool.removeListener('remove', onRemove);
  });

  // --- acquire and timeouts: pool.connect on this pool object ------------------------------------------------
  const connect = methodOf(pool, 'connect');
  const acquired = (start: number, err: unknown, client: unknown): void => {
    if (err === undefined || err === null) {
      const now = performance.now();
      meters.acquire.record(secondsSince(start, now));
      const c = client as PgClientLike;
      const mark = c[kCheckout];
      if (mark === undefined || mark === 0) active++;
      c[kCheckout] = now;
      if (observer !== undefined && c[kOwner] !== owner) instrument(c);
    } else if (internals.isTimeout(err)) {
      meters.acquire.record(secondsSince(start));
      meters.timeout();
    }
  };
  function observedConnect(this: PgPoolLike, cb?: unknown): unknown {
    if (isUnbound()) return connect.apply(this, arguments as unknown as unknown[]);
    const start = performance.now();
    if (typeof cb === 'function') {
      const user = observer !== undefined ? observer.bind(cb as DriverCallback) : (cb as DriverCallback);
      // An anonymous arrow: per call, nothing but the closure (no name to define when compiled with keepNames).
      return connect.call(this, (err: unknown, client?: unknown, done?: unknown) => {
        acquired(start, err, client);
        return user(err, client, done);
      });
    }
    return (connect.call(this) as Promise<unknown>).then(
      (client) => {
        acquired(start, undefined, client);
        return client;
      },
      (err: unknown) => {
        acquired(start, err, undefined);
        throw err;
      },
    );
  }
  const restoreConnect = wrapMethod(pool, 'connect', observedConnect);
  closers.add(restoreConnect);

  // --- creation: a Client subclass whose connect() is timed --------------------------------------------------
  const Original = pool.Client;
  const Base = Original as unknown as new (...args: unknown[]) => { connect(cb?: unknown): unknown };
  class TimedClient extends Base {
    override connect(cb?: unknown): unknown {
      const start = performance.now();
      if (typeof cb === 'function') {
        return super.connect((err: unknown) => {
          meters.creation.record(secondsSince(start));
          return (cb as DriverCallback)(err);
        });
      }
      return (super.connect() as Promise<unknown>).then(
        (v) => {
          meters.creation.record(secondsSince(start));
          return v;
        },
        (err: unknown) => {
          meters.creation.record(secondsSince(start));
          throw err;
        },
      );
    }
  }
  Object.defineProperty(TimedClient, 'name', { value: Original.name });
  pool.Client = TimedClient as unknown as PgPoolLike['Client'];
  closers.add(() => {
    if (pool.Client === (TimedClient as unknown)) pool.Client = Original;
  });

  // --- health ------------------------------------------------------------------------------------------------
  const health = options.health;
  if (health !== undefined) {
    const indicator = new PoolHealthIndicator(async () => {
      await validateConnection<PgClientLike>(
        {
          acquire: () => pool.connect() as Promise<PgClientLike>,
          run: async (client) => {
            await client.query(health.query);
          },
          release: (client) => client.release?.(),
          // release(err) makes pg-pool close the client instead of pooling it again.
          discard: (client, reason) => client.release?.(reason),
        },
        health.timeoutMs,
      );
      return { database: 'PostgreSQL', validationQuery: health.query };
    }, health.timeoutMs);
    closers.add(registerPoolHealth(deps.health, options.name, () => indicator.check()));
  }
}

/**
 * Calls the original query with the observation attached to its completion through the observation lifecycle: the
 * callback (argument or `config.callback`), or the returned promise. Errors thrown synchronously end it too.
 */
function runObserved(
  client: PgClientLike,
  original: AnyFunction,
  observer: QueryObserver,
  ctx: DbQueryContext,
  argc: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
): unknown {
  try {
    if (typeof a2 === 'function') return original.call(client, a0, a1, observer.callback(ctx, a2 as DriverCallback));
    if (typeof a1 === 'function') return original.call(client, a0, observer.callback(ctx, a1 as DriverCallback));
    const config = a0 as { callback?: unknown };
    if (typeof config === 'object' && typeof config.callback === 'function') {
      const copy = { ...config, callback: observer.callback(ctx, config.callback as DriverCallback) };
      return argc > 1 ? original.call(client, copy, a1) : original.call(client, copy);
    }
    return observer.settle(ctx, argc > 1 ? original.call(client, a0, a1) : original.call(client, a0));
  } catch (err) {
    observer.end(ctx, err);
    throw err;
  }
}
