// @backends prometheus
/**
 * The demo service (examples/demo, what `npm run demo` runs) kept running under its own traffic, scraped by the
 * real Prometheus: the rate of requests on a templated route and a latency quantile from the histogram buckets
 * come back from PromQL, as a Grafana panel would ask for them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/http.js';
import { addTarget, query, requirePrometheus, waitForTargetUp } from '../helpers/prometheus.js';

const SERVICE = `demo-it-${process.pid}`;
let demo: ChildProcess;
let removeTarget: () => void;
let output = '';

before(async () => {
  requirePrometheus();
  demo = spawn(process.execPath, [fileURLToPath(new URL('../../examples/demo/index.mjs', import.meta.url))], {
    env: { ...process.env, DEMO_KEEP_RUNNING: '1', NODEMETER_SERVICE_NAME: SERVICE, NODEMETER_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout!.on('data', (d) => (output += String(d)));
  demo.stderr!.on('data', (d) => (output += String(d)));
  // The demo prints its block in several writes, and a pipe may deliver them in separate chunks: wait for the last
  // line of the block ("Running until Ctrl-C") before reading the address and the series printed above it.
  const actuator = await waitFor('the demo to print its endpoints, series and trace', () => {
    if (!/Running until Ctrl-C/.test(output)) return undefined;
    const m = /prometheus scrape\s+(http:\/\/[^\s]+)\/actuator\/prometheus/.exec(output);
    return m?.[1];
  }, 60_000, 100).catch((err) => {
    throw new Error(`${String(err)}\ndemo output:\n${output}`);
  });
  removeTarget = addTarget(`demo-${process.pid}`, new URL(actuator).host, { __metrics_path__: '/actuator/prometheus', app: SERVICE });
});

after(async () => {
  removeTarget?.();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await new Promise((r) => demo.once('exit', r));
  }
});

test('the demo prints its endpoints and series and keeps serving', () => {
  assert.match(output, /health\s+http:\/\/127\.0\.0\.1:\d+\/actuator\/health/);
  assert.match(output, /jvm_memory_used_bytes\{/);
  assert.match(output, /http_server_requests_seconds_count\{/);
});

test('rate() of a templated route and histogram_quantile() over its buckets return data', async () => {
  await waitForTargetUp('app', SERVICE);
  const sel = `application="${SERVICE}", uri="/orders/{id}"`;
  // The demo sends about 10 requests per second to that route; right after the first scrapes the [1m] window
  // holds only a few seconds, so wait until the rate has settled above 2/s.
  let last = 0;
  const rate = await waitFor('a request rate above 2/s on /orders/{id}', async () => {
    const rows = await query(`sum(rate(http_server_requests_seconds_count{${sel}, method="GET"}[1m]))`);
    last = Number(rows[0]?.value[1] ?? 0);
    return last > 2 ? last : undefined;
  }, 60_000, 500).catch((err) => {
    throw new Error(`${String(err)} (last rate ${last}/s)`);
  });
  assert.ok(rate < 100, `rate ${rate}/s`);
  const p95 = await waitFor('a p95 from the buckets', async () => {
    const rows = await query(`histogram_quantile(0.95, sum by (le) (rate(http_server_requests_seconds_bucket{${sel}}[1m])))`);
    const v = Number(rows[0]?.value[1]);
    return rows.length > 0 && Number.isFinite(v) ? v : undefined;
  }, 30_000, 500);
  assert.ok(p95 > 0 && p95 <= 30, `p95 ${p95}s`);
  const posts = await query(`sum(http_server_requests_seconds_count{application="${SERVICE}", uri="/orders", method="POST", status="201"})`);
  assert.ok(Number(posts[0]?.value[1]) > 0, 'POST /orders recorded with status 201');
});
