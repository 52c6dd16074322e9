// @backends prometheus victorialogs postgres kafka zipkin confluent chromium
// @one-runtime four services and a browser, about 35 s; the inventory-service's native Kafka client is built per Node ABI
/**
 * The demo fleet (`npm run demo:fleet`, examples/fleet) against the real stack: gateway (Express) → order-service
 * (Fastify + PostgreSQL) → Kafka → payment-service (kafkajs) and inventory-service (@confluentinc/kafka-javascript)
 * → replies → saga completed or compensated. Asserts
 * - one saga trace in Zipkin covering the four services, with its Kafka hops (PRODUCER → CONSUMER spans per topic);
 * - every PromQL expression of the shipped dashboards returns data from the real Prometheus scraping the fleet;
 * - the trace's log lines are in the log receiver (VictoriaLogs, LogsQL), and each LogQL expression of the
 *   dashboards, read as LogsQL, finds the fleet's lines;
 * - the fleet's page renders in a real headless browser (Debian's chromium) with data in each panel (screenshot in
 *   the test's temporary folder, path printed).
 * Slow (four services, a browser): one runtime per CI run, the Node of `npm test` (the `@one-runtime` line above;
 * the inventory-service's native Kafka client is built for it), as the other slow suites; ≤ 3 minutes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DASHBOARDS, interpolate, queriesOf } from '../../grafana/dashboards.js';
import { waitFor } from '../helpers/http.js';
import { query as promQuery, requirePrometheus } from '../helpers/prometheus.js';
import { count as logCount, query as logQuery, requireVictoriaLogs } from '../helpers/victorialogs.js';

const RUN = `it${process.pid}`;
const APPS = ['gateway', 'order-service', 'payment-service', 'inventory-service'];
const ZIPKIN_URL = process.env.ZIPKIN_URL ?? '';
// `scripts/stack up chromium` installs Debian's chromium when missing and prints its path (scripts/run-tests.mjs).
const CHROMIUM = process.env.CHROMIUM_BIN || 'chromium';

interface Report {
  traceId: string;
  page: string;
  inventoryClient: string;
}
interface ZipkinSpan {
  id: string;
  parentId?: string;
  name: string;
  kind?: string;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

let fleet: ChildProcess;
let output = '';
let report: Report;

before(async () => {
  requirePrometheus();
  requireVictoriaLogs();
  if (!ZIPKIN_URL || !process.env.KAFKA_BROKERS || !process.env.POSTGRES_URL) throw new Error('ZIPKIN_URL, KAFKA_BROKERS and POSTGRES_URL must be set');
  const confluent = process.env.CONFLUENT_KAFKA_JS;
  if (!confluent) throw new Error('CONFLUENT_KAFKA_JS must be set (npm test builds it: scripts/stack up confluent)');
  fleet = spawn(process.execPath, [fileURLToPath(new URL('../../examples/fleet/index.mjs', import.meta.url))], {
    // The Confluent client is not a devDependency: the inventory-service finds the stack's build through NODE_PATH.
    env: { ...process.env, NODE_PATH: join(confluent, '..', '..'), FLEET_RUN: RUN, FLEET_PAGE_PORT: '0', FLEET_RATE: '20' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  fleet.stdout!.on('data', (d) => (output += String(d)));
  fleet.stderr!.on('data', (d) => (output += String(d)));
  report = await waitFor('the fleet to print its report', () => {
    const m = /^FLEET_REPORT (.+)$/m.exec(output);
    if (!m && fleet.exitCode !== null) throw new Error(`the fleet exited with ${fleet.exitCode}:\n${output}`);
    return m ? (JSON.parse(m[1]!) as Report) : undefined;
  }, 120_000, 200).catch((err: unknown) => {
    throw new Error(`${String(err)}\nfleet output:\n${output}`);
  });
});

after(async () => {
  if (fleet && fleet.exitCode === null) {
    fleet.kill('SIGINT');
    await new Promise((r) => fleet.once('exit', r));
  }
});

test('the saga is one trace in Zipkin across gateway, order, payment and inventory, with its Kafka hops', async () => {
  assert.equal(report.inventoryClient, '@confluentinc/kafka-javascript');
  const t = `fleet-${RUN}`;
  const expected = [
    `PRODUCER order-service ${t}-orders send → payment-service ${t}-orders process`,
    `PRODUCER order-service ${t}-orders send → inventory-service ${t}-orders process`,
    `PRODUCER payment-service ${t}-payment-replies send → order-service ${t}-payment-replies process`,
    `PRODUCER inventory-service ${t}-inventory-replies send → order-service ${t}-inventory-replies process`,
  ];
  // Every Kafka hop: a CONSUMER span whose parent is a PRODUCER span of another service, on the same topic.
  const hopsOf = (list: ZipkinSpan[]): string[] => {
    const ids = new Map(list.map((s) => [s.id, s]));
    return list
      .filter((s) => s.kind === 'CONSUMER')
      .map((c) => ({ consumer: c, producer: ids.get(c.parentId ?? '') }))
      .map(({ consumer, producer }) => `${producer?.kind} ${producer?.localEndpoint?.serviceName} ${producer?.name} → ${consumer.localEndpoint?.serviceName} ${consumer.name}`);
  };
  // The fleet reports a saga once Zipkin holds spans of all four services, but each service exports on its own
  // schedule (batches every few seconds), so the saga's last spans may still be on their way: read the trace until
  // every hop is there or the deadline passes, then assert on what Zipkin holds.
  let spans: ZipkinSpan[] = [];
  await waitFor('every Kafka hop of the saga in Zipkin', async () => {
    spans = (await (await fetch(`${ZIPKIN_URL}/api/v2/trace/${report.traceId}`)).json()) as ZipkinSpan[];
    const found = hopsOf(spans);
    return expected.every((h) => found.includes(h)) ? true : undefined;
  }, 30_000, 250).catch(() => undefined);
  const services = new Set(spans.map((s) => s.localEndpoint?.serviceName));
  for (const app of APPS) assert.ok(services.has(app), `${app} in the trace (${[...services].join(', ')})`);
  const byId = new Map(spans.map((s) => [s.id, s]));
  const hops = hopsOf(spans);
  for (const hop of expected) {
    assert.ok(hops.includes(hop), `hop ${hop} in\n${hops.join('\n')}`);
  }
  // The HTTP part: gateway SERVER → its fetch CLIENT → order-service SERVER → a PostgreSQL CLIENT span.
  const orderServer = spans.find((s) => s.localEndpoint?.serviceName === 'order-service' && s.kind === 'SERVER');
  assert.ok(orderServer, 'order-service SERVER span');
  const client = byId.get(orderServer.parentId ?? '');
  assert.equal(client?.kind, 'CLIENT');
  assert.equal(client?.localEndpoint?.serviceName, 'gateway');
  assert.ok(spans.some((s) => s.localEndpoint?.serviceName === 'order-service' && s.tags?.['db.system'] === 'postgresql'), 'a PostgreSQL span');
});

test('every PromQL expression of the dashboards returns data for the fleet', async () => {
  const vars = { application: APPS.join('|'), instance: '.*', interval: '1m' };
  const queries = Object.entries(DASHBOARDS).flatMap(([file, build]) =>
    queriesOf(build()).filter((q) => q.datasource === 'prometheus').map((q) => ({ file, ...q })),
  );
  // Only this run's series: the fleet label is on every series of the fleet's services.
  const scoped = (expr: string) => interpolate(expr, vars).replaceAll('instance=~".*"', `instance=~".*", fleet="${RUN}"`);
  const empty = await waitFor('every dashboard query to return data', async () => {
    const missing: string[] = [];
    for (const q of queries) {
      const result = await promQuery(scoped(q.expr));
      if (!result.some((s) => Number.isFinite(Number(s.value[1])))) missing.push(`${q.file} / ${q.panel}: ${scoped(q.expr)}`);
    }
    return missing.length === 0 ? missing : undefined;
  }, 60_000, 2000).catch(async () => {
    const missing: string[] = [];
    for (const q of queries) if ((await promQuery(scoped(q.expr))).length === 0) missing.push(`${q.file} / ${q.panel}: ${scoped(q.expr)}`);
    return missing;
  });
  assert.deepEqual(empty, [], `queries without data:\n${empty.join('\n')}`);
  assert.ok(queries.length >= 35, `${queries.length} queries`);
});

test("the trace's log lines are in the log receiver, and the dashboards' log queries find the fleet's lines", async () => {
  const lines = await waitFor('the trace log lines', async () => {
    const found = await logQuery(`traceId:=${report.traceId}`);
    const apps = new Set(found.map((l) => /app="([^"]+)"/.exec(l._stream ?? '')?.[1]));
    return APPS.every((a) => apps.has(a)) ? found : undefined;
  }, 30_000);
  assert.ok(lines.every((l) => l._msg!.includes(`[${report.traceId}-`)), 'Spring pattern with [traceId-spanId]');
  // LogQL of the dashboards, read as the log receiver's own query language: `{app=~"$application"}` selects
  // streams by the app label; `sum by (level) (count_over_time(...))` counts them per level label.
  for (const app of APPS) {
    assert.ok((await logCount(`{app=~"${app}"}`)) > 0, `{app=~"${app}"} finds lines`);
  }
  const byLevel = await logQuery(`{app=~"${APPS.join('|')}"} | stats by (level) count() n`);
  const levels = new Set(byLevel.map((r) => r.level));
  for (const level of ['INFO', 'WARN', 'ERROR']) assert.ok(levels.has(level), `level ${level} among ${[...levels].join(', ')}`);
});

test('the fleet page renders in headless chromium with data in each panel', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemeter-fleet-page-'));
  const screenshot = join(dir, 'fleet.png');
  const args = ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(dir, 'profile')}`, '--window-size=1280,1400', '--virtual-time-budget=8000'];
  const run = promisify(execFile);
  const { stdout: dom } = await run(CHROMIUM, [...args, '--dump-dom', report.page], { timeout: 60_000, maxBuffer: 16 << 20 });
  for (const panel of ['red', 'trace', 'logs']) {
    const rows = Number(new RegExp(`id="${panel}" data-rows="(\\d+)"`).exec(dom)?.[1] ?? 0);
    assert.ok(rows > 0, `panel ${panel} shows rows (${rows})`);
  }
  for (const app of APPS) assert.ok(dom.includes(`${app}: `), `the waterfall shows ${app}`);
  await run(CHROMIUM, [...args, `--screenshot=${screenshot}`, report.page], { timeout: 60_000 });
  assert.ok(statSync(screenshot).size > 10_000, 'a screenshot');
  console.log(`fleet page screenshot: ${screenshot}`);
});
