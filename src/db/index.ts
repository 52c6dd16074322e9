/**
 * nodemeter's database pool integration: one call binds a pool the application created and keeps owning.
 *
 *   const pool = new pg.Pool({ max: 10 });
 *   nm.db.bind(pool, { name: 'orders-db' });     // hikaricp_* series {pool="orders-db"}, `db` health, query spans
 *
 *   bindPool(deps, pool, options)
 *     ├─ knex instance ───────► knex.ts          (tarn pool events, knex query events)
 *     ├─ mysql2 promise pool ─► mysql2.ts         (its core pool: the same thing is bound)
 *     ├─ mysql2 pool ─────────► mysql2.ts
 *     ├─ pg.Pool ─────────────► pg.ts
 *     ├─ generic-pool Pool ───► generic-pool.ts
 *     └─ anything else ───────► NodemeterError NM_ERR_DB_UNSUPPORTED_POOL
 *
 * Drivers are never imported: pools are recognized by shape. Binding a pool that is already bound returns the
 * existing binding's unbind (idempotent); unbinding removes the pool's series, health check and wrappers and never
 * ends the pool.
 */
import { NodemeterError } from '../core/errors.js';
import { Warnings } from '../core/warnings.js';
import type { Unbind } from '../metrics/binder.js';
import type { DbDeps, ResolvedPoolOptions } from './binding.js';
import { DB_QUERY_CONVENTION } from './conventions.js';
import { DbQueryContext } from './context.js';
import { bindGenericPool, isGenericPool } from './generic-pool.js';
import { DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_VALIDATION_QUERY, type DbHealthOptions } from './health.js';
import { bindKnex, isKnex, isTarnPool } from './knex.js';
import { bindMysql2, isMysql2Pool, isMysql2PromisePool } from './mysql2.js';
import { bindPg, isPgPool } from './pg.js';
import { isPoolNameBound } from './pool-binder.js';

export type { DbDeps } from './binding.js';
export type { DbHealthOptions } from './health.js';
export { DbQueryContext, type DbTarget } from './context.js';
export { DbQueryConvention } from './conventions.js';
export { hikariMetricNames, HikariPoolBinder, type PoolStats } from './pool-binder.js';
export { sanitizeSql, sqlOperation, type SqlDialect } from './sanitize.js';

/** Options of `nm.db.bind(pool, options)`. @since 0.1.0 */
export interface DbBindOptions {
  /** The `pool` tag of the series and the health component name. Default `HikariPool-<n>`, as HikariCP's. */
  name?: string;
  /** The health check under the `db` component: false to leave it out; default `SELECT 1` within 3000 ms. */
  health?: boolean | DbHealthOptions;
  /** CLIENT spans for queries under the current span. Default: on when tracing is on (not for generic-pool). */
  querySpans?: boolean;
}

/** The kinds of pool nodemeter binds. @since 0.1.0 */
export type PoolKind = 'pg' | 'mysql2' | 'knex' | 'generic-pool';

interface Detected {
  kind: PoolKind;
  /** The object whose state is measured: the one a second bind must recognize (a promise pool's core pool). */
  key: object;
  bind(deps: DbDeps, options: ResolvedPoolOptions): Unbind;
}

function detect(pool: unknown): Detected | undefined {
  if (isKnex(pool)) {
    const tarn = pool.client.pool;
    if (!isTarnPool(tarn)) return undefined;
    return { kind: 'knex', key: tarn, bind: (deps, options) => bindKnex(deps, pool, tarn, options) };
  }
  if (isMysql2PromisePool(pool)) {
    const core = pool.pool;
    return { kind: 'mysql2', key: core, bind: (deps, options) => bindMysql2(deps, core, options) };
  }
  if (isMysql2Pool(pool)) return { kind: 'mysql2', key: pool, bind: (deps, options) => bindMysql2(deps, pool, options) };
  if (isPgPool(pool)) return { kind: 'pg', key: pool, bind: (deps, options) => bindPg(deps, pool, options) };
  if (isGenericPool(pool)) return { kind: 'generic-pool', key: pool, bind: (deps, options) => bindGenericPool(deps, pool, options) };
  return undefined;
}

/** The kind of pool `pool` is, or undefined when nodemeter cannot bind it. @since 0.1.0 */
export function poolKindOf(pool: unknown): PoolKind | undefined {
  return detect(pool)?.kind;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return isKnex(value) ? 'a knex instance without a tarn pool' : 'a function';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Pools bound now, by the object measured. */
const bindings = new WeakMap<object, { deps: DbDeps; name: string; unbind: Unbind }>();
/** Default names handed out, by pool: a pool bound again (after a restart of instrumentation) keeps its name. */
const defaultNames = new WeakMap<object, string>();
let poolNumber = 0;

function invalid(option: string, expected: string, got: unknown): NodemeterError {
  return new NodemeterError('NM_ERR_CONFIG_INVALID', `option "${option}" of nm.db.bind() must be ${expected}, got ${JSON.stringify(got)}`);
}

function resolveHealth(health: DbBindOptions['health']): ResolvedPoolOptions['health'] {
  if (health === false) return undefined;
  if (health === undefined || health === true) return { query: DEFAULT_VALIDATION_QUERY, timeoutMs: DEFAULT_HEALTH_TIMEOUT_MS };
  if (typeof health !== 'object' || health === null) throw invalid('health', 'a boolean or { query, timeoutMs }', health);
  if (health.query !== undefined && (typeof health.query !== 'string' || health.query.trim() === '')) {
    throw invalid('health.query', 'a non-empty string', health.query);
  }
  if (health.timeoutMs !== undefined && !(typeof health.timeoutMs === 'number' && health.timeoutMs > 0 && Number.isFinite(health.timeoutMs))) {
    throw invalid('health.timeoutMs', 'a positive number of milliseconds', health.timeoutMs);
  }
  return { query: health.query ?? DEFAULT_VALIDATION_QUERY, timeoutMs: health.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS };
}

/** Whether some observation handler takes DB query contexts (with meters opted out: tracing is on). */
function tracingTakesQueries(deps: DbDeps): boolean {
  const probe = new DbQueryContext('', { system: 'other_sql', dialect: 'other', database: undefined, host: undefined, port: undefined, pool: '' }, DB_QUERY_CONVENTION);
  return deps.observations.handlers.some((h) => h.supportsContext(probe));
}

/**
 * Binds a connection pool: HikariCP meters tagged `pool=<name>`, a health check under `db`, query spans. Returns
 * the function that unbinds it (the pool itself is never ended). Throws NM_ERR_DB_UNSUPPORTED_POOL for an object
 * that is none of pg.Pool, a mysql2 pool or promise pool, a knex instance, a generic-pool Pool.
 * @since 0.1.0
 */
export function bindPool(deps: DbDeps, pool: unknown, options: DbBindOptions = {}): Unbind {
  const detected = detect(pool);
  if (detected === undefined) {
    throw new NodemeterError(
      'NM_ERR_DB_UNSUPPORTED_POOL',
      `cannot bind ${describe(pool)}: nm.db.bind() takes a pg.Pool, a mysql2 pool or promise pool, a knex instance ` +
        '(with its own pool) or a generic-pool Pool',
    );
  }
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw invalid('name', 'a non-empty string', options.name);
  }
  if (options.querySpans !== undefined && typeof options.querySpans !== 'boolean') {
    throw invalid('querySpans', 'a boolean', options.querySpans);
  }
  const health = resolveHealth(options.health);

  const existing = bindings.get(detected.key);
  if (existing !== undefined) {
    if (existing.deps.registry === deps.registry) {
      deps.diag.debug(`pool ${existing.name} is already bound; the existing binding is kept`);
      return existing.unbind;
    }
    deps.diag.warn(Warnings.DB_POOL_BOUND_ELSEWHERE, existing.name, `bound:${existing.name}`);
    return () => {};
  }

  let name = options.name;
  if (name === undefined) {
    name = defaultNames.get(detected.key);
    if (name === undefined) {
      name = `HikariPool-${++poolNumber}`;
      defaultNames.set(detected.key, name);
    }
  }
  if (isPoolNameBound(deps.registry, name)) {
    let n = 2;
    while (isPoolNameBound(deps.registry, `${name}-${n}`)) n++;
    const taken = name;
    name = `${name}-${n}`;
    deps.diag.warn(Warnings.DB_POOL_NAME_TAKEN, { taken, name }, `name:${taken}`);
  }

  const querySpans = detected.kind === 'generic-pool' ? false : (options.querySpans ?? tracingTakesQueries(deps));
  const unbindPool = detected.bind(deps, { name, health, querySpans });
  let unbound = false;
  const unbind: Unbind = () => {
    if (unbound) return;
    unbound = true;
    if (bindings.get(detected.key)?.unbind === unbind) bindings.delete(detected.key);
    unbindPool();
  };
  bindings.set(detected.key, { deps, name, unbind });
  return unbind;
}
