// @backends zipkin kafka postgres mariadb
/**
 * Zero-code start, as a user starts a service: an application file that never mentions nodemeter, run with
 * `node --import nodemeter/register` (ESM) or `node -r nodemeter/register` (CommonJS) from the built package
 * (`nodemeter` resolves to this repository through its package.json exports, as the smoke test does; run
 * `npm run build` first). For each of node:http, Express 4 and 5, Fastify 4 and 5 and kafkajs, the test sends one
 * request carrying a sampled W3C trace context and asserts on what the real backends and the service show:
 * - route templates in `http_server_requests_seconds` on the management port's `/actuator/prometheus`;
 * - one connected trace in Zipkin: every span of the request (server, the handler's fetch, the server span of
 *   that call, DB queries, Kafka producer and consumer) has its parent in the same trace, up to the caller's span;
 * - the actuator's health endpoint answering on the management port.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from '../helpers/http.js';
import { untracedFetch } from '../helpers/untraced.js';
import { randomHex, requireZipkin, waitForTrace, ZIPKIN_URL, type ZipkinSpan } from '../helpers/zipkin.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/register/${name}`, import.meta.url));

interface App {
  url: string;
  management: string;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<App>();
after(async () => {
  for (const app of running) await app.stop();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function start(file: string, service: string, env: Record<string, string> = {}): Promise<App> {
  requireZipkin();
  const port = await freePort();
  const preload = file.endsWith('.cjs') ? '-r' : '--import';
  const child: ChildProcess = spawn(process.execPath, [preload, 'nodemeter/register', fixture(file)], {
    cwd: root,
    env: {
      ...process.env,
      NODEMETER_SERVICE_NAME: service,
      MANAGEMENT_SERVER_PORT: String(port),
      MANAGEMENT_ZIPKIN_TRACING_ENDPOINT: `${ZIPKIN_URL}/api/v2/spans`,
      MANAGEMENT_TRACING_SAMPLING_PROBABILITY: '1.0',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const url = await waitFor(`${file} to start`, () => {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}: ${out}`);
    return /^(http:\/\/\S+)$/m.exec(out)?.[1];
  }, 30_000, 50);
  const app: App = {
    url,
    management: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: async () => {
      running.delete(app);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
  running.add(app);
  return app;
}

/** Calls the service as a traced caller would: a sampled W3C context whose trace and span ids the test chose. */
async function tracedCall(url: string, method = 'GET'): Promise<{ traceId: string; callerSpanId: string; status: number }> {
  const traceId = randomHex(16);
  const callerSpanId = randomHex(8);
  const res = await untracedFetch(url, { method, headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
  await res.arrayBuffer();
  return { traceId, callerSpanId, status: res.status };
}

async function scrape(app: App): Promise<string> {
  const res = await untracedFetch(`${app.management}/actuator/prometheus`);
  assert.equal(res.status, 200);
  return res.text();
}

/** The `uri` values of http_server_requests_seconds_count. */
async function serverUris(app: App, minimum: number): Promise<string[]> {
  return waitFor(`${minimum} server uris`, async () => {
    const uris = [...(await scrape(app)).matchAll(/^http_server_requests_seconds_count\{[^}]*uri="([^"]*)"/gm)].map((m) => m[1] as string);
    return uris.length >= minimum ? [...new Set(uris)].sort() : undefined;
  }, 10_000, 100);
}

/** Every span's parent is the caller's span or another span of the trace: one connected tree. */
function assertConnected(spans: ZipkinSpan[], callerSpanId: string): void {
  const ids = new Set(spans.map((s) => s.id));
  for (const span of spans) {
    assert.ok(span.parentId === callerSpanId || ids.has(span.parentId ?? ''), `span "${span.name}" (${span.id}) has parent ${span.parentId}, outside the trace: ${JSON.stringify(spans.map((s) => [s.name, s.id, s.parentId]))}`);
  }
  assert.equal(spans.filter((s) => s.parentId === callerSpanId).length, 1, 'one span continues the caller');
}

async function assertActuator(app: App): Promise<void> {
  const health = await untracedFetch(`${app.management}/actuator/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'UP');
}

/** A request whose handler calls `downstream` with fetch: server ─► client ─► server, all in one trace. */
async function assertHttpTrace(app: App, path: string, expectNames: RegExp[], count: number): Promise<ZipkinSpan[]> {
  const { traceId, callerSpanId, status } = await tracedCall(`${app.url}${path}`);
  assert.equal(status, 200, app.output());
  const spans = await waitForTrace(traceId, count);
  assertConnected(spans, callerSpanId);
  for (const name of expectNames) assert.ok(spans.some((s) => name.test(s.name)), `a span named ${name} in ${spans.map((s) => s.name).join(', ')}`);
  const server = spans.find((s) => s.parentId === callerSpanId)!;
  assert.equal(server.kind, 'SERVER');
  const client = spans.find((s) => s.kind === 'CLIENT' && s.tags?.['http.url']?.includes('/stock/'));
  assert.ok(client, 'the fetch in the handler is a span of the request');
  const downstream = spans.find((s) => s.kind === 'SERVER' && s.parentId === client.id);
  assert.ok(downstream, 'the called route continues the trace of the fetch');
  return spans;
}

test('node:http (ESM, --import): a plain server gets a connected trace; the actuator is on its own port', async () => {
  const app = await start('http-plain.mjs', `reg-http-${process.pid}`);
  await assertHttpTrace(app, '/orders/42', [/^http get$/], 3);
  // A plain handler has no routes nodemeter could know: both requests share Spring's UNKNOWN, never the raw path.
  const uris = await serverUris(app, 1);
  assert.deepEqual(uris, ['UNKNOWN']);
  await assertActuator(app);
});

test('Express 5 (CommonJS, -r): route templates of mounted routers, errors, a pg pool bound, one trace', async () => {
  const app = await start('express5.cjs', `reg-express5-${process.pid}`, { POSTGRES_URL: process.env.POSTGRES_URL ?? '' });
  const spans = await assertHttpTrace(app, '/api/acme/orders/42', [/^http get \/api\/\{tenant\}\/orders\/\{id\}$/, /^http get \/stock\/\{sku\}$/], 4);
  assert.ok(spans.some((s) => s.kind === 'CLIENT' && /select/i.test(s.name + JSON.stringify(s.tags))), `a pg query span in ${spans.map((s) => s.name).join(', ')}`);
  const boom = await untracedFetch(`${app.url}/boom`);
  assert.equal(boom.status, 500);
  await serverUris(app, 3);
  const text = await scrape(app);
  assert.match(text, /http_server_requests_seconds_count\{[^}]*uri="\/api\/\{tenant\}\/orders\/\{id\}"/);
  assert.match(text, /http_server_requests_seconds_count\{[^}]*exception="TypeError"[^}]*uri="\/boom"/);
  assert.match(text, /^hikaricp_connections_max\{[^}]*\} 2$/m, 'the pg pool is bound (hikaricp_* series)');
  await assertActuator(app);
});

test('Express 4 (ESM, --import): route templates, errors, one trace', async () => {
  const app = await start('express4.mjs', `reg-express4-${process.pid}`);
  await assertHttpTrace(app, '/orders/7', [/^http get \/orders\/\{id\}$/, /^http get \/stock\/\{sku\}$/], 3);
  assert.equal((await untracedFetch(`${app.url}/boom`)).status, 500);
  await serverUris(app, 3);
  const text = await scrape(app);
  assert.match(text, /http_server_requests_seconds_count\{[^}]*uri="\/orders\/\{id\}"/);
  assert.match(text, /http_server_requests_seconds_count\{[^}]*exception="TypeError"[^}]*uri="\/boom"/);
  await assertActuator(app);
});

test('Fastify 5 (ESM, --import): prefixed route templates, a mysql2 promise pool bound, one trace', async () => {
  const app = await start('fastify5.mjs', `reg-fastify5-${process.pid}`, { MARIADB_URL: process.env.MARIADB_URL ?? '' });
  const spans = await assertHttpTrace(app, '/api/orders/5', [/^http get \/api\/orders\/\{id\}$/, /^http get \/stock\/\{sku\}$/], 4);
  assert.ok(spans.some((s) => s.kind === 'CLIENT' && /select/i.test(s.name + JSON.stringify(s.tags))), `a mysql2 query span in ${spans.map((s) => s.name).join(', ')}`);
  await serverUris(app, 2);
  const text = await scrape(app);
  assert.match(text, /http_server_requests_seconds_count\{[^}]*uri="\/api\/orders\/\{id\}"/);
  assert.match(text, /^hikaricp_connections_max\{[^}]*\} 2$/m, 'the mysql2 pool is bound (hikaricp_* series)');
  await assertActuator(app);
});

test('Fastify 4 (CommonJS, -r): route templates, one trace', async () => {
  const app = await start('fastify4.cjs', `reg-fastify4-${process.pid}`);
  await assertHttpTrace(app, '/orders/9', [/^http get \/orders\/\{id\}$/, /^http get \/stock\/\{sku\}$/], 3);
  await serverUris(app, 2);
  assert.match(await scrape(app), /http_server_requests_seconds_count\{[^}]*uri="\/orders\/\{id\}"/);
  await assertActuator(app);
});

test('kafkajs (ESM, --import): producer and consumer traced and metered without a code change', async () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  assert.ok(brokers[0], 'KAFKA_BROKERS must be set (npm test starts the stack and sets it)');
  const topic = `register-${process.pid}-${Date.now()}`;
  const admin = new Kafka({ clientId: 'register-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const app = await start('kafkajs.mjs', `reg-kafkajs-${process.pid}`, { TOPIC: topic });
  const { traceId, callerSpanId, status } = await tracedCall(`${app.url}/orders/11`, 'POST');
  assert.equal(status, 202, app.output());
  // server POST ─► producer ─► consumer ─► client GET /audit ─► server GET /audit
  const spans = await waitForTrace(traceId, 5, 30_000);
  assertConnected(spans, callerSpanId);
  const producer = spans.find((s) => s.kind === 'PRODUCER');
  const consumer = spans.find((s) => s.kind === 'CONSUMER');
  assert.ok(producer && consumer, `producer and consumer spans in ${spans.map((s) => `${s.kind} ${s.name}`).join(', ')}`);
  assert.equal(consumer.parentId, producer.id, 'the consumer continues the producer');
  assert.ok(spans.some((s) => s.kind === 'CLIENT' && s.parentId === consumer.id), 'the fetch in the listener is a child of the consumer span');
  const text = await waitFor('kafka timers', async () => {
    const t = await scrape(app);
    return /^spring_kafka_listener_seconds_count\{/m.test(t) && /^spring_kafka_template_seconds_count\{/m.test(t) ? t : undefined;
  }, 10_000, 100);
  assert.match(text, new RegExp(`spring_kafka_template_seconds_count\\{[^}]*name="${topic}"|spring_kafka_template_seconds_count\\{[^}]*${topic}`));
  await assertActuator(app);
});
