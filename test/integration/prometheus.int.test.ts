// @backends prometheus
/**
 * A real Prometheus scrapes a running instrumented Express service every second, through /actuator/prometheus
 * (Prometheus asks for OpenMetrics, so that path is what it parses). The test reads back through Prometheus' HTTP
 * API: the target is up, every runtime series exists with `application` set and a sane value, and the panels of
 * the community Spring dashboards whose metrics have a Node meaning return data, unchanged.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { instrument, type Nodemeter } from '../../src/index.js';
import { close, waitFor } from '../helpers/http.js';
import { addTarget, query, requirePrometheus, waitForTargetUp } from '../helpers/prometheus.js';

const SERVICE = `it-prometheus-${process.pid}`;
const POD = `pod-${process.pid}`;
let nm: Nodemeter;
let server: Server;
let instance: string;
let removeTarget: () => void;
let churn: NodeJS.Timeout;

/** Every series the foundation promises, by Prometheus name. */
const EXPECTED = [
  'process_cpu_usage',
  'process_cpu_time_ns_total',
  'process_uptime_seconds',
  'process_start_time_seconds',
  'process_files_open_files',
  'process_files_max_files',
  'system_cpu_count',
  'system_cpu_usage',
  'system_load_average_1m',
  'disk_free_bytes',
  'disk_total_bytes',
  'jvm_memory_used_bytes',
  'jvm_memory_committed_bytes',
  'jvm_memory_max_bytes',
  'jvm_gc_pause_seconds_count',
  'jvm_gc_pause_seconds_sum',
  'jvm_gc_pause_seconds_max',
  'jvm_gc_memory_allocated_bytes_total',
  'jvm_gc_live_data_size_bytes',
  'jvm_gc_max_data_size_bytes',
  'jvm_gc_overhead',
  'jvm_buffer_memory_used_bytes',
  'jvm_buffer_total_capacity_bytes',
  'jvm_threads_live_threads',
  'jvm_threads_daemon_threads',
  'jvm_threads_peak_threads',
  'jvm_info',
  'application_started_time_seconds',
  'application_ready_time_seconds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_eventloop_utilization',
  'nodejs_gc_duration_seconds_count',
  'nodejs_active_handles_total',
  'jvm_classes_loaded_classes',
  'jvm_threads_states_threads',
  'process_memory_rss_bytes',
  'process_threads',
  'http_server_requests_seconds_bucket',
  'http_server_requests_seconds_count',
  'http_server_requests_seconds_max',
];

before(async () => {
  requirePrometheus();
  nm = instrument({
    serviceName: SERVICE,
    diagLevel: 'warn',
    // As Spring users do for dashboards that draw latency percentiles (17175).
    metrics: { distribution: { percentilesHistogram: { 'http.server.requests': true } } },
  });
  const app = express();
  app.use(nm.express());
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  app.get('/orders/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get('/broken', () => {
    throw new Error('broken');
  });
  app.use(nm.expressErrorHandler());
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Garbage and a little CPU, so GC, CPU and allocation series move.
  let keep: unknown[] = [];
  let n = 0;
  churn = setInterval(() => {
    keep = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` }));
    if (keep.length === 0) console.log('unreachable');
    // Traffic, so the HTTP panels have rates: mostly orders, some server errors.
    void fetch(`http://${instance}/orders/${n++ % 50}`).catch(() => {});
    if (n % 10 === 0) void fetch(`http://${instance}/broken`).catch(() => {});
  }, 50);
  churn.unref();
  // Labels as a Kubernetes scrape config adds them (the 10939 and 19004 dashboards select on them).
  removeTarget = addTarget(`it-${process.pid}`, instance, {
    __metrics_path__: '/actuator/prometheus',
    namespace: 'nodemeter-it',
    app: SERVICE,
    pod_name: POD,
  });
});

after(async () => {
  clearInterval(churn);
  removeTarget?.();
  if (server) await close(server);
  await nm?.shutdown();
});

test('Prometheus scrapes /actuator/prometheus in OpenMetrics without error; the target is up', async () => {
  const target = await waitForTargetUp('app', SERVICE);
  assert.equal(target.labels.instance, instance);
  assert.match(target.scrapeUrl, /\/actuator\/prometheus$/);
  const up = await query(`up{app="${SERVICE}"}`);
  assert.equal(up[0]?.value[1], '1');
});

test('every promised runtime series is stored, with application set', async () => {
  const names = await waitFor('every expected series in Prometheus', async () => {
    const rows = await query(`count by (__name__) ({application="${SERVICE}"})`);
    const have = new Set(rows.map((r) => r.metric.__name__));
    return EXPECTED.every((n) => have.has(n)) ? have : undefined;
  }, 45_000, 500).catch(async (err) => {
    const rows = await query(`count by (__name__) ({application="${SERVICE}"})`);
    const have = new Set(rows.map((r) => r.metric.__name__));
    throw new Error(`${String(err)}; missing: ${EXPECTED.filter((n) => !have.has(n)).join(', ')}`);
  });
  assert.ok(names.size >= EXPECTED.length);
  // Prometheus' own per-target series (up, scrape_*) carry no application label; everything we expose does.
  const withoutApp = await query(`count({instance="${instance}", application="", __name__!~"up|scrape_.*"})`);
  assert.equal(withoutApp.length, 0, 'no series without application');
});

function value(rows: { value: [number, string] }[]): number {
  assert.ok(rows.length > 0, 'a result');
  return Number(rows[0]!.value[1]);
}

test('values are sane', async () => {
  const sel = `application="${SERVICE}"`;
  const cpu = value(await query(`process_cpu_usage{${sel}}`));
  assert.ok(cpu >= 0 && cpu <= 1, `process_cpu_usage ${cpu}`);
  const sys = value(await query(`system_cpu_usage{${sel}}`));
  assert.ok(sys >= 0 && sys <= 1, `system_cpu_usage ${sys}`);
  assert.ok(value(await query(`system_cpu_count{${sel}}`)) >= 1);
  assert.ok(value(await query(`process_files_open_files{${sel}}`)) > 3);
  const used = value(await query(`sum(jvm_memory_used_bytes{${sel}, area="heap"})`));
  const committed = value(await query(`sum(jvm_memory_committed_bytes{${sel}, area="heap"})`));
  assert.ok(used > 1e6 && used <= committed, `heap used ${used} <= committed ${committed}`);
  const heapPct = value(await query(`sum(jvm_memory_used_bytes{${sel}, area="heap"})*100/sum(jvm_memory_max_bytes{${sel}, area="heap"})`));
  assert.ok(heapPct > 0 && heapPct < 100, `heap used % ${heapPct}`);
  const disk = await query(`disk_free_bytes{${sel}}`);
  assert.equal(disk[0]?.metric.path, `${process.cwd()}/.`);
  assert.ok(value(disk) > 0 && value(disk) <= value(await query(`disk_total_bytes{${sel}}`)));
  const info = await query(`jvm_info{${sel}}`);
  assert.equal(info[0]?.metric.version, process.version);
  assert.equal(value(info), 1);
  await waitFor('GC pauses counted and rising', async () => {
    const rows = await query(`sum(increase(jvm_gc_pause_seconds_count{${sel}}[30s]))`);
    return rows.length > 0 && Number(rows[0]!.value[1]) > 0 ? true : undefined;
  }, 30_000, 500);
  const started = value(await query(`application_started_time_seconds{${sel}}`));
  const ready = value(await query(`application_ready_time_seconds{${sel}}`));
  assert.ok(started > 0 && started <= ready, `started ${started} <= ready ${ready}`);
  const uptime = value(await query(`process_uptime_seconds{${sel}}`));
  assert.ok(Math.abs(uptime - process.uptime()) < 30, `uptime ${uptime} ~ ${process.uptime()}`);
});

interface Dashboard {
  dashboard: string;
  gnetId: number;
  variables: { name: string; query: string }[];
  panels: { title: string; exprs?: string[] }[];
}

const DASHBOARDS = ['4701-rev9', '19004', '10280', '6756', '10939', '17175'];
const ALL_METRICS = Object.keys(
  (JSON.parse(readFileSync(new URL('../fixtures/spring-dashboards/metrics-index.json', import.meta.url), 'utf8')) as {
    metrics: Record<string, unknown>;
  }).metrics,
);

function substitute(expr: string): string {
  return expr
    .replace(/\$\{(\w+):\w+\}/g, '$$$1')
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '5m')
    .replace(/\$\{?(application|app_name)\}?/g, SERVICE)
    .replace(/\$\{?app\}?/g, SERVICE)
    .replace(/\$\{?instance\}?/g, instance)
    .replace(/\$\{?[Nn]amespace\}?/g, 'nodemeter-it')
    .replace(/\$\{?pod_name\}?/g, POD)
    .replace(/\$\{?(jvm_)?memory_pool_heap\}?/g, 'old_space')
    .replace(/\$\{?(jvm_)?memory_pool_nonheap\}?/g, 'external');
}

function metricsIn(expr: string): string[] {
  return ALL_METRICS.filter((m) => new RegExp(`\\b${m}\\b`).test(expr));
}

test('Spring dashboard panels whose metrics exist for Node show data, unchanged', async () => {
  const emittedRows = await query(`count by (__name__) ({application="${SERVICE}"})`);
  const emitted = new Set(emittedRows.map((r) => r.metric.__name__ as string));
  // rate()/increase() over [1m] need two scrapes, and delta() of the classes panel needs a change or not; wait
  // until at least 3 samples exist.
  await waitFor('three scrapes', async () => {
    const rows = await query(`count_over_time(process_uptime_seconds{application="${SERVICE}"}[1m])`);
    return rows.length > 0 && Number(rows[0]!.value[1]) >= 3 ? true : undefined;
  });
  const empty: string[] = [];
  const notApplicable = new Set<string>();
  let checked = 0;
  for (const id of DASHBOARDS) {
    const d = JSON.parse(readFileSync(new URL(`../fixtures/spring-dashboards/${id}.json`, import.meta.url), 'utf8')) as Dashboard;
    const exprs: [string, string][] = [];
    for (const v of d.variables) {
      // label_values(metric{...}, label) has data when count by (label) (metric{...}) has.
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(v.query);
      if (m) exprs.push([`variable $${v.name}`, `count by (${m[2]}) (${m[1]})`]);
    }
    for (const p of d.panels) for (const e of p.exprs ?? []) exprs.push([p.title, e]);
    for (const [title, raw] of exprs) {
      // Spring Boot 2 wrote exception="None"; Boot 3, and nodemeter with it, write "none".
      if (raw.includes('exception="None"')) {
        notApplicable.add('exception="None" (Boot 2)');
        continue;
      }
      const names = metricsIn(raw);
      const missing = names.filter((n) => !emitted.has(n));
      if (names.length === 0 || missing.length > 0) {
        missing.forEach((n) => notApplicable.add(n));
        continue;
      }
      const expr = substitute(raw);
      const rows = await query(expr);
      checked++;
      if (rows.length === 0) empty.push(`${d.gnetId} "${title}": ${expr}`);
    }
  }
  console.log(`dashboard queries checked: ${checked}; metrics used by dashboards but not emitted: ${[...notApplicable].sort().join(', ')}`);
  assert.ok(checked >= 180, `at least 180 applicable queries (got ${checked})`);
  assert.deepEqual(empty, [], 'every applicable query returns data');
});

/**
 * Names promtool's linter objects to, kept on purpose: they are the names Micrometer and prom-client publish and
 * that dashboards query. Any other finding fails the test.
 */
const LINT_ALLOWED: Record<string, string> = {
  system_cpu_count: 'Micrometer system.cpu.count',
  process_cpu_time_ns_total: 'Micrometer process.cpu.time, base unit ns',
  nodejs_active_handles_total: "prom-client's gauge name",
  nodejs_active_resources_total: "prom-client's gauge name",
};

test('promtool check metrics: the text exposition parses, and lints clean but for Micrometer/prom-client names', async () => {
  const res = await fetch(`http://${instance}/actuator/prometheus`);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.error, undefined, 'promtool is installed (scripts/stack up prometheus installs it)');
  const output = `${check.stdout}${check.stderr}`;
  // Exit 1 is a parse error; 3 is lint findings only.
  assert.ok(check.status === 0 || check.status === 3, `promtool exit ${check.status}: ${output}`);
  const findings = output.split('\n').filter((l) => l.trim() !== '');
  const unexpected = findings.filter((l) => !(l.split(' ')[0]! in LINT_ALLOWED));
  assert.deepEqual(unexpected, [], 'no lint findings beyond the compatibility names');
  const parsed = await query(`count({instance="${instance}", __name__!~"up|scrape_.*"})`);
  assert.ok(Number(parsed[0]?.value[1]) > 50, 'the scrape holds the series promtool read');
});
