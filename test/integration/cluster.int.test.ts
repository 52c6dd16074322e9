/**
 * Cluster mode: a service under node:cluster with two workers on one port (a child process; the test talks to it
 * over HTTP only). Requests are spread over both workers; every scrape, whichever worker answers it, returns the
 * aggregate: `http_server_requests_seconds_count` summed over the workers equals the requests sent, `_max` is the
 * larger of the two workers' maxima (not their sum), one `jvm_info`, `application` on every series. A worker
 * that blocks its event loop does not hang the scrape: it is left out after the deadline and counted. No backend
 * needed. Health: one worker refusing traffic makes readiness 503 whichever process answers the probe. PM2's
 * cluster mode (no nodemeter in the primary) is cluster-pm2.int.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startService, type ChildService } from '../helpers/child-service.js';
import { waitFor } from '../helpers/http.js';
import { parseExposition } from '../helpers/registry.js';

const SERVICE = `it-cluster-${process.pid}`;
let svc: ChildService;

/** One request on a fresh connection (no keep-alive), so node:cluster hands each to the next worker. */
function get(url: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<{ status: number; body: string; ms: number; worker: string }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - start, worker: String(res.headers['x-worker']) }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
  });
}

before(async () => {
  svc = await startService('cluster-app.ts', {
    NODEMETER_SERVICE_NAME: SERVICE,
    NODEMETER_TRACING_ENABLED: 'false',
    NODEMETER_LOG_LEVEL: 'error',
    CLUSTER_WORKERS: '2',
  });
});

after(async () => {
  await svc?.stop();
});

function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  return parseExposition(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

test('one scrape on any worker returns the sum of both workers; _max is a max; labels as one service', async () => {
  const N = 40;
  const workers = new Map<number, number>();
  await Promise.all(
    Array.from({ length: N }, async () => {
      const r = await get(`${svc.url}/work`);
      const { worker } = JSON.parse(r.body) as { worker: number };
      workers.set(worker, (workers.get(worker) ?? 0) + 1);
    }),
  );
  assert.equal(workers.size, 2, `both workers served requests: ${JSON.stringify([...workers])}`);

  // Several scrapes, so both workers answer some of them: every one shows the same aggregate.
  for (let i = 0; i < 6; i++) {
    const { body } = await get(`${svc.url}/actuator/prometheus`);
    const count = parseExposition(body).filter((s) => s.name === 'http_server_requests_seconds_count' && s.labels.status === '200' && s.labels.uri !== '/actuator/prometheus');
    assert.equal(count.reduce((a, s) => a + s.value, 0), N, `the aggregate counts all ${N} requests: ${JSON.stringify(count)}`);
    const max = parseExposition(body).filter((s) => s.name === 'http_server_requests_seconds_max' && s.labels.status === '200' && s.labels.uri !== '/actuator/prometheus');
    assert.equal(max.length, 1);
    // Worker 1 answers after 50 ms, worker 2 after 100 ms: the max of maxima is ~0.1 s, a sum would be ~0.15 s.
    assert.ok(max[0]!.value >= 0.1 && max[0]!.value < 0.14, `_max ${max[0]!.value}`);
    const samples = parseExposition(body);
    assert.ok(samples.every((s) => s.labels.application === SERVICE), 'application on every series');
    assert.equal(samples.filter((s) => s.name === 'jvm_info').length, 1, 'one jvm_info');
    assert.equal(sum(body, 'jvm_info'), 1);
  }
});

test('OpenMetrics aggregate: counters keep _total, jvm_info stays an info family', async () => {
  const { body } = await get(`${svc.url}/actuator/prometheus`, 10_000, { accept: 'application/openmetrics-text; version=1.0.0' });
  assert.match(body, /# TYPE jvm info\njvm_info\{/);
  assert.match(body, /# TYPE http_server_requests_seconds summary/);
  assert.match(body, /# EOF\n$/);
});

test('health and readiness reflect every worker: one worker refusing traffic makes readiness 503 on either worker', async () => {
  const { worker: refusing } = await get(`${svc.url}/ready?state=REFUSING_TRAFFIC`);
  try {
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const r = await get(`${svc.url}/actuator/health/readiness`);
      seen.add(r.worker);
      assert.equal(r.status, 503, `readiness on worker ${r.worker} (worker ${refusing} refuses): ${r.body}`);
      assert.deepEqual(JSON.parse(r.body), { status: 'OUT_OF_SERVICE' });
      const all = await get(`${svc.url}/actuator/health`);
      assert.equal(all.status, 503, `health on worker ${all.worker}: ${all.body}`);
      const live = await get(`${svc.url}/actuator/health/liveness`);
      assert.equal(live.status, 200, `liveness is not readiness: ${live.body}`);
    }
    assert.equal(seen.size, 2, `both workers answered the probe: ${[...seen]}`);
  } finally {
    // Back to ready: the request must land on the refusing worker (round robin: a few tries).
    await waitFor('the refusing worker ready again', async () => ((await get(`${svc.url}/ready?state=ACCEPTING_TRAFFIC`)).worker === refusing ? true : undefined), 10_000, 0);
  }
  const seen = new Set<string>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const r = await get(`${svc.url}/actuator/health/readiness`);
    seen.add(r.worker);
    assert.equal(r.status, 200, `readiness on worker ${r.worker}: ${r.body}`);
  }
  assert.equal(seen.size, 2);
});

test('a blocked worker does not hang the scrape: left out after the deadline, and counted', async () => {
  // Block one worker for 8 s; then scrape until a scrape lands on the other one.
  const { body: blocked } = await get(`${svc.url}/block?ms=8000`);
  const blockedWorker = (JSON.parse(blocked) as { worker: number }).worker;
  let scraped: { body: string; ms: number } | undefined;
  for (let i = 0; i < 6 && scraped === undefined; i++) {
    scraped = await get(`${svc.url}/actuator/prometheus`, 6_000).catch(() => undefined);
  }
  assert.ok(scraped, `a scrape answered while worker ${blockedWorker} was blocked`);
  assert.ok(scraped.ms < 5_000, `answered in ${scraped.ms} ms`);
  // The scrape that missed a worker counts it; the count shows from the next scrape on (and the worker is back).
  const counted = await waitFor('the missing worker counted, and both workers back', async () => {
    const r = await get(`${svc.url}/actuator/prometheus`, 6_000).catch(() => undefined);
    if (r === undefined || sum(r.body, 'nodemeter_cluster_scrape_missing_total', { from: 'worker' }) < 1) return undefined;
    return sum(r.body, 'jvm_info') === 1 ? r.body : undefined;
  }, 30_000, 500);
  assert.ok(sum(counted, 'nodemeter_cluster_scrape_missing_total', { from: 'worker' }) >= 1);
});

test('a blocked worker does not fail the probes: it counts as UNKNOWN, the probe answers 200 within 1 s', async () => {
  const { worker: blocked } = await get(`${svc.url}/block?ms=4000`);
  let probe: { status: number; ms: number; worker: string } | undefined;
  for (let i = 0; i < 6 && probe === undefined; i++) {
    const r = await get(`${svc.url}/actuator/health/readiness`, 6_000).catch(() => undefined);
    if (r !== undefined && r.worker !== blocked) probe = r;
  }
  assert.ok(probe, `a probe answered by the other worker while worker ${blocked} was blocked`);
  assert.equal(probe.status, 200);
  assert.ok(probe.ms < 1_000, `the probe answered in ${probe.ms} ms`);
  // Both workers back, then the UNKNOWN answer is counted.
  const body = await waitFor('the health miss counted', async () => {
    const r = await get(`${svc.url}/actuator/prometheus`, 6_000).catch(() => undefined);
    return r !== undefined && sum(r.body, 'nodemeter_cluster_health_missing_total') >= 1 && sum(r.body, 'jvm_info') === 1 ? r.body : undefined;
  }, 30_000, 500);
  assert.ok(sum(body, 'nodemeter_cluster_health_missing_total') >= 1);
});
