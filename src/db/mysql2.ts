/**
 * mysql2 pools (`mysql.createPool()`, and its `.promise()` wrapper, which delegates to the same core pool):
 * HikariCP meters, query spans and health for a pool the caller owns.
 *
 *   gauges    total, idle, pending = the pool's queues (mysql2 internals, version-gated in compat/mysql2.ts),
 *             max = config.connectionLimit (absent when 0, i.e. unlimited), min = 0 (mysql2 opens on demand),
 *             active = connections checked out (counted at checkout and release)
 *   acquire   getConnection() until a connection is handed over (pool.query/execute and the promise pool go
 *             through it)                                            wraps getConnection on this pool object
 *   usage     checkout → releaseConnection() (conn.release(), or the connection leaving the pool)
 *                                                                    wraps releaseConnection on this pool object
 *   creation  opening a connection for a getConnection() call, success or failure
 *   timeout   mysql2 has no acquire timeout: a request is refused when the pool is exhausted and may not wait
 *             (waitForConnections: false, or queueLimit reached), or opening a connection times out
 *             (connectTimeout, ETIMEDOUT). Those count as timeouts: the pool had no connection to give in time.
 *   spans     query/execute on connections checked out from this pool (pool.query/execute and the promise
 *             API included)                                          own properties on those connections
 *
 * mysql2's 'release' event is not used for timing: a connection handed straight to a queued request emits
 * neither 'release' nor 'acquire'.
 */
import type { Unbind } from '../metrics/binder.js';
import { Closers, secondsSince, statErrorReporter, type DbDeps, type ResolvedPoolOptions, bindWithRollback } from './binding.js';
import { mysql2PoolInternals, mysqlProductName, type Mysql2PoolInternals } from './compat/mysql2.js';
import type { DbQueryContext, DbTarget } from './context.js';
import { PoolHealthIndicator, registerPoolHealth, validateConnection } from './health.js';
import { HikariPoolBinder, type PoolStats } from './pool-binder.js';
import { QueryObserver, type DriverCallback } from './query-observer.js';
import { DB_SYSTEM_MYSQL } from './semconv.js';
import { methodOf, wrapMethod, type AnyFunction, type Restore } from './wrap.js';

/** performance.now() at checkout; 0: not checked out; -1: checked out before the pool was bound. */
const kCheckout = Symbol('nodemeter.db.checkout');
const kQuery = Symbol('nodemeter.db.query');
const kExecute = Symbol('nodemeter.db.execute');

/** The parts of a mysql2 pool connection nodemeter uses. @since 0.1.0 */
export interface Mysql2ConnectionLike {
  query: AnyFunction;
  execute: AnyFunction;
  release(): void;
  destroy(): void;
  [kCheckout]?: number;
  [kQuery]?: AnyFunction;
  [kExecute]?: AnyFunction;
}

/** The parts of a mysql2 (callback) pool nodemeter uses. @since 0.1.0 */
export interface Mysql2PoolLike {
  readonly config: {
    connectionLimit?: number;
    connectionConfig: { database?: string; host?: string; port?: number; socketPath?: string };
  };
  getConnection: AnyFunction;
  releaseConnection: AnyFunction;
  on(event: string, listener: AnyFunction): unknown;
}

/** The promise pool of mysql2 (`pool.promise()`, `mysql2/promise` createPool): a wrapper of a core pool. */
export interface Mysql2PromisePoolLike {
  readonly pool: Mysql2PoolLike;
  getConnection(): Promise<unknown>;
}

/**
 * True for a mysql2 callback pool, told by its public shape (its queues are read, version-gated, in
 * compat/mysql2.ts: a pool whose internals changed is still bound, with less).
 * @since 0.1.0
 */
export function isMysql2Pool(value: unknown): value is Mysql2PoolLike {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  const config = p.config as Record<string, unknown> | undefined;
  return (
    typeof p.getConnection === 'function' &&
    typeof p.releaseConnection === 'function' &&
    typeof p.on === 'function' &&
    typeof config === 'object' &&
    config !== null &&
    typeof config.connectionConfig === 'object' &&
    config.connectionConfig !== null
  );
}

/** True for a mysql2 promise pool (whose `.pool` is the core pool that gets bound). @since 0.1.0 */
export function isMysql2PromisePool(value: unknown): value is Mysql2PromisePoolLike {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p.getConnection === 'function' && isMysql2Pool(p.pool);
}

/** A refusal of an exhausted pool, or a connection attempt that timed out. */
function isTimeout(internals: Mysql2PoolInternals, err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (err as { code?: unknown }).code === 'ETIMEDOUT' || internals.isRefused(err);
}

/** The statement of a query/execute first argument (a string, options `{ sql }`, or a Query command). */
function statementOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null) {
    const sql = (arg as { sql?: unknown }).sql;
    if (typeof sql === 'string') return sql;
  }
  return undefined;
}

/** Our getConnection callbacks: mysql2 re-dispatches a queued request with the callback it was queued with. */
const ours = new WeakSet<object>();

/** Remembers `fn` as ours. (Taking the arrow as an argument keeps it anonymous: nothing to name per call.) */
function track<F extends object>(fn: F): F {
  ours.add(fn);
  return fn;
}

/** Binds a mysql2 pool (callback or promise); see the file comment. @since 0.1.0 */
export function bindMysql2(deps: DbDeps, pool: Mysql2PoolLike, options: ResolvedPoolOptions): Unbind {
  return bindWithRollback(deps, options, (closers, isUnbound) => bind(deps, pool, options, closers, isUnbound));
}

function bind(deps: DbDeps, pool: Mysql2PoolLike, options: ResolvedPoolOptions, closers: Closers, isUnbound: () => boolean): void {
  const cc = pool.config.connectionConfig;
  const target: DbTarget = {
    system: DB_SYSTEM_MYSQL,
    dialect: 'mysql',
    database: cc.database || undefined,
    host: cc.socketPath ? undefined : (cc.host ?? 'localhost'),
    port: cc.socketPath ? undefined : (cc.port ?? 3306),
    pool: options.name,
  };
  let active = 0;

  // Connections already checked out when binding: active, their usage untimed. (The pool's queues are mysql2's
  // internals: see compat/mysql2.ts.)
  const internals = mysql2PoolInternals(pool, deps.diag);
  internals.eachConnection((c, checkedOut) => {
    const connection = c as Mysql2ConnectionLike;
    if (checkedOut) {
      connection[kCheckout] = -1;
      active++;
    } else {
      connection[kCheckout] = 0;
    }
  });

  const stats: PoolStats = {
    total: internals.total,
    active: () => active,
    idle: internals.idle,
    pending: internals.pending,
    max: () => (pool.config.connectionLimit ? pool.config.connectionLimit : undefined),
    min: () => 0,
  };
  const meters = new HikariPoolBinder(options.name, stats, statErrorReporter(deps.diag, options.name));
  closers.add(meters.bindTo(deps.registry));

  const observer = options.querySpans ? new QueryObserver(deps.observations, target) : undefined;
  const instrumented = new Map<Mysql2ConnectionLike, [Restore, Restore]>();

  // --- spans: query/execute of each connection this pool hands out -------------------------------------------
  function observedQuery(this: Mysql2ConnectionLike, a0?: unknown, a1?: unknown, a2?: unknown): unknown {
    const original = this[kQuery] as AnyFunction;
    if (isUnbound() || observer === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const sql = statementOf(a0);
    const ctx = sql === undefined ? undefined : observer.begin(sql);
    if (ctx === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return runObserved(this, original, observer, ctx, arguments.length, a0, a1, a2);
  }
  function observedExecute(this: Mysql2ConnectionLike, a0?: unknown, a1?: unknown, a2?: unknown): unknown {
    const original = this[kExecute] as AnyFunction;
    if (isUnbound() || observer === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const sql = statementOf(a0);
    const ctx = sql === undefined ? undefined : observer.begin(sql);
    if (ctx === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return runObserved(this, original, observer, ctx, arguments.length, a0, a1, a2);
  }
  const instrument = (connection: Mysql2ConnectionLike): void => {
    if (instrumented.has(connection)) return;
    connection[kQuery] = methodOf(connection, 'query');
    connection[kExecute] = methodOf(connection, 'execute');
    instrumented.set(connection, [
      wrapMethod(connection, 'query', observedQuery),
      wrapMethod(connection, 'execute', observedExecute),
    ]);
  };
  // Undone in the reverse order of instrument(): deleting the last-added property keeps the connection's fast shape.
  const uninstrument = (connection: Mysql2ConnectionLike, restores: [Restore, Restore]): void => {
    const execute = restores[1]();
    const query = restores[0]();
    if (execute) delete connection[kExecute];
    if (query) delete connection[kQuery];
  };
  closers.add(() => {
    for (const [connection, restores] of instrumented) uninstrument(connection, restores);
    instrumented.clear();
  });

  // --- acquire, creation, timeouts: getConnection on this pool object ----------------------------------------
  const checkedOut = (connection: Mysql2ConnectionLike, now: number): void => {
    const mark = connection[kCheckout];
    if (!(mark !== undefined && mark !== 0)) active++;
    connection[kCheckout] = now;
    if (observer !== undefined) instrument(connection);
  };
  const getConnection = methodOf(pool, 'getConnection');
  function observedGetConnection(this: Mysql2PoolLike, cb?: unknown): unknown {
    if (isUnbound() || typeof cb !== 'function') return getConnection.apply(this, arguments as unknown as unknown[]);
    const start = performance.now();
    const before = internals.total();
    // A queued request that mysql2 re-dispatches (its connection left the pool) comes back with our callback:
    // its acquire is timed by that callback already; only a creation it causes is timed here.
    const redispatched = ours.has(cb);
    const user = redispatched || observer === undefined ? (cb as DriverCallback) : observer.bind(cb as DriverCallback);
    let created = false;
    const result = getConnection.call(
      this,
      track((err: unknown, connection?: unknown): unknown => {
        const now = performance.now();
        if (created) meters.creation.record(secondsSince(start, now));
        if (!redispatched) {
          if (err === undefined || err === null) {
            meters.acquire.record(secondsSince(start, now));
            checkedOut(connection as Mysql2ConnectionLike, now);
          } else if (isTimeout(internals, err)) {
            meters.acquire.record(secondsSince(start, now));
            meters.timeout();
          }
        }
        return user(err, connection);
      }),
    );
    // mysql2 adds a connection it opens for this request synchronously; its callback always comes later.
    created = before !== undefined && (internals.total() ?? 0) > before;
    return result;
  }
  closers.add(wrapMethod(pool, 'getConnection', observedGetConnection));

  // --- usage: releaseConnection on this pool object ------------------------------------------------------------
  const releaseConnection = methodOf(pool, 'releaseConnection');
  function observedReleaseConnection(this: Mysql2PoolLike, connection?: unknown): unknown {
    if (!isUnbound() && typeof connection === 'object' && connection !== null) {
      const c = connection as Mysql2ConnectionLike;
      const mark = c[kCheckout];
      if (mark !== undefined && mark !== 0) {
        c[kCheckout] = 0;
        if (active > 0) active--;
        if (mark > 0) meters.usage.record(secondsSince(mark));
      }
    }
    return releaseConnection.apply(this, arguments as unknown as unknown[]);
  }
  closers.add(wrapMethod(pool, 'releaseConnection', observedReleaseConnection));

  // Connections that leave the pool drop their wrappers (mysql2 emits no event for that; 'release' of an idle
  // connection is the next best moment, and unbind cleans up the rest).
  const onConnection = (connection: Mysql2ConnectionLike): void => {
    const c = connection as unknown as { once?: (event: string, fn: () => void) => unknown };
    c.once?.('end', () => {
      const restores = instrumented.get(connection);
      if (restores !== undefined) {
        uninstrument(connection, restores);
        instrumented.delete(connection);
      }
    });
  };
  if (observer !== undefined) {
    pool.on('connection', onConnection);
    closers.add(() => (pool as unknown as { removeListener(e: string, f: AnyFunction): unknown }).removeListener('connection', onConnection));
  }

  // --- health ------------------------------------------------------------------------------------------------
  const health = options.health;
  if (health !== undefined) {
    let product = 'MySQL';
    const indicator = new PoolHealthIndicator(async () => {
      await validateConnection<Mysql2ConnectionLike>(
        {
          acquire: () =>
            new Promise((resolve, reject) => {
              pool.getConnection((err: unknown, connection: Mysql2ConnectionLike) => (err ? reject(err) : resolve(connection)));
            }),
          run: (connection) =>
            new Promise<void>((resolve, reject) => {
              product = mysqlProductName(connection);
              connection.query(health.query, (err: unknown) => (err ? reject(err) : resolve()));
            }),
          release: (connection) => connection.release(),
          discard: (connection) => connection.destroy(),
        },
        health.timeoutMs,
      );
      return { database: product, validationQuery: health.query };
    }, health.timeoutMs);
    closers.add(registerPoolHealth(deps.health, options.name, () => indicator.check()));
  }
}

/**
 * Calls the original query/execute with the observation attached to its completion: the callback argument, the
 * callback of a Query command built by pool.query (`onResult`), or the command's 'end' event (emitter mode; an
 * error is then not seen, as listening for 'error' would change what an unhandled error does).
 */
function runObserved(
  connection: Mysql2ConnectionLike,
  original: AnyFunction,
  observer: QueryObserver,
  ctx: DbQueryContext,
  argc: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
): unknown {
  try {
    if (typeof a2 === 'function') return original.call(connection, a0, a1, observer.callback(ctx, a2 as DriverCallback));
    if (typeof a1 === 'function') return original.call(connection, a0, observer.callback(ctx, a1 as DriverCallback));
    const command = a0 as { onResult?: unknown; once?: unknown };
    if (typeof command === 'object' && command !== null && typeof command.onResult === 'function' && typeof command.once === 'function') {
      command.onResult = observer.callback(ctx, command.onResult as DriverCallback);
      return original.call(connection, a0);
    }
    const result =
      argc > 2 ? original.call(connection, a0, a1, a2) : argc > 1 ? original.call(connection, a0, a1) : original.call(connection, a0);
    const emitter = result as { once?: (event: string, fn: () => void) => unknown } | undefined;
    if (emitter !== undefined && emitter !== null && typeof emitter.once === 'function') {
      emitter.once('end', () => observer.end(ctx, undefined));
    } else {
      observer.end(ctx, undefined);
    }
    return result;
  } catch (err) {
    observer.end(ctx, err);
    throw err;
  }
}
