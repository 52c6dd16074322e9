/**
 * knex: HikariCP meters from its tarn pool, query spans from knex's query events, health through `knex.raw`.
 * Everything comes from events; nothing of knex or tarn is wrapped.
 *
 *   gauges    active = numUsed(), idle = numFree(), total = active + idle, pending = numPendingAcquires(),
 *             max/min = the pool's max/min (knex's `pool` option)
 *   acquire   tarn 'acquireRequest' → 'acquireSuccess' (or 'acquireFail' with a TimeoutError), by event id
 *   usage     'acquireSuccess' → 'release' of the same connection
 *   creation  'createRequest' → 'createSuccess' | 'createFail', by event id
 *   timeout   'acquireFail' with tarn's TimeoutError (knex's acquireConnectionTimeout)
 *   spans     knex 'query' → 'query-response' | 'query-error', matched by `__knexQueryUid`; the statement is the
 *             compiled SQL with placeholders (bindings are never read)
 *
 * knex given an external driver pool (`connectionPool: pg.Pool`) has no tarn pool: bind that driver pool instead.
 */
import type { Unbind } from '../metrics/binder.js';
import { Closers, databaseOfUrl, secondsSince, statErrorReporter, type DbDeps, type ResolvedPoolOptions } from './binding.js';
import type { DbQueryContext, DbTarget } from './context.js';
import { PoolHealthIndicator, registerPoolHealth } from './health.js';
import { mysqlProductName } from './compat/mysql2.js';
import { HikariPoolBinder, type PoolStats } from './pool-binder.js';
import { QueryObserver } from './query-observer.js';
import type { SqlDialect } from './sanitize.js';
import type { AnyFunction } from './wrap.js';

/** performance.now() at checkout, on connections knex hands out. */
const kCheckout = Symbol('nodemeter.db.checkout');

/** The parts of a tarn pool nodemeter uses. @since 0.1.0 */
export interface TarnPoolLike {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  readonly max: number;
  readonly min: number;
  on(event: string, listener: AnyFunction): unknown;
  removeListener(event: string, listener: AnyFunction): unknown;
}

/** The parts of a knex instance nodemeter uses. @since 0.1.0 */
export interface KnexLike {
  (...args: never[]): unknown;
  readonly client: {
    pool?: TarnPoolLike | null;
    driverName?: string;
    dialect?: string;
    connectionSettings?: unknown;
    config?: { client?: unknown; connection?: unknown };
  };
  raw(sql: string): { timeout(ms: number, options?: { cancel?: boolean }): PromiseLike<unknown> };
  on(event: string, listener: AnyFunction): unknown;
  removeListener(event: string, listener: AnyFunction): unknown;
}

/** True for a knex instance (`knex({...})`), pooled or not. @since 0.1.0 */
export function isKnex(value: unknown): value is KnexLike {
  if (typeof value !== 'function') return false;
  const k = value as unknown as Record<string, unknown>;
  return (
    typeof k.client === 'object' &&
    k.client !== null &&
    typeof k.raw === 'function' &&
    typeof k.on === 'function' &&
    typeof k.removeListener === 'function'
  );
}

/** True for the tarn pool of a knex instance (knex's own `KnexPool`, or a tarn Pool it was given). */
export function isTarnPool(value: unknown): value is TarnPoolLike {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.numUsed === 'function' &&
    typeof p.numFree === 'function' &&
    typeof p.numPendingAcquires === 'function' &&
    typeof p.on === 'function' &&
    typeof p.removeListener === 'function' &&
    typeof p.max === 'number'
  );
}

interface Dialect {
  system: string;
  dialect: SqlDialect;
  product: string;
}

/** knex driver names → OTel `db.system`, the sanitizer's dialect, Spring's product name. */
const DRIVERS: Record<string, Dialect> = {
  pg: { system: 'postgresql', dialect: 'postgresql', product: 'PostgreSQL' },
  pgnative: { system: 'postgresql', dialect: 'postgresql', product: 'PostgreSQL' },
  'pg-redshift': { system: 'redshift', dialect: 'postgresql', product: 'Redshift' },
  cockroachdb: { system: 'cockroachdb', dialect: 'postgresql', product: 'CockroachDB' },
  mysql: { system: 'mysql', dialect: 'mysql', product: 'MySQL' },
  mysql2: { system: 'mysql', dialect: 'mysql', product: 'MySQL' },
  mariadb: { system: 'mariadb', dialect: 'mysql', product: 'MariaDB' },
  sqlite3: { system: 'sqlite', dialect: 'other', product: 'SQLite' },
  'better-sqlite3': { system: 'sqlite', dialect: 'other', product: 'SQLite' },
  mssql: { system: 'mssql', dialect: 'other', product: 'Microsoft SQL Server' },
  oracledb: { system: 'oracle', dialect: 'other', product: 'Oracle' },
};

function dialectOf(knex: KnexLike): Dialect {
  const driver = knex.client.driverName ?? (typeof knex.client.config?.client === 'string' ? knex.client.config.client : '');
  return DRIVERS[driver] ?? { system: knex.client.dialect ?? 'other_sql', dialect: 'other', product: knex.client.dialect ?? 'unknown' };
}

function targetOf(knex: KnexLike, dialect: Dialect, name: string): DbTarget {
  const settings = knex.client.connectionSettings;
  let database: string | undefined;
  let host: string | undefined;
  let port: number | undefined;
  if (typeof settings === 'string') {
    ({ database, host, port } = databaseOfUrl(settings));
  } else if (typeof settings === 'object' && settings !== null) {
    const s = settings as { database?: unknown; host?: unknown; port?: unknown; connectionString?: unknown };
    const url = databaseOfUrl(s.connectionString);
    database = typeof s.database === 'string' ? s.database : url.database;
    host = typeof s.host === 'string' ? s.host : url.host;
    port = s.port !== undefined && Number.isFinite(Number(s.port)) ? Number(s.port) : url.port;
  }
  return { system: dialect.system, dialect: dialect.dialect, database: database || undefined, host, port, pool: name };
}

/** tarn's TimeoutError has no own `name`; its class is the mark. */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.constructor?.name === 'TimeoutError' || err.name === 'TimeoutError');
}

/** In-flight query spans are bounded: a query whose end event never comes (a timed-out runner) is dropped. */
const MAX_IN_FLIGHT = 10_000;

interface KnexQueryEvent {
  __knexQueryUid?: unknown;
  sql?: unknown;
}

/** Binds a knex instance's tarn pool and query events; see the file comment. @since 0.1.0 */
export function bindKnex(deps: DbDeps, knex: KnexLike, pool: TarnPoolLike, options: ResolvedPoolOptions): Unbind {
  const closers = new Closers(deps.diag, `pool ${options.name}`);
  try {
    bind(deps, knex, pool, options, closers);
  } catch (err) {
    closers.run();
    throw err;
  }
  return () => closers.run();
}

function bind(deps: DbDeps, knex: KnexLike, pool: TarnPoolLike, options: ResolvedPoolOptions, closers: Closers): void {
  const dialect = dialectOf(knex);
  const target = targetOf(knex, dialect, options.name);
  let product = dialect.product;
  // MySQL or MariaDB: told by the server's handshake, read from the first connection handed out.
  let productKnown = dialect.system !== 'mysql';

  const stats: PoolStats = {
    total: () => pool.numUsed() + pool.numFree(),
    active: () => pool.numUsed(),
    idle: () => pool.numFree(),
    pending: () => pool.numPendingAcquires(),
    max: () => pool.max,
    min: () => pool.min,
  };
  const meters = new HikariPoolBinder(options.name, stats, statErrorReporter(deps.diag, options.name));
  closers.add(meters.bindTo(deps.registry));

  // --- pool events -------------------------------------------------------------------------------------------
  const acquires = new Map<number, number>();
  const creates = new Map<number, number>();
  const listeners: [string, AnyFunction][] = [
    ['acquireRequest', (id: number) => acquires.set(id, performance.now())],
    [
      'acquireSuccess',
      (id: number, connection: unknown) => {
        const now = performance.now();
        const start = acquires.get(id);
        if (start !== undefined) {
          acquires.delete(id);
          meters.acquire.record(secondsSince(start, now));
        }
        if (typeof connection === 'object' && connection !== null) {
          (connection as { [kCheckout]?: number })[kCheckout] = now;
          if (!productKnown) {
            product = mysqlProductName(connection);
            productKnown = true;
          }
        }
      },
    ],
    [
      'acquireFail',
      (id: number, err: unknown) => {
        const start = acquires.get(id);
        acquires.delete(id);
        if (isTimeout(err)) {
          if (start !== undefined) meters.acquire.record(secondsSince(start));
          meters.timeout();
        }
      },
    ],
    [
      'release',
      (connection: unknown) => {
        if (typeof connection !== 'object' || connection === null) return;
        const c = connection as { [kCheckout]?: number };
        const mark = c[kCheckout];
        if (mark === undefined || mark === 0) return;
        c[kCheckout] = 0;
        meters.usage.record(secondsSince(mark));
      },
    ],
    ['createRequest', (id: number) => creates.set(id, performance.now())],
    [
      'createSuccess',
      (id: number) => {
        const start = creates.get(id);
        if (start === undefined) return;
        creates.delete(id);
        meters.creation.record(secondsSince(start));
      },
    ],
    [
      'createFail',
      (id: number) => {
        const start = creates.get(id);
        if (start === undefined) return;
        creates.delete(id);
        meters.creation.record(secondsSince(start));
      },
    ],
  ];
  for (const [event, listener] of listeners) pool.on(event, listener);
  closers.add(() => {
    for (const [event, listener] of listeners) pool.removeListener(event, listener);
    acquires.clear();
    creates.clear();
  });

  // --- spans: knex's query events ----------------------------------------------------------------------------
  if (options.querySpans) {
    const observer = new QueryObserver(deps.observations, target);
    const inFlight = new Map<string, DbQueryContext>();
    const onQuery = (event: KnexQueryEvent): void => {
      const uid = event.__knexQueryUid;
      if (typeof uid !== 'string' || typeof event.sql !== 'string') return;
      const ctx = observer.begin(event.sql);
      if (ctx === undefined) return;
      if (inFlight.size >= MAX_IN_FLIGHT) {
        const oldest = inFlight.keys().next().value as string;
        inFlight.delete(oldest);
      }
      inFlight.set(uid, ctx);
    };
    const finish = (event: KnexQueryEvent | undefined, err: unknown): void => {
      const uid = event?.__knexQueryUid;
      if (typeof uid !== 'string') return;
      const ctx = inFlight.get(uid);
      if (ctx === undefined) return;
      inFlight.delete(uid);
      observer.end(ctx, err);
    };
    const onResponse = (_response: unknown, event: KnexQueryEvent): void => finish(event, undefined);
    const onError = (err: unknown, event: KnexQueryEvent): void => finish(event, err ?? new Error('query failed'));
    knex.on('query', onQuery);
    knex.on('query-response', onResponse);
    knex.on('query-error', onError);
    closers.add(() => {
      knex.removeListener('query', onQuery);
      knex.removeListener('query-response', onResponse);
      knex.removeListener('query-error', onError);
      inFlight.clear();
    });
  }

  // --- health: knex acquires, runs and releases; a query that overruns is given up (knex then disposes of its
  // connection instead of pooling it again) ------------------------------------------------------------------
  const health = options.health;
  if (health !== undefined) {
    const indicator = new PoolHealthIndicator(async () => {
      await knex.raw(health.query).timeout(health.timeoutMs, { cancel: false });
      return { database: product, validationQuery: health.query };
    }, health.timeoutMs);
    closers.add(registerPoolHealth(deps.health, options.name, () => indicator.check()));
  }
}
