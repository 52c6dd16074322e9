// @backends postgres mariadb zipkin
/**
 * DB pool binders against real PostgreSQL and MariaDB, for pg, mysql2 (callback and promise), knex (pg and mysql2)
 * and generic-pool (of pg clients): the HikariCP series while connections are held, waited for and timed out;
 * query spans in Zipkin as children of the request's span; health DOWN while PostgreSQL is stopped, UP again after.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import express from 'express';
import genericPool from 'generic-pool';
import knexFactory, { type Knex } from 'knex';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { Diag } from '../../src/core/diag.js';
import { createHealthRegistry } from '../../src/health/registry.js';
import { PrometheusMeterRegistry } from '../../src/metrics/registry.js';
import { createObservationRegistry } from '../../src/observation/registry.js';
import { bindPool, type DbBindOptions } from '../../src/db/index.js';
import { instrument, type Nodemeter } from '../../src/index.js';
import { stack } from '../helpers/stack.js';
import { close, waitFor } from '../helpers/http.js';
import { parseExposition } from '../helpers/registry.js';
import { find } from '../helpers/series.js';
import { requireZipkin, waitForTrace, ZIPKIN_URL, type ZipkinSpan } from '../helpers/zipkin.js';
import { untracedFetch } from '../helpers/untraced.js';

const POSTGRES_URL = process.env.POSTGRES_URL ?? '';
const MARIADB_URL = process.env.MARIADB_URL ?? '';

before(() => {
  if (!POSTGRES_URL || !MARIADB_URL) throw new Error('POSTGRES_URL and MARIADB_URL must be set (npm test starts the stack)');
  requireZipkin();
});

/** A registry of its own per driver test, so each scrape holds only that test's pools. */
function newDeps() {
  const messages: string[] = [];
  const diag = new Diag('debug', (level, m) => messages.push(`${level} ${m}`));
  return {
    registry: new PrometheusMeterRegistry({ application: 'db-test' }, diag),
    health: createHealthRegistry(),
    observations: createObservationRegistry(diag),
    diag,
    messages,
  };
}

type Deps = ReturnType<typeof newDeps>;

function value(text: string, name: string, pool: string): number | undefined {
  return find(text, name, { pool })?.value;
}

/** Polls the scrape until every listed series has exactly the given value. */
async function waitForValues(deps: Deps, pool: string, want: Record<string, number>): Promise<string> {
  let last = '';
  try {
    return await waitFor(
      `${pool}: ${JSON.stringify(want)}`,
      async () => {
        last = await deps.registry.scrape();
        return Object.entries(want).every(([name, v]) => value(last, name, pool) === v) ? last : undefined;
      },
      10_000,
      10,
    );
  } catch (err) {
    const have = Object.fromEntries(Object.keys(want).map((name) => [name, value(last, name, pool)]));
    throw new Error(`${String(err)}; last values ${JSON.stringify(have)}`);
  }
}

interface Totals {
  acquireCount: number;
  acquireSum: number;
  usageCount: number;
  usageSum: number;
  creationCount: number;
  creationSum: number;
  timeouts: number;
}

function totals(text: string, pool: string): Totals {
  const v = (name: string): number => value(text, name, pool) ?? 0;
  return {
    acquireCount: v('hikaricp_connections_acquire_seconds_count'),
    acquireSum: v('hikaricp_connections_acquire_seconds_sum'),
    usageCount: v('hikaricp_connections_usage_seconds_count'),
    usageSum: v('hikaricp_connections_usage_seconds_sum'),
    creationCount: v('hikaricp_connections_creation_seconds_count'),
    creationSum: v('hikaricp_connections_creation_seconds_sum'),
    timeouts: v('hikaricp_connections_timeout_total'),
  };
}

/** How one driver is driven: a pool of 2, a pool that times out quickly, checkout and return of one connection. */
interface Driver<P, C> {
  create(): P;
  /** A pool of one connection whose second acquire times out (or is refused) within a few hundred ms. */
  createTimingOut(): P;
  acquire(pool: P): Promise<C>;
  release(pool: P, connection: C): Promise<void> | void;
  query(pool: P): Promise<unknown>;
  end(pool: P): Promise<void>;
  /** Whether the pool opens connections on its own (pg opens on demand; all of these do). */
  bindOptions?: DbBindOptions;
}

function settleLater<T>(promise: Promise<T>) {
  let settled = false;
  let at = 0;
  const done = promise.then(
    (v) => {
      settled = true;
      at = performance.now();
      return v;
    },
    (err: unknown) => {
      settled = true;
      at = performance.now();
      throw err;
    },
  );
  return { done, isSettled: () => settled, settledAt: () => at };
}

/** Ends a pool even after a failed test: gives back what is still held first, and does not wait forever. */
async function cleanUp<P, C>(driver: Driver<P, C>, pool: P, held: Set<C>): Promise<void> {
  for (const c of held) await Promise.resolve(driver.release(pool, c)).catch(() => undefined);
  held.clear();
  await Promise.race([driver.end(pool).catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
}

async function exercise<P, C>(label: string, driver: Driver<P, C>): Promise<void> {
  const deps = newDeps();
  const pool = driver.create();
  const name = `${label}-pool`;
  const held = new Set<C>();
  const take = async (p: P): Promise<C> => {
    const c = await driver.acquire(p);
    held.add(c);
    return c;
  };
  const give = async (p: P, c: C): Promise<void> => {
    held.delete(c);
    await driver.release(p, c);
  };
  const unbind = bindPool(deps, pool, { name, health: false, ...driver.bindOptions });
  let passed = false;
  try {
    const t0 = totals(await deps.registry.scrape(), name);
    assert.deepEqual(t0, { acquireCount: 0, acquireSum: 0, usageCount: 0, usageSum: 0, creationCount: 0, creationSum: 0, timeouts: 0 });
    await waitForValues(deps, name, {
      hikaricp_connections: 0,
      hikaricp_connections_active: 0,
      hikaricp_connections_idle: 0,
      hikaricp_connections_pending: 0,
      hikaricp_connections_max: 2,
    });

    // Hold both connections (each one opened for the request), then ask for a third.
    const a0 = performance.now();
    const c1 = await take(pool);
    const c1At = performance.now();
    const c2 = await take(pool);
    const c2At = performance.now();
    const firstTwo = c2At - a0;
    const thirdStart = performance.now();
    const third = settleLater(take(pool));
    let text = await waitForValues(deps, name, {
      hikaricp_connections: 2,
      hikaricp_connections_active: 2,
      hikaricp_connections_idle: 0,
      hikaricp_connections_pending: 1,
    });
    assert.equal(third.isSettled(), false, 'the third acquire waits');
    let t = totals(text, name);
    assert.equal(t.acquireCount, 2, 'two acquires handed over');
    assert.equal(t.creationCount, 2, 'two connections opened');
    assert.equal(t.usageCount, 0);
    assert.ok(t.acquireSum > 0 && t.acquireSum <= firstTwo / 1000 + 0.005, `acquire sum ${t.acquireSum} within the ${firstTwo} ms taken`);
    assert.ok(t.creationSum > 0 && t.creationSum <= t.acquireSum + 0.005, `creation ${t.creationSum} is part of acquire ${t.acquireSum}`);
    // What the pool measured for the first two: the third's wait is what the sum grows by after this.
    const firstTwoSum = t.acquireSum;

    // Give the first one back: the waiting request gets it.
    const releasedAt = performance.now();
    await give(pool, c1);
    const c3 = await third.done;
    const thirdWaited = third.settledAt() - thirdStart;
    text = await waitForValues(deps, name, {
      hikaricp_connections: 2,
      hikaricp_connections_active: 2,
      hikaricp_connections_idle: 0,
      hikaricp_connections_pending: 0,
    });
    t = totals(text, name);
    assert.equal(t.acquireCount, 3);
    assert.equal(t.creationCount, 2, 'the third got a pooled connection');
    assert.equal(t.usageCount, 1);
    // Lower bounds the driver cannot beat: the connection was held from before c1At until after releasedAt, and
    // the third request could not be served before releasedAt. (knex's transaction() and commit() add BEGIN and
    // COMMIT round trips to what the test sees, not to what the pool measures.)
    const heldC1 = (releasedAt - c1At) / 1000;
    assert.ok(t.usageSum >= heldC1 - 0.002 && t.usageSum <= heldC1 + 0.25, `usage ${t.usageSum} ~ held ${heldC1}`);
    const thirdAtLeast = (releasedAt - thirdStart) / 1000 - 0.002;
    // Against the pool's own figure for the first two, not the test's wall time for them: that time also holds the
    // test's own awaits, which a busy machine stretches past what the pool measured.
    assert.ok(t.acquireSum - firstTwoSum >= thirdAtLeast - 0.005, `acquire sum ${t.acquireSum} (first two ${firstTwoSum}) includes the third's wait (>= ${thirdAtLeast} s)`);
    assert.ok(t.acquireSum <= (firstTwo + thirdWaited) / 1000 + 0.005, `acquire sum ${t.acquireSum} <= what the test waited`);

    // Everything back: values return.
    await give(pool, c2);
    await give(pool, c3);
    text = await waitForValues(deps, name, {
      hikaricp_connections: 2,
      hikaricp_connections_active: 0,
      hikaricp_connections_idle: 2,
      hikaricp_connections_pending: 0,
    });
    t = totals(text, name);
    assert.equal(t.usageCount, 3);
    assert.equal(t.timeouts, 0);
    const max = value(text, 'hikaricp_connections_acquire_seconds_max', name) ?? 0;
    assert.ok(max >= thirdAtLeast && max <= Math.max(firstTwo, thirdWaited) / 1000 + 0.005, `the max ${max} holds the longest wait`);

    // A query through the pool's own API: one more acquire and usage, no new connection.
    await driver.query(pool);
    text = await waitForValues(deps, name, { hikaricp_connections_active: 0, hikaricp_connections_idle: 2 });
    t = totals(text, name);
    assert.deepEqual([t.acquireCount, t.usageCount, t.creationCount], [4, 4, 2]);

    // Timeouts, on a second pool of one connection (bound to the same registry: one family, two pools).
    const small = driver.createTimingOut();
    const smallName = `${label}-small`;
    const unbindSmall = bindPool(deps, small, { name: smallName, health: false, ...driver.bindOptions });
    const heldSmall = new Set<C>();
    try {
      const held = await driver.acquire(small);
      heldSmall.add(held);
      const refusedStart = performance.now();
      await assert.rejects(driver.acquire(small), `the second acquire of ${smallName} fails`);
      const refusedAfter = performance.now() - refusedStart;
      text = await waitForValues(deps, smallName, { hikaricp_connections_timeout_total: 1, hikaricp_connections_active: 1 });
      const s = totals(text, smallName);
      assert.equal(s.acquireCount, 2, 'the timed-out acquire is timed too (as HikariCP does)');
      assert.ok(s.acquireSum <= (performance.now() - refusedStart + 1000) / 1000 && s.acquireSum >= 0, `small acquire ${s.acquireSum}`);
      assert.ok(s.acquireSum >= refusedAfter / 1000 - 0.05, `includes the ${refusedAfter} ms until the refusal`);
      assert.equal(totals(text, name).timeouts, 0, 'the other pool has no timeout');
      heldSmall.delete(held);
      await driver.release(small, held);
    } finally {
      unbindSmall();
      await cleanUp(driver, small, heldSmall);
    }
    text = await deps.registry.scrape();
    assert.equal(find(text, 'hikaricp_connections', { pool: smallName }), undefined, 'the unbound pool has no series left');
    assert.equal(find(text, 'hikaricp_connections_timeout_total', { pool: smallName }), undefined);
    assert.ok(find(text, 'hikaricp_connections', { pool: name }), 'the other pool keeps its series');
    unbind();
    text = await deps.registry.scrape();
    assert.equal(parseExposition(text).filter((s) => s.name.startsWith('hikaricp_')).length, 0, 'all hikaricp series gone after the last unbind');
    // The pool is still the caller's and works.
    await driver.query(pool);
    assert.deepEqual(deps.messages.filter((m) => m.startsWith('warn')), []);
    passed = true;
  } finally {
    unbind();
    if (passed) await driver.end(pool);
    else await cleanUp(driver, pool, held);
  }
}

test('pg.Pool: gauges while held and waited for, acquire/usage/creation timers, connection timeout', async () => {
  await exercise<pg.Pool, pg.PoolClient>('pg', {
    create: () => new pg.Pool({ connectionString: POSTGRES_URL, max: 2, connectionTimeoutMillis: 20_000 }),
    createTimingOut: () => new pg.Pool({ connectionString: POSTGRES_URL, max: 1, connectionTimeoutMillis: 150 }),
    // Callback form for one of the three checkouts, promise form for the others.
    acquire: (pool) =>
      pool.waitingCount === 0 && pool.totalCount === 1
        ? new Promise((resolve, reject) => pool.connect((err, client) => (err ? reject(err) : resolve(client!))))
        : pool.connect(),
    release: (_pool, client) => client.release(),
    query: (pool) => pool.query('SELECT 1'),
    end: (pool) => pool.end(),
  });
});

test('mysql2 callback pool: the same, with a refused request as the timeout (waitForConnections: false)', async () => {
  await exercise<mysql.Pool, mysql.PoolConnection>('mysql2', {
    create: () => mysql.createPool({ uri: MARIADB_URL, connectionLimit: 2 }),
    createTimingOut: () => mysql.createPool({ uri: MARIADB_URL, connectionLimit: 1, waitForConnections: false }),
    acquire: (pool) => new Promise((resolve, reject) => pool.getConnection((err, c) => (err ? reject(err) : resolve(c)))),
    release: (_pool, c) => c.release(),
    query: (pool) => new Promise((resolve, reject) => pool.query('SELECT 1', (err, rows) => (err ? reject(err) : resolve(rows)))),
    end: (pool) => new Promise<void>((resolve) => pool.end(() => resolve())),
  });
});

test('mysql2 promise pool: the same, with the queue limit as the timeout', async () => {
  await exercise<mysqlPromise.Pool, mysqlPromise.PoolConnection>('mysql2-promise', {
    create: () => mysqlPromise.createPool({ uri: MARIADB_URL, connectionLimit: 2 }),
    createTimingOut: () => mysqlPromise.createPool({ uri: MARIADB_URL, connectionLimit: 1, queueLimit: 1 }),
    acquire: async (pool) => {
      const core = pool.pool as unknown as { config: { connectionLimit: number }; _allConnections: { length: number } };
      if (core.config.connectionLimit === 1 && core._allConnections.length === 1) {
        // Fill the queue of the one-connection pool first, so this request is over the queue limit.
        const queued = pool.getConnection();
        queued.then((c) => c.release(), () => undefined);
      }
      return pool.getConnection();
    },
    release: (_pool, c) => c.release(),
    query: (pool) => pool.execute('SELECT 1'),
    end: (pool) => pool.end(),
  });
});

function knexDriver(client: 'pg' | 'mysql2', url: string): Driver<Knex, Knex.Transaction> {
  return {
    create: () => knexFactory({ client, connection: url, pool: { min: 0, max: 2 }, acquireConnectionTimeout: 20_000 }),
    createTimingOut: () =>
      knexFactory({
        client,
        connection: url,
        pool: { min: 0, max: 1 },
        acquireConnectionTimeout: 200,
        // The acquire timeout is provoked on purpose; knex would warn about it.
        log: { warn: () => undefined },
      }),
    // A transaction holds one connection until it ends, as applications hold them.
    acquire: (knex) => knex.transaction(),
    release: async (_knex, trx) => {
      await trx.commit();
    },
    query: (knex) => knex.raw('SELECT 1'),
    end: (knex) => knex.destroy(),
  };
}

test('knex over pg: the tarn pool under HikariCP names', async () => {
  await exercise('knex-pg', knexDriver('pg', POSTGRES_URL));
});

test('knex over mysql2: the tarn pool under HikariCP names', async () => {
  await exercise('knex-mysql2', knexDriver('mysql2', MARIADB_URL));
});

test('generic-pool of pg clients: acquire/release/destroy timed, creation through the factory', async () => {
  const factory = {
    create: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      return client;
    },
    destroy: async (client: pg.Client) => {
      await client.end();
    },
  };
  await exercise<genericPool.Pool<pg.Client>, pg.Client>('generic-pool', {
    create: () => genericPool.createPool(factory, { max: 2, min: 0, acquireTimeoutMillis: 20_000 }),
    createTimingOut: () => genericPool.createPool(factory, { max: 1, min: 0, acquireTimeoutMillis: 150 }),
    acquire: (pool) => pool.acquire(),
    release: (pool, client) => pool.release(client),
    query: (pool) => pool.use((client) => client.query('SELECT 1')),
    end: async (pool) => {
      await pool.drain();
      await pool.clear();
    },
  });
});

test('health: a validation query that overruns its timeout is DOWN and its connection is discarded, not kept', async () => {
  const deps = newDeps();
  const pgPool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  const mysqlPool = mysql.createPool({ uri: MARIADB_URL, connectionLimit: 2 });
  const unbinds = [
    bindPool(deps, pgPool, { name: 'slow-pg', health: { query: 'SELECT pg_sleep(5)', timeoutMs: 300 } }),
    bindPool(deps, mysqlPool, { name: 'slow-mysql', health: { query: 'SELECT SLEEP(5)', timeoutMs: 300 } }),
  ];
  try {
    const started = performance.now();
    const health = await deps.health.check();
    const took = performance.now() - started;
    assert.ok(took < 1500, `answered within the timeouts (${took} ms)`);
    const db = health.components!.db as { status: string; components: Record<string, { status: string; details?: { error?: string } }> };
    assert.equal(db.status, 'DOWN');
    for (const name of ['slow-pg', 'slow-mysql']) {
      assert.equal(db.components[name]!.status, 'DOWN', name);
      assert.match(String(db.components[name]!.details?.error), /did not complete within 300 ms/, name);
    }
    // The overrun connections were destroyed: nothing checked out, nothing pooled.
    for (const name of ['slow-pg', 'slow-mysql']) {
      await waitForValues(deps, name, { hikaricp_connections_active: 0, hikaricp_connections_idle: 0, hikaricp_connections: 0 });
    }
    assert.equal(pgPool.totalCount, 0);
    // The pools still work.
    await pgPool.query('SELECT 1');
    await mysqlPool.promise().query('SELECT 1');
  } finally {
    for (const unbind of unbinds) unbind();
    await pgPool.end();
    await new Promise((r) => mysqlPool.end(r));
  }
});

// ------------------------------------------------------------------------------------------------------------
// Query spans and health, through instrument() and an Express app.

const call = untracedFetch;

interface App {
  nm: Nodemeter;
  url: string;
  pgPool: pg.Pool;
  mysqlPool: mysqlPromise.Pool;
  knex: Knex;
  stop(): Promise<void>;
}

const SERVICE = `db-int-${process.pid}`;

async function startApp(): Promise<App> {
  const nm = instrument({
    serviceName: SERVICE,
    diagLevel: 'error',
    // The health test reads the pools' components: Spring's default shows the status only.
    actuator: { health: { showDetails: 'always' } },
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${ZIPKIN_URL}/api/v2/spans` }, export: { scheduledDelayMs: 100 } },
  });
  const deps = { registry: nm.registry, health: nm.health, observations: nm.observations, diag: nm.diag };
  const pgPool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  // Idle clients report the server going away here (an application would log it).
  pgPool.on('error', () => undefined);
  const mysqlPool = mysqlPromise.createPool({ uri: MARIADB_URL, connectionLimit: 2 });
  const knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 2 } });
  const unbinds = [
    bindPool(deps, pgPool, { name: 'orders-db', health: { timeoutMs: 2000 } }),
    bindPool(deps, mysqlPool, { name: 'users-db', health: { timeoutMs: 2000 } }),
    bindPool(deps, knex, { name: 'reports-db', health: false }),
  ];
  const app = express();
  app.use(nm.express());
  const ids = () => {
    const span = trace.getActiveSpan()?.spanContext();
    return { traceId: span?.traceId, spanId: span?.spanId };
  };
  app.get('/orders/:id', async (req, res) => {
    const { rows } = await pgPool.query("SELECT $1::int AS id, 'pending' AS status, 42 AS answer", [req.params.id]);
    res.json({ ...ids(), rows });
  });
  app.get('/users/:id', async (req, res) => {
    const [rows] = await mysqlPool.execute("SELECT ? AS id, 'alice@example.com' AS email", [req.params.id]);
    res.json({ ...ids(), rows });
  });
  app.get('/reports/:id', async (req, res) => {
    const rows = await knex.raw("SELECT ?::int AS id, 'secret' AS label", [req.params.id]);
    res.json({ ...ids(), rows: rows.rows });
  });
  app.get('/ping', (_req, res) => {
    res.json({ pong: true });
  });
  app.use(nm.expressErrorHandler());
  // Routes fail on purpose while the database is stopped; answer 500 without Express's stderr trace.
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    nm,
    url,
    pgPool,
    mysqlPool,
    knex,
    stop: async () => {
      await close(server);
      for (const unbind of unbinds) unbind();
      await nm.shutdown();
      await pgPool.end().catch(() => undefined);
      await mysqlPool.end().catch(() => undefined);
      await knex.destroy().catch(() => undefined);
    },
  };
}

/**
 * Calls the app and reads the request's trace back from Zipkin. Zipkin keeps traces in memory and other suites
 * restart it (its outage tests): a trace lost that way is asked for again, up to three times.
 */
async function tracedCall(url: string): Promise<{ body: { traceId: string; spanId: string }; spans: ZipkinSpan[] }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const res = await call(url);
    assert.equal(res.status, 200, url);
    const body = (await res.json()) as { traceId: string; spanId: string };
    try {
      return { body, spans: await waitForTrace(body.traceId, 2, 10_000) };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

function dbSpan(spans: ZipkinSpan[]): { server: ZipkinSpan; client: ZipkinSpan } {
  const server = spans.find((s) => s.kind === 'SERVER');
  const client = spans.find((s) => s.kind === 'CLIENT' && s.tags?.['db.system'] !== undefined);
  assert.ok(server && client, `a SERVER and a DB CLIENT span in ${JSON.stringify(spans, null, 1)}`);
  return { server, client };
}

test('query spans: a query inside a request is a CLIENT child span with the sanitized statement (pg, mysql2, knex)', async () => {
  const app = await startApp();
  try {
    // The ports the stack's servers listen on (5432 and 3306 unless the stack was moved by NODEMETER_STACK_*_PORT).
    const pgPort = new URL(POSTGRES_URL).port || '5432';
    const mysqlPort = new URL(MARIADB_URL).port || '3306';
    const cases = [
      {
        path: '/orders/7',
        name: 'select test',
        system: 'postgresql',
        statement: 'SELECT $1::int AS id, ? AS status, ? AS answer',
        port: pgPort,
      },
      {
        path: '/users/9',
        name: 'select test',
        system: 'mysql',
        statement: 'SELECT ? AS id, ? AS email',
        port: mysqlPort,
      },
      {
        path: '/reports/3',
        name: 'select test',
        system: 'postgresql',
        statement: 'SELECT $1::int AS id, ? AS label',
        port: pgPort,
      },
    ];
    for (const c of cases) {
      const { body, spans } = await tracedCall(`${app.url}${c.path}`);
      const { server, client } = dbSpan(spans);
      assert.equal(client.parentId, server.id, `${c.path}: the query span is a child of the request's span`);
      assert.equal(server.id, body.spanId);
      assert.equal(client.name, c.name, c.path);
      assert.equal(client.localEndpoint?.serviceName, SERVICE);
      assert.deepEqual(
        {
          system: client.tags?.['db.system'],
          db: client.tags?.['db.name'],
          op: client.tags?.['db.operation'],
          statement: client.tags?.['db.statement'],
          peer: client.remoteEndpoint?.serviceName, // the remote service as Zipkin's remote endpoint, not a tag
          port: client.tags?.['server.port'],
        },
        { system: c.system, db: 'test', op: 'SELECT', statement: c.statement, peer: c.system, port: c.port },
        c.path,
      );
      const all = JSON.stringify(client);
      for (const secret of ['pending', 'alice@example.com', 'secret', '"42"']) assert.ok(!all.includes(secret), `${c.path}: no literal ${secret}`);
      assert.ok(client.duration !== undefined && server.duration !== undefined && client.duration <= server.duration);
    }
    // Queries outside a request (no current span) make no spans and no meters.
    await app.pgPool.query('SELECT 2');
    const text = await app.nm.scrape();
    assert.equal(parseExposition(text).filter((s) => s.name.startsWith('db_query')).length, 0, 'no db.query meter family');
    assert.ok(find(text, 'hikaricp_connections_usage_seconds_count', { pool: 'orders-db' })!.value >= 2);
  } finally {
    await app.stop();
  }
});


interface HealthBody {
  status: string;
  components?: Record<string, { status: string; details?: Record<string, unknown>; components?: Record<string, { status: string; details?: Record<string, unknown> }> }>;
}

async function health(url: string): Promise<{ code: number; body: HealthBody }> {
  const res = await call(`${url}/actuator/health`);
  return { code: res.status, body: (await res.json()) as HealthBody };
}

test('health: PostgreSQL stopped → db DOWN with the error, other routes served; started again → UP', async () => {
  const app = await startApp();
  let stopped = false;
  try {
    const up = await health(app.url);
    assert.equal(up.code, 200, JSON.stringify(up.body));
    assert.deepEqual(up.body.components?.db, {
      status: 'UP',
      components: {
        'orders-db': { status: 'UP', details: { database: 'PostgreSQL', validationQuery: 'SELECT 1' } },
        'users-db': { status: 'UP', details: { database: 'MariaDB', validationQuery: 'SELECT 1' } },
      },
    });
    await call(`${app.url}/orders/1`).then((r) => r.arrayBuffer());

    await stack('down', 'postgres');
    stopped = true;
    const down = await waitFor(
      'db DOWN',
      async () => {
        const h = await health(app.url);
        return h.code === 503 ? h : undefined;
      },
      20_000,
      200,
    );
    assert.equal(down.body.status, 'DOWN');
    const db = down.body.components!.db!;
    assert.equal(db.status, 'DOWN');
    assert.equal(db.components!['users-db']!.status, 'UP', 'the MariaDB pool is unaffected');
    const orders = db.components!['orders-db']!;
    assert.equal(orders.status, 'DOWN');
    assert.match(String(orders.details?.error), /ECONNREFUSED|terminat|connect|shut/i, JSON.stringify(orders));
    const ping = await call(`${app.url}/ping`);
    assert.equal(ping.status, 200, 'other routes are served');
    assert.deepEqual(await ping.json(), { pong: true });
    const failing = await call(`${app.url}/orders/2`);
    assert.equal(failing.status, 500, 'a route that needs the database fails, the process stays up');
    await failing.arrayBuffer();
    // Nothing is left checked out by the failed checks.
    const text = await app.nm.scrape();
    assert.equal(find(text, 'hikaricp_connections_active', { pool: 'orders-db' })!.value, 0);

    await stack('up', 'postgres');
    stopped = false;
    const back = await waitFor(
      'db UP again',
      async () => {
        const h = await health(app.url);
        return h.code === 200 ? h : undefined;
      },
      30_000,
      200,
    );
    assert.equal(back.body.components?.db?.components?.['orders-db']?.status, 'UP');
    const res = await call(`${app.url}/orders/3`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  } finally {
    if (stopped) await stack('up', 'postgres');
    await app.stop();
  }
});

after(async () => {
  // Leave PostgreSQL running for the other suites, whatever happened above.
  await stack('up', 'postgres');
});
