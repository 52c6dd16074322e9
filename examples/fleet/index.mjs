// `npm run demo:fleet`: the order saga as a running fleet on the project's own stack (scripts/stack).
//
//   gateway (Express) → order-service (Fastify + PostgreSQL) → Kafka → payment-service (kafkajs) and
//   inventory-service (@confluentinc/kafka-javascript) → reply events → order-service completes or compensates.
//
// Drives orders through the gateway (some fail on purpose: a poison item, declined payments, an item out of stock),
// shows a progress line, and prints what a person checks: a saga's trace id with its Zipkin URL, the Prometheus
// queries that show each service, that trace's log lines as the log receiver returns them, where the dashboards
// are, and a page (RED per service, the trace waterfall, its log lines) for people without Grafana.
// Runs until Ctrl-C.
//
// Environment: the stack's variables (`bash scripts/stack env`; read from the script when unset), and
//   FLEET_RUN=<id>         names the run's topics, consumer groups and scrape targets (default: demo)
//   FLEET_PAGE_PORT=8088   port of the page (default 8088; 0 = any free port)
//   FLEET_RATE=10          orders per second
import { execFileSync, fork } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { fleetTopics } from './topics.mjs';
import { PAGE } from './page.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROLES = ['gateway', 'order-service', 'payment-service', 'inventory-service'];
const run = process.env.FLEET_RUN ?? 'demo';
const rate = Number(process.env.FLEET_RATE ?? 10);
const env = stackEnv();
const topics = fleetTopics(run);
const isTty = process.stdout.isTTY;

const say = (line) => process.stdout.write(`${line}\n`);

// 1. The topics of the run (Kafka would create them on first use, but consumers would then wait for a rebalance).
const admin = new Kafka({ clientId: 'fleet-setup', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
await admin.disconnect();

// 2. The four services, one process each (each is one `instrument()`, as each Spring service is one JVM).
const children = new Map();
const ready = new Map();
const progress = { placed: 0, refused: 0, completed: 0, compensated: 0, errors: 0 };
const sagas = [];
let inventoryClient = 'kafkajs';

function start(role, extraEnv) {
  const child = fork(fileURLToPath(new URL('./service.mjs', import.meta.url)), [], {
    env: {
      ...process.env,
      FLEET_ROLE: role,
      FLEET_RUN: run,
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      DATABASE_URL: env.POSTGRES_URL,
      NODEMETER_TRACING_SAMPLING_PROBABILITY: '1',
      NODEMETER_ZIPKIN_ENDPOINT: `${env.ZIPKIN_URL}/api/v2/spans`,
      OTEL_BSP_SCHEDULE_DELAY: '500',
      NODEMETER_LOKI_URL: `${env.VICTORIALOGS_URL}/insert/loki/api/v1/push`,
      NODEMETER_LOKI_BATCH_INTERVAL_MS: '250',
      NODEMETER_LOGGING_CONSOLE: 'false',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.set(role, child);
  child.on('message', (m) => {
    if (m.type === 'ready') ready.set(role, m);
    else if (m.type === 'client') inventoryClient = m.client;
    else if (m.type === 'saga') {
      progress[m.status === 'COMPLETED' ? 'completed' : 'compensated']++;
      sagas.push(m);
    }
  });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`\n${role} exited (${signal ?? code}); stopping the fleet`);
      void stop(1);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start within 60 s`)), 60_000);
    child.on('message', (m) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

let stopping = false;
let targetFile;
let traffic;
let page;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  clearInterval(traffic);
  if (targetFile) rmSync(targetFile, { force: true });
  page?.close();
  await Promise.all(
    [...children.values()].map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
    ),
  );
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

const [order] = await Promise.all([start('order-service'), start('payment-service'), start('inventory-service')]);
const gateway = await start('gateway', { FLEET_ORDER_SERVICE_URL: order.url });

// 3. Prometheus scrapes the four actuators (file-based discovery of the stack's Prometheus).
if (env.PROMETHEUS_TARGETS_DIR) {
  targetFile = join(env.PROMETHEUS_TARGETS_DIR, `fleet-${run}.json`);
  const targets = ROLES.map((role) => {
    const actuator = new URL(ready.get(role).actuator);
    return { targets: [actuator.host], labels: { __metrics_path__: `${actuator.pathname}/prometheus`, fleet: run } };
  });
  writeFileSync(`${targetFile}.tmp`, JSON.stringify(targets));
  renameSync(`${targetFile}.tmp`, targetFile);
}

// 4. Traffic: an order every 1/rate s; about one in twenty is a poison item (500 → 502), declined payments and
// an out-of-stock item make some sagas compensate.
const SKUS = ['book', 'book', 'lamp', 'chair', 'gpu', 'poison'];
let n = 0;
traffic = setInterval(() => {
  n++;
  const sku = n % 20 === 0 ? 'poison' : SKUS[n % 5];
  const amount = (n * 37) % 100;
  fetch(`${gateway.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sku, amount }),
    signal: AbortSignal.timeout(5000),
  })
    .then(async (res) => {
      await res.arrayBuffer();
      progress[res.ok ? 'placed' : 'refused']++;
      // Now and then a lookup of an order that does not exist: a 404 on both services.
      if (res.ok && n % 7 === 0) await (await fetch(`${gateway.url}/orders/unknown`, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
    })
    .catch(() => progress.errors++);
}, 1000 / rate);
const progressTimer = setInterval(() => {
  const line = `orders placed ${progress.placed} · refused ${progress.refused} · sagas completed ${progress.completed} · compensated ${progress.compensated}${progress.errors ? ` · errors ${progress.errors}` : ''}`;
  if (isTty) process.stdout.write(`\r${line}   `);
}, 500);
progressTimer.unref();

// 5. A saga that went through every service, once Zipkin has all of it and the log receiver its lines.
const saga = await waitFor('a completed saga whose trace reached Zipkin from all four services', async () => {
  for (const candidate of sagas.filter((s) => s.status === 'COMPLETED').slice(-5)) {
    const spans = await zipkinTrace(candidate.traceId);
    const services = new Set(spans.map((s) => s.localEndpoint?.serviceName));
    if (ROLES.every((r) => services.has(r))) return { ...candidate, spans };
  }
  return undefined;
}, 90_000);
const logs = await waitFor('the saga trace\'s log lines in the log receiver', async () => {
  const lines = await traceLogs(saga.traceId);
  const apps = new Set(lines.map((l) => l.app));
  return ['gateway', 'order-service', 'payment-service', 'inventory-service'].every((a) => apps.has(a)) ? lines : undefined;
}, 30_000);

// 6. The page: RED per service, the trace waterfall, its log lines, live.
page = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE);
    if (url.pathname === '/api/red') return send(res, 200, 'application/json', JSON.stringify(await red()));
    if (url.pathname === '/api/trace') {
      return send(res, 200, 'application/json', JSON.stringify({ traceId: saga.traceId, spans: await zipkinTrace(saga.traceId) }));
    }
    if (url.pathname === '/api/logs') return send(res, 200, 'application/json', JSON.stringify(await traceLogs(saga.traceId)));
    send(res, 404, 'text/plain', 'not found');
  } catch (err) {
    send(res, 500, 'text/plain', String(err));
  }
});
await new Promise((resolve) => page.listen(Number(process.env.FLEET_PAGE_PORT ?? 8088), '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${page.address().port}/`;

const queries = Object.fromEntries(ROLES.map((role) => [role, redQueries(role)]));
if (isTty) process.stdout.write('\n');
say(`
nodemeter demo fleet (run "${run}", inventory-service on ${inventoryClient})

  gateway            ${gateway.url}/orders
  page               ${pageUrl}      RED per service, the saga's trace and its log lines

A saga that went through every service:
  trace id           ${saga.traceId}   (${saga.spans.length} spans, order ${saga.orderId})
  Zipkin             ${env.ZIPKIN_URL}/zipkin/traces/${saga.traceId}

Prometheus queries (${env.PROMETHEUS_URL}/graph):
${ROLES.map((r) => `  ${r}\n    rate     ${queries[r].rate}\n    errors   ${queries[r].errors}\n    p99      ${queries[r].p99}`).join('\n')}

The trace's log lines, from the log receiver (LogsQL: traceId:=${saga.traceId}):
${logs.map((l) => `  ${l.app.padEnd(18)} ${l.level.padEnd(5)} ${l.msg}`).join('\n')}

Dashboards: grafana/dashboards/node-service.json and fleet.json (provisioned by grafana/docker-compose.yml; see
docs/guides/grafana.md). Ctrl-C stops the fleet.
`);
say(`FLEET_REPORT ${JSON.stringify({ run, traceId: saga.traceId, orderId: saga.orderId, page: pageUrl, gateway: gateway.url, inventoryClient, services: Object.fromEntries(ready) })}`);

// --- helpers ---

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function redQueries(app) {
  const sel = `application="${app}", fleet="${run}"`;
  if (app === 'payment-service' || app === 'inventory-service') {
    return {
      rate: `sum(rate(spring_kafka_listener_seconds_count{${sel}}[1m]))`,
      errors: `sum(rate(spring_kafka_listener_seconds_count{${sel}, error!="none"}[1m])) or vector(0)`,
      p99: `max(spring_kafka_listener_seconds_max{${sel}})`,
    };
  }
  return {
    rate: `sum(rate(http_server_requests_seconds_count{${sel}}[1m]))`,
    errors: `sum(rate(http_server_requests_seconds_count{${sel}, outcome="SERVER_ERROR"}[1m])) or vector(0)`,
    p99: `histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{${sel}}[1m])))`,
  };
}

async function red() {
  const out = [];
  for (const role of ROLES) {
    const q = redQueries(role);
    const [r, e, p] = await Promise.all([promValue(q.rate), promValue(q.errors), promValue(q.p99)]);
    out.push({ service: role, rate: r, errors: e, p99: p, kind: role.endsWith('-service') && role !== 'order-service' ? 'kafka listener' : 'http server' });
  }
  return out;
}

async function promValue(expr) {
  const res = await fetch(`${env.PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
  const body = await res.json();
  const v = body.data?.result?.[0]?.value?.[1];
  return v === undefined ? null : Number(v);
}

async function zipkinTrace(traceId) {
  if (!traceId) return [];
  const res = await fetch(`${env.ZIPKIN_URL}/api/v2/trace/${traceId}`, { signal: AbortSignal.timeout(5000) });
  return res.ok ? res.json() : [];
}

async function traceLogs(traceId) {
  await fetch(`${env.VICTORIALOGS_URL}/internal/force_flush`, { method: 'POST', signal: AbortSignal.timeout(5000) }).catch(() => {});
  const res = await fetch(`${env.VICTORIALOGS_URL}/select/logsql/query`, {
    method: 'POST',
    body: new URLSearchParams({ query: `traceId:=${traceId} | sort by (_time)`, limit: '200' }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) return [];
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((l) => ({ time: l._time, app: streamLabel(l._stream, 'app'), level: streamLabel(l._stream, 'level'), msg: l._msg }));
}

function streamLabel(stream, name) {
  return new RegExp(`${name}="([^"]*)"`).exec(stream ?? '')?.[1] ?? '';
}

async function waitFor(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      say(`\nGave up waiting for ${what} after ${timeoutMs / 1000} s`);
      await stop(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The stack's address variables: from the environment, else from `scripts/stack env`. */
function stackEnv() {
  const names = ['KAFKA_BROKERS', 'POSTGRES_URL', 'ZIPKIN_URL', 'VICTORIALOGS_URL', 'PROMETHEUS_URL'];
  if (names.every((n) => process.env[n])) return process.env;
  let out = '';
  try {
    out = execFileSync('bash', [join(ROOT, 'scripts/stack'), 'env'], { encoding: 'utf8' });
    execFileSync('bash', [join(ROOT, 'scripts/stack'), 'status', 'kafka', 'postgres', 'zipkin', 'victorialogs', 'prometheus'], { stdio: 'ignore' });
  } catch {
    say('The fleet needs the stack: `npm run stack up kafka postgres zipkin victorialogs prometheus` first.');
    process.exit(1);
  }
  return { ...Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])), ...process.env };
}
