/**
 * bindPool with the real driver objects, no database: detection, options, names, symmetric wrapping and
 * unwrapping, never ending the pool. generic-pool over in-memory resources and pg-pool over an in-memory Client
 * (pg-pool's `Client` option) exercise the meters, spans and health end to end; pg against a closed port
 * exercises a failing database.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import genericPool from 'generic-pool';
import knexFactory from 'knex';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { createHealthRegistry } from '../../../src/health/registry.js';
import { Diag } from '../../../src/core/diag.js';
import { isNodemeterError } from '../../../src/core/errors.js';
import { bindPool, poolKindOf } from '../../../src/db/index.js';
import { PrometheusMeterRegistry } from '../../../src/metrics/registry.js';
import { MeterObservationHandler } from '../../../src/observation/handlers/meter.js';
import { TracingObservationHandler } from '../../../src/observation/handlers/tracing.js';
import { createObservationRegistry } from '../../../src/observation/registry.js';
import { waitFor } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';
import { find } from '../../helpers/series.js';

const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
after(() => {
  context.disable();
});

function newDeps(options: { tracing?: boolean } = {}) {
  const messages: string[] = [];
  const diag = new Diag('debug', (level, m) => messages.push(`${level} ${m}`));
  const registry = new PrometheusMeterRegistry({ application: 'unit' }, diag);
  const observations = createObservationRegistry(diag);
  observations.addHandler(new MeterObservationHandler(registry, diag));
  if (options.tracing) observations.addHandler(new TracingObservationHandler(tracer));
  return { registry, health: createHealthRegistry(), observations, diag, messages };
}

function value(text: string, name: string, pool: string): number | undefined {
  return find(text, name, { pool })?.value;
}

const CLOSED = 'postgres://nobody@127.0.0.1:1/nowhere';

test('pools are recognized by shape: pg, mysql2 (callback and promise), knex, generic-pool', async () => {
  const pgPool = new pg.Pool({ connectionString: CLOSED });
  const mysqlPool = mysql.createPool({ uri: 'mysql://nobody@127.0.0.1:1/nowhere' });
  const promisePool = mysqlPromise.createPool({ uri: 'mysql://nobody@127.0.0.1:1/nowhere' });
  const knex = knexFactory({ client: 'pg', connection: CLOSED });
  const generic = genericPool.createPool({ create: async () => ({}), destroy: async () => undefined });
  assert.equal(poolKindOf(pgPool), 'pg');
  assert.equal(poolKindOf(mysqlPool), 'mysql2');
  assert.equal(poolKindOf(mysqlPool.promise()), 'mysql2');
  assert.equal(poolKindOf(promisePool), 'mysql2');
  assert.equal(poolKindOf(knex), 'knex');
  assert.equal(poolKindOf(generic), 'generic-pool');
  await Promise.all([pgPool.end(), promisePool.end(), knex.destroy(), generic.drain()]);
  await new Promise((r) => mysqlPool.end(r));
});

test('anything else is NM_ERR_DB_UNSUPPORTED_POOL; bad options are NM_ERR_CONFIG_INVALID', async () => {
  const deps = newDeps();
  const knexNoPool = knexFactory({ client: 'pg' });
  const nativePool = new pg.Pool({ connectionString: CLOSED });
  const knexOverNative = knexFactory({ client: 'pg', connectionPool: nativePool } as never);
  for (const [what, pool] of [
    ['a pg.Client', new pg.Client({ connectionString: CLOSED })],
    ['an object', {}],
    ['null', null],
    ['a number', 42],
    ['a function', () => undefined],
    ['a knex without pool', knexNoPool],
    ['a knex over a driver pool', knexOverNative],
  ] as const) {
    assert.throws(
      () => bindPool(deps, pool),
      (err: unknown) => isNodemeterError(err) && err.code === 'NM_ERR_DB_UNSUPPORTED_POOL' && /nm\.db\.bind\(\) takes a pg\.Pool/.test(err.message),
      what,
    );
  }
  assert.match(String(captured(() => bindPool(deps, new pg.Client()))), /cannot bind a Client/);
  const pool = new pg.Pool({ connectionString: CLOSED });
  for (const options of [{ name: '' }, { health: 'yes' }, { health: { timeoutMs: -1 } }, { health: { query: ' ' } }, { querySpans: 'no' }]) {
    assert.throws(
      () => bindPool(deps, pool, options as never),
      (err: unknown) => isNodemeterError(err) && err.code === 'NM_ERR_CONFIG_INVALID',
      JSON.stringify(options),
    );
  }
  assert.equal(parseExposition(await deps.registry.scrape()).filter((s) => s.name.startsWith('hikaricp')).length, 0, 'nothing was bound');
  await Promise.all([pool.end(), knexNoPool.destroy(), knexOverNative.destroy(), nativePool.end()]);
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

test('names: HikariPool-<n> by default, kept by a pool bound again; a taken name gets a suffix and a warning', async () => {
  const deps = newDeps();
  const a = new pg.Pool({ connectionString: CLOSED });
  const b = new pg.Pool({ connectionString: CLOSED });
  const unbindA = bindPool(deps, a, { health: false });
  const unbindB = bindPool(deps, b, { health: false });
  let text = await deps.registry.scrape();
  const names = parseExposition(text).filter((s) => s.name === 'hikaricp_connections').map((s) => s.labels.pool!);
  assert.equal(names.length, 2);
  const [na, nb] = names.map((n) => Number(/^HikariPool-(\d+)$/.exec(n)![1]));
  assert.equal(nb, na! + 1, 'numbered in bind order');
  unbindA();
  const again = bindPool(deps, a, { health: false });
  text = await deps.registry.scrape();
  assert.ok(find(text, 'hikaricp_connections', { pool: `HikariPool-${na}` }), 'the same pool keeps its number');

  const c = new pg.Pool({ connectionString: CLOSED });
  const unbindC = bindPool(deps, c, { name: `HikariPool-${nb}`, health: false });
  text = await deps.registry.scrape();
  assert.ok(find(text, 'hikaricp_connections', { pool: `HikariPool-${nb}-2` }));
  assert.ok(deps.messages.some((m) => m.startsWith('warn') && m.includes(`HikariPool-${nb}-2`)), deps.messages.join('\n'));
  for (const u of [again, unbindB, unbindC]) u();
  await Promise.all([a.end(), b.end(), c.end()]);
});

/**
 * Own properties (functions and constructors by identity, other values by type) and listener counts, to compare
 * an object before binding and after unbinding.
 */
function ownState(o: object): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(o)) {
    const v = (o as Record<string | symbol, unknown>)[key];
    state[String(key)] = typeof v === 'function' ? v : typeof v;
  }
  if (o instanceof EventEmitter) state.listeners = o.eventNames().map((e) => [String(e), o.listenerCount(e)]);
  return state;
}

test('binding twice is idempotent; unbind restores every wrapped object exactly and never ends the pool', async () => {
  const deps = newDeps({ tracing: true });
  const pgPool = new pg.Pool({ connectionString: CLOSED });
  const mysqlPool = mysql.createPool({ uri: 'mysql://nobody@127.0.0.1:1/nowhere' });
  const generic = genericPool.createPool({ create: async () => ({}), destroy: async () => undefined });
  const knex = knexFactory({ client: 'pg', connection: CLOSED });
  const tarn = knex.client.pool as unknown as { emitter: EventEmitter };
  const knexEmitter = knex as unknown as EventEmitter;
  const before = {
    pg: ownState(pgPool),
    mysql: ownState(mysqlPool),
    generic: ownState(generic),
    tarn: tarn.emitter.eventNames().map((e) => [e, tarn.emitter.listenerCount(e)]),
    knex: ['query', 'query-response', 'query-error'].map((e) => knexEmitter.listenerCount(e)),
  };
  const unbinds = [pgPool, mysqlPool, generic, knex].map((p) => bindPool(deps, p));
  const clientOf = (p: pg.Pool) => (p as unknown as { Client: unknown }).Client as { name: string };
  assert.equal(clientOf(pgPool).name, 'Client');
  assert.notEqual(clientOf(pgPool), pg.Client, 'creation is timed by a subclass on this pool only');
  assert.ok(Object.hasOwn(pgPool, 'connect') && !Object.hasOwn(pg.Pool.prototype, 'nodemeter'));
  const wrappedConnect = pgPool.connect;
  assert.equal(bindPool(deps, pgPool), unbinds[0], 'the same binding');
  assert.equal(bindPool(deps, mysqlPool.promise()), unbinds[1], 'the promise pool is its core pool');
  assert.equal(pgPool.connect, wrappedConnect, 'not wrapped twice');
  assert.ok(knexEmitter.listenerCount('query') > before.knex[0]!);
  for (const unbind of unbinds) {
    unbind();
    unbind();
  }
  assert.deepEqual(ownState(pgPool), before.pg);
  assert.equal(clientOf(pgPool), pg.Client);
  assert.deepEqual(ownState(mysqlPool), before.mysql);
  assert.deepEqual(ownState(generic), before.generic);
  assert.deepEqual(tarn.emitter.eventNames().map((e) => [e, tarn.emitter.listenerCount(e)]), before.tarn);
  assert.deepEqual(['query', 'query-response', 'query-error'].map((e) => knexEmitter.listenerCount(e)), before.knex);
  assert.equal(pgPool.ending, false, 'the pool is the caller\'s');
  assert.equal((generic as unknown as { _draining: boolean })._draining, false);
  assert.deepEqual(parseExposition(await deps.registry.scrape()).filter((s) => s.name.startsWith('hikaricp')), []);
  assert.deepEqual(Object.keys((await deps.health.check()).components ?? {}), ['ping']);
  await Promise.all([pgPool.end(), knex.destroy(), generic.drain()]);
  await new Promise((r) => mysqlPool.end(r));
});

test('pg against a closed port: creation failures are timed, nothing stays active, health is DOWN with the error', async () => {
  const deps = newDeps();
  const pool = new pg.Pool({ connectionString: CLOSED, max: 1 });
  const unbind = bindPool(deps, pool, { name: 'closed', health: { timeoutMs: 2000 } });
  await assert.rejects(pool.connect(), /ECONNREFUSED/);
  await assert.rejects(pool.query('SELECT 1'), /ECONNREFUSED/);
  const health = await deps.health.check();
  assert.equal(health.status, 'DOWN');
  const db = health.components!.db!;
  assert.equal(db.status, 'DOWN');
  assert.match(String(db.details?.error), /ECONNREFUSED/);
  const text = await deps.registry.scrape();
  assert.equal(value(text, 'hikaricp_connections_creation_seconds_count', 'closed'), 3, 'three failed attempts, timed');
  assert.equal(value(text, 'hikaricp_connections_acquire_seconds_count', 'closed'), 0, 'no connection was acquired');
  assert.equal(value(text, 'hikaricp_connections_timeout_total', 'closed'), 0, 'refused is not a timeout');
  assert.equal(value(text, 'hikaricp_connections_active', 'closed'), 0);
  assert.equal(value(text, 'hikaricp_connections', 'closed'), 0);
  unbind();
  await pool.end();
});

// --- generic-pool over in-memory resources -----------------------------------------------------------------

interface Resource {
  id: number;
}

function memoryPool(options: genericPool.Options, failCreate: { error?: Error } = {}) {
  let n = 0;
  const factory = {
    create: () =>
      new Promise<Resource>((resolve, reject) =>
        setTimeout(() => (failCreate.error ? reject(failCreate.error) : resolve({ id: ++n })), 5),
      ),
    destroy: async () => undefined,
  };
  return { pool: genericPool.createPool(factory, options), factory };
}

test('generic-pool: gauges, acquire/usage/creation timers and acquire timeouts', async () => {
  const deps = newDeps();
  const { pool, factory } = memoryPool({ max: 2, min: 0, acquireTimeoutMillis: 60 });
  const unbind = bindPool(deps, pool, { name: 'mem', health: false });
  assert.notEqual((pool as unknown as { _factory: unknown })._factory, factory, 'a timed delegate');
  const a = await pool.acquire();
  const b = await pool.acquire();
  const third = pool.acquire();
  let text = await deps.registry.scrape();
  assert.deepEqual(
    ['hikaricp_connections', 'hikaricp_connections_active', 'hikaricp_connections_idle', 'hikaricp_connections_pending', 'hikaricp_connections_max'].map((n) =>
      value(text, n, 'mem'),
    ),
    [2, 2, 0, 1, 2],
  );
  await assert.rejects(third, (err: Error) => err.name === 'TimeoutError');
  const heldFor = performance.now();
  await pool.release(a);
  await pool.destroy(b);
  text = await deps.registry.scrape();
  assert.equal(value(text, 'hikaricp_connections_timeout_total', 'mem'), 1);
  assert.equal(value(text, 'hikaricp_connections_acquire_seconds_count', 'mem'), 3, 'two handed over, one timed out');
  assert.ok(value(text, 'hikaricp_connections_acquire_seconds_max', 'mem')! >= 0.055, 'the timed-out wait is the longest');
  assert.equal(value(text, 'hikaricp_connections_usage_seconds_count', 'mem'), 2, 'release and destroy both end a usage');
  assert.ok(value(text, 'hikaricp_connections_usage_seconds_sum', 'mem')! >= 0.11, 'both held through the 60 ms timeout');
  assert.equal(value(text, 'hikaricp_connections_creation_seconds_count', 'mem'), 2);
  assert.ok(value(text, 'hikaricp_connections_creation_seconds_sum', 'mem')! >= 0.008, 'each creation takes ~5 ms');
  assert.equal(value(text, 'hikaricp_connections_active', 'mem'), 0);
  void heldFor;
  // pool.use() goes through the same wrappers.
  await pool.use(async () => undefined);
  text = await deps.registry.scrape();
  assert.equal(value(text, 'hikaricp_connections_usage_seconds_count', 'mem'), 3);
  unbind();
  assert.equal((pool as unknown as { _factory: unknown })._factory, factory, 'the caller\'s factory is back');
  await pool.drain();
  await pool.clear();
});

test('generic-pool health: UP through acquire; while the factory fails, DOWN with the factory\'s error; no acquires pile up', async () => {
  const deps = newDeps();
  const failing: { error?: Error } = {};
  const { pool } = memoryPool({ max: 1, min: 0 }, failing);
  const unbind = bindPool(deps, pool, { name: 'mem', health: { timeoutMs: 100 } });
  let health = await deps.health.check();
  assert.deepEqual(health.components?.db, { status: 'UP', details: { validationQuery: 'acquire()' } });
  // The one resource goes away; new ones cannot be made.
  await pool.destroy(await pool.acquire());
  failing.error = new Error('database unreachable');
  health = await deps.health.check();
  assert.deepEqual(health.components?.db, { status: 'DOWN', details: { error: 'Error: database unreachable' } });
  health = await deps.health.check();
  assert.equal(health.components?.db?.status, 'DOWN');
  assert.equal(pool.pending, 1, 'one validation waits for a resource, not one per check');
  failing.error = undefined;
  await waitFor('UP again', async () => ((await deps.health.check()).components?.db?.status === 'UP' ? true : undefined), 5000, 20);
  assert.equal(pool.borrowed, 0, 'the validation gave its resource back');
  unbind();
  await pool.drain();
  await pool.clear();
});

test('the db component: one pool is `db` itself, several are its components (Spring\'s composite)', async () => {
  const deps = newDeps();
  const one = memoryPool({ max: 1 }).pool;
  const two = memoryPool({ max: 1 }).pool;
  const closed = new pg.Pool({ connectionString: CLOSED });
  const u1 = bindPool(deps, one, { name: 'one' });
  let health = await deps.health.check();
  assert.deepEqual(Object.keys(health.components!), ['db', 'ping']);
  assert.equal(health.components!.db!.status, 'UP');
  const u2 = bindPool(deps, two, { name: 'two' });
  const u3 = bindPool(deps, closed, { name: 'closed' });
  health = await deps.health.check();
  const db = health.components!.db as { status: string; components?: Record<string, { status: string }> };
  assert.equal(db.status, 'DOWN');
  assert.deepEqual(Object.fromEntries(Object.entries(db.components!).map(([k, v]) => [k, v.status])), { closed: 'DOWN', one: 'UP', two: 'UP' });
  u3();
  u2();
  health = await deps.health.check();
  assert.deepEqual(health.components!.db, { status: 'UP', details: { validationQuery: 'acquire()' } });
  u1();
  assert.deepEqual(Object.keys((await deps.health.check()).components!), ['ping']);
  await Promise.all([one.drain(), two.drain(), closed.end()]);
});

// --- pg-pool over an in-memory Client: spans without a database --------------------------------------------

class MemoryClient extends EventEmitter {
  static connects = 0;
  _queryable = true;
  _ending = false;
  readonly connectionParameters = {};
  connect(cb: (err?: Error) => void): void {
    MemoryClient.connects++;
    setTimeout(() => cb(), 2);
  }
  query(text: unknown, values?: unknown, cb?: (err: Error | null, res?: unknown) => void): unknown {
    if (typeof values === 'function') {
      cb = values as typeof cb;
      values = undefined;
    }
    const statement = typeof text === 'string' ? text : (text as { text: string }).text;
    const error = statement.includes('boom') ? new Error('syntax error at "boom"') : null;
    const result = { rows: [{ values }] };
    if (cb) {
      setImmediate(() => cb!(error, error ? undefined : result));
      return undefined;
    }
    return new Promise((resolve, reject) => setImmediate(() => (error ? reject(error) : resolve(result))));
  }
  end(cb?: () => void): void {
    this._ending = true;
    setImmediate(() => cb?.());
  }
}

test('pg query spans: CLIENT children of the current span, sanitized, callback and promise forms; none outside a sampled span', async () => {
  exporter.reset();
  const deps = newDeps({ tracing: true });
  const pool = new pg.Pool({ Client: MemoryClient as never, database: 'orders', host: 'db.local', port: 5433, max: 2 } as never);
  const unbind = bindPool(deps, pool, { name: 'orders-db', health: false });
  const parentIds: (string | undefined)[] = [];
  await tracer.startActiveSpan('request', async (parent) => {
    await pool.query("SELECT * FROM orders WHERE id = $1 AND note = 'private'", [41]);
    const client = await pool.connect();
    await new Promise<void>((resolve, reject) =>
      client.query('UPDATE orders SET total = 99.5 WHERE id = $1', [7], (err) => {
        // The callback runs in the caller's context, not the driver's.
        parentIds.push(trace.getActiveSpan()?.spanContext().spanId);
        return err ? reject(err) : resolve();
      }),
    );
    await assert.rejects(client.query('SELECT boom'), /syntax error/);
    await client.query({ text: 'DELETE FROM orders WHERE id = 3' });
    client.release();
    parentIds.push(parent.spanContext().spanId);
    parent.end();
  });
  await pool.query('SELECT 1 AS outside_any_span');
  const unsampled = trace.setSpanContext(context.active(), { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE });
  await context.with(unsampled, () => pool.query('SELECT 2 AS unsampled'));

  const spans = exporter.getFinishedSpans();
  const parent = spans.find((s) => s.name === 'request')!;
  const queries = spans.filter((s) => s.name !== 'request');
  assert.deepEqual(
    queries.map((s) => [s.name, s.kind, s.attributes['db.statement'], s.status.code]),
    [
      ['SELECT orders', 2, 'SELECT * FROM orders WHERE id = $1 AND note = ?', 0],
      ['UPDATE orders', 2, 'UPDATE orders SET total = ? WHERE id = $1', 0],
      ['SELECT orders', 2, 'SELECT boom', 2],
      ['DELETE orders', 2, 'DELETE FROM orders WHERE id = ?', 0],
    ],
  );
  for (const span of queries) {
    assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.deepEqual(
      [span.attributes['db.system'], span.attributes['db.name'], span.attributes['server.address'], span.attributes['server.port'], span.attributes['peer.service']],
      ['postgresql', 'orders', 'db.local', '5433', 'postgresql'],
    );
    assert.ok(!JSON.stringify(span.attributes).includes('41'), 'no bind parameter');
  }
  assert.equal(parentIds[0], parentIds[1], 'the query callback ran in the request\'s context');
  const text = await deps.registry.scrape();
  assert.ok(!parseExposition(text).some((s) => s.name.startsWith('db_query')), 'no meter for queries');
  assert.equal(value(text, 'hikaricp_connections_usage_seconds_count', 'orders-db'), 4);
  assert.equal(value(text, 'hikaricp_connections_creation_seconds_count', 'orders-db'), MemoryClient.connects);
  unbind();
  const restored = await pool.connect();
  assert.ok(!Object.hasOwn(restored, 'query'), 'the client\'s query method is its own again');
  restored.release();
  await pool.end();
});

test('querySpans: off by default without tracing, off when asked; on when asked even if tracing is added later', async () => {
  exporter.reset();
  const deps = newDeps();
  const pool = new pg.Pool({ Client: MemoryClient as never, max: 1 } as never);
  const unbind = bindPool(deps, pool, { name: 'p', health: false });
  const client = await pool.connect();
  assert.ok(!Object.hasOwn(client, 'query'), 'no tracing: queries are not wrapped at all');
  client.release();
  unbind();
  const traced = newDeps({ tracing: true });
  const off = bindPool(traced, pool, { name: 'p', health: false, querySpans: false });
  await tracer.startActiveSpan('request', async (span) => {
    await pool.query('SELECT 1');
    span.end();
  });
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ['request']);
  off();
  exporter.reset();
  const late = newDeps();
  const on = bindPool(late, pool, { name: 'p', health: false, querySpans: true });
  await tracer.startActiveSpan('before tracing', async (span) => {
    await pool.query('SELECT 2');
    span.end();
  });
  late.observations.addHandler(new TracingObservationHandler(tracer));
  await tracer.startActiveSpan('with tracing', async (span) => {
    await pool.query('SELECT 3');
    span.end();
  });
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ['before tracing', 'SELECT', 'with tracing'], 'no database name: the operation alone');
  on();
  await pool.end();
});
