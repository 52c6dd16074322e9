// @backends postgres mariadb kafka
/**
 * The actuator of a live service with real backends: an Express app with a pg pool and a mysql2 pool bound
 * (`nm.db.bind`) and an instrumented kafkajs client, every endpoint exposed, health details always shown.
 *   - `/actuator/health`: the exact components Spring would show (db with both pools, kafka, diskSpace, ping,
 *     livenessState, readinessState), their details and Spring's v3 content type;
 *   - PostgreSQL stopped (scripts/stack, asynchronously) → 503, `db` DOWN with the PostgreSQL pool DOWN and the
 *     MariaDB pool UP, probes unaffected; started again → 200;
 *   - `/actuator/metrics/http.server.requests?tag=uri:/x`, `/actuator/info`, `/actuator/loggers` GET and POST.
 * PostgreSQL is started again in `after`, whatever happened.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import express from 'express';
import { Kafka, logLevel } from 'kafkajs';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { instrument, type Nodemeter } from '../../src/index.js';
import { close, listen, waitFor } from '../helpers/http.js';
import { stack } from '../helpers/stack.js';
import { untracedFetch as call } from '../helpers/untraced.js';

const POSTGRES_URL = process.env.POSTGRES_URL ?? '';
const MARIADB_URL = process.env.MARIADB_URL ?? '';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '';
const V3 = 'application/vnd.spring-boot.actuator.v3+json';

before(() => {
  if (!POSTGRES_URL || !MARIADB_URL || !KAFKA_BROKERS) {
    throw new Error('POSTGRES_URL, MARIADB_URL and KAFKA_BROKERS must be set (npm test starts the stack)');
  }
});

after(async () => {
  // Leave PostgreSQL running for the other suites, whatever happened below.
  await stack('up', 'postgres');
});

interface Component {
  status: string;
  details?: Record<string, unknown>;
  components?: Record<string, Component>;
}
interface HealthBody {
  status: string;
  components: Record<string, Component>;
  groups?: string[];
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: T }> {
  const res = await call(url, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: (text === '' ? undefined : JSON.parse(text)) as T };
}

test('actuator endpoints of a service with real PostgreSQL, MariaDB and Kafka; db DOWN while PostgreSQL is stopped', async () => {
  const nm: Nodemeter = instrument({
    serviceName: `actuator-int-${process.pid}`,
    diagLevel: 'error',
    tracing: { enabled: false },
    actuator: { exposure: '*', write: true, health: { showDetails: 'always' } },
  });
  const pgPool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  // Idle clients report the server going away here (an application would log it).
  pgPool.on('error', () => undefined);
  const mysqlPool = mysqlPromise.createPool({ uri: MARIADB_URL, connectionLimit: 2 });
  nm.db.bind(pgPool, { name: 'orders-db', health: { timeoutMs: 2000 } });
  nm.db.bind(mysqlPool, { name: 'users-db', health: { timeoutMs: 2000 } });
  const raw = new Kafka({ clientId: 'actuator-int', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  nm.kafka.instrument(raw, { clientId: 'actuator-int' });
  const admin = raw.admin();
  await admin.connect();
  const { clusterId } = await admin.describeCluster();

  const app = express();
  app.use(nm.express());
  app.get('/x', (_req, res) => {
    res.json({ ok: true });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  const url = await listen(server);
  let stopped = false;
  try {
    // Kafka's indicator connects its admin client on the first check: poll until every component is UP.
    const up = await waitFor('health UP with every component', async () => {
      const h = await json<HealthBody>(`${url}/actuator/health`);
      return h.status === 200 && h.body.components.kafka?.status === 'UP' ? h : undefined;
    }, 30_000, 200);
    assert.equal(up.type, V3);
    assert.deepEqual(Object.keys(up.body).sort(), ['components', 'groups', 'status']);
    assert.equal(up.body.status, 'UP');
    assert.deepEqual(up.body.groups, ['liveness', 'readiness']);
    const c = up.body.components;
    assert.deepEqual(Object.keys(c).sort(), ['db', 'diskSpace', 'kafka', 'livenessState', 'ping', 'readinessState']);
    assert.deepEqual(c.db, {
      status: 'UP',
      components: {
        'orders-db': { status: 'UP', details: { database: 'PostgreSQL', validationQuery: 'SELECT 1' } },
        'users-db': { status: 'UP', details: { database: 'MariaDB', validationQuery: 'SELECT 1' } },
      },
    });
    assert.deepEqual(c.kafka, { status: 'UP', details: { clusterId, brokers: 1 } });
    assert.equal(c.diskSpace?.status, 'UP');
    assert.deepEqual(Object.keys(c.diskSpace?.details ?? {}), ['total', 'free', 'threshold', 'path', 'exists']);
    assert.equal(c.diskSpace?.details?.threshold, 10 * 1024 * 1024);
    assert.equal(c.diskSpace?.details?.path, `${process.cwd()}/.`);
    assert.equal(c.diskSpace?.details?.exists, true);
    assert.ok(Number(c.diskSpace?.details?.free) > 0 && Number(c.diskSpace?.details?.total) >= Number(c.diskSpace?.details?.free));
    assert.deepEqual(c.ping, { status: 'UP' });
    assert.deepEqual(c.livenessState, { status: 'UP' });
    assert.deepEqual(c.readinessState, { status: 'UP' });
    // One component and one instance of the composite, as Spring's /health/{*path}.
    assert.deepEqual((await json(`${url}/actuator/health/db/users-db`)).body, c.db.components!['users-db']);

    // metrics of the application's own route
    for (let i = 0; i < 3; i++) assert.equal((await call(`${url}/x`).then(async (r) => (await r.arrayBuffer(), r.status))), 200);
    const metric = await waitFor('http.server.requests of /x', async () => {
      const m = await json<{ name: string; baseUnit: string; measurements: { statistic: string; value: number }[]; availableTags: { tag: string; values: string[] }[] }>(
        `${url}/actuator/metrics/http.server.requests?tag=uri:/x`,
      );
      return m.status === 200 && m.body.measurements[0]?.value === 3 ? m : undefined;
    }, 10_000, 100);
    assert.equal(metric.type, V3);
    // Spring writes no description for this one (Micrometer's is null); nodemeter's timer has one.
    assert.deepEqual(Object.keys(metric.body).sort(), ['availableTags', 'baseUnit', 'description', 'measurements', 'name']);
    assert.equal(metric.body.name, 'http.server.requests');
    assert.equal(metric.body.baseUnit, 'seconds');
    assert.deepEqual(metric.body.measurements.map((m) => m.statistic), ['COUNT', 'TOTAL_TIME', 'MAX']);
    assert.ok(metric.body.measurements[1]!.value > 0 && metric.body.measurements[2]!.value > 0);
    const tags = Object.fromEntries(metric.body.availableTags.map((t) => [t.tag, t.values]));
    assert.equal(tags.uri, undefined, 'the queried tag is left out');
    assert.deepEqual(tags.status, ['200']);
    assert.deepEqual(tags.method, ['GET']);
    assert.deepEqual(tags.outcome, ['SUCCESS']);
    assert.equal((await json(`${url}/actuator/metrics/http.server.requests?tag=uri:/never`)).status, 404);

    // info: the build of the nearest package.json (this repository's)
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
    const info = await json<Record<string, unknown>>(`${url}/actuator/info`);
    assert.equal(info.status, 200);
    assert.equal(info.type, V3);
    assert.deepEqual(info.body.build, { artifact: pkg.name, name: pkg.name, version: pkg.version });

    // loggers: GET, POST with Spring's media type, reset with null
    const loggers = await json<{ levels: string[]; loggers: Record<string, unknown>; groups: object }>(`${url}/actuator/loggers`);
    assert.deepEqual(loggers.body.levels, ['OFF', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']);
    assert.ok('ROOT' in loggers.body.loggers);
    assert.deepEqual(loggers.body.groups, {});
    const before = (await json<{ effectiveLevel: string }>(`${url}/actuator/loggers/ROOT`)).body;
    const post = (level: string | null) =>
      call(`${url}/actuator/loggers/ROOT`, { method: 'POST', headers: { 'content-type': V3 }, body: JSON.stringify({ configuredLevel: level }) });
    assert.equal((await post('DEBUG')).status, 204);
    assert.equal(nm.logger.level, 'debug');
    assert.deepEqual((await json(`${url}/actuator/loggers/ROOT`)).body, { configuredLevel: 'DEBUG', effectiveLevel: 'DEBUG' });
    assert.equal((await post(null)).status, 204);
    assert.equal((await json<{ effectiveLevel: string }>(`${url}/actuator/loggers/ROOT`)).body.effectiveLevel, before.effectiveLevel);

    // PostgreSQL stopped: 503, db DOWN, the MariaDB pool UP; the probes do not follow the database.
    await stack('down', 'postgres');
    stopped = true;
    const down = await waitFor('health 503', async () => {
      const h = await json<HealthBody>(`${url}/actuator/health`);
      return h.status === 503 ? h : undefined;
    }, 20_000, 200);
    assert.equal(down.type, V3);
    assert.equal(down.body.status, 'DOWN');
    const db = down.body.components.db!;
    assert.equal(db.status, 'DOWN');
    assert.deepEqual(db.components!['users-db'], { status: 'UP', details: { database: 'MariaDB', validationQuery: 'SELECT 1' } });
    assert.equal(db.components!['orders-db']!.status, 'DOWN');
    assert.match(String(db.components!['orders-db']!.details?.error), /ECONNREFUSED|terminat|connect|shut/i);
    for (const other of ['diskSpace', 'kafka', 'livenessState', 'ping', 'readinessState']) {
      assert.equal(down.body.components[other]?.status, 'UP', other);
    }
    assert.equal((await json(`${url}/actuator/health/db`)).status, 503);
    assert.equal((await json(`${url}/actuator/health/db/users-db`)).status, 200);
    assert.equal((await json(`${url}/actuator/health/liveness`)).status, 200);
    assert.equal((await json(`${url}/actuator/health/readiness`)).status, 200);

    await stack('up', 'postgres');
    stopped = false;
    const back = await waitFor('health 200 again', async () => {
      const h = await json<HealthBody>(`${url}/actuator/health`);
      return h.status === 200 ? h : undefined;
    }, 30_000, 200);
    assert.equal(back.body.status, 'UP');
    assert.equal(back.body.components.db?.components?.['orders-db']?.status, 'UP');
  } finally {
    if (stopped) await stack('up', 'postgres');
    await admin.disconnect();
    await close(server);
    await nm.shutdown();
    await pgPool.end().catch(() => undefined);
    await mysqlPool.end().catch(() => undefined);
  }
});
