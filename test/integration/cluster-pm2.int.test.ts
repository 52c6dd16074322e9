/**
 * Cluster mode under PM2's cluster mode, for real: `pm2 start cluster-pm2.cjs -i 2` under a private PM2_HOME (a
 * temp dir: nothing global is touched; `pm2 kill` with it at the end, always). PM2's daemon is the primary and runs
 * no nodemeter, so the workers ask each other over their peer sockets. One scrape, on either worker, counts every
 * request both served; `_max` is the larger maximum; one worker refusing traffic makes readiness 503 on either
 * worker; a blocked worker is left out of a scrape after the deadline and counted. Every step is bounded in time.
 * No backend needed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/http.js';
import { parseExposition } from '../helpers/registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PM2 = path.join(ROOT, 'node_modules/pm2/bin/pm2');
const FIXTURE = path.join(ROOT, 'test/fixtures/services/cluster-pm2.cjs');
const APP = `it-pm2-${process.pid}`;
const PM2_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'nodemeter-pm2-home-'));
let url = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Runs the pm2 CLI with the private PM2_HOME; bounded. */
function pm2(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PM2, ...args], { cwd: ROOT, env: { ...process.env, ...env, PM2_HOME }, timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`pm2 ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** One request on a fresh connection, so PM2's daemon hands each to the next worker. */
function get(target: string, timeoutMs = 10_000): Promise<{ status: number; body: string; ms: number; worker: string }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get(target, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - start, worker: String(res.headers['x-worker']) }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${target}`)));
    req.on('error', reject);
  });
}

function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  return parseExposition(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** Requests until both workers answered one, each checked by `check`. */
async function onBothWorkers(what: string, target: string, check: (r: Awaited<ReturnType<typeof get>>) => void): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const r = await get(target);
    check(r);
    seen.add(r.worker);
  }
  assert.equal(seen.size, 2, `${what}: both workers answered (${[...seen]})`);
}

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await pm2(['start', FIXTURE, '-i', '2', '--name', APP, '--node-args=--import tsx'], {
    PORT: String(port),
    NODEMETER_SERVICE_NAME: APP,
    NODEMETER_TRACING_ENABLED: 'false',
    NODEMETER_LOG_LEVEL: 'error',
  });
  // Both workers listening and answering.
  await waitFor('both PM2 workers up', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await get(`${url}/actuator/health/liveness`, 2_000).catch(() => undefined);
      if (r?.status === 200) seen.add(r.worker);
    }
    return seen.size === 2 ? true : undefined;
  }, 60_000, 250);
});

after(async () => {
  // Always: the daemon and its workers go, with the private home and the peers' socket directory.
  await pm2(['kill'], {}, 30_000).catch((err: unknown) => console.error(err));
  fs.rmSync(PM2_HOME, { recursive: true, force: true });
  for (const dir of fs.readdirSync(os.tmpdir())) {
    if (dir.startsWith(`nodemeter-${APP}-`)) fs.rmSync(path.join(os.tmpdir(), dir), { recursive: true, force: true });
  }
});

const workCount = (body: string): number =>
  parseExposition(body)
    .filter((s) => s.name === 'http_server_requests_seconds_count' && s.labels.status === '200' && !String(s.labels.uri).startsWith('/actuator'))
    .reduce((a, s) => a + s.value, 0);

test('PM2 cluster mode: one scrape on either worker counts the requests of both; _max is a max', async () => {
  const N = 40;
  const workers = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const r = await get(`${url}/work`);
    assert.equal(r.status, 200);
    workers.set(r.worker, (workers.get(r.worker) ?? 0) + 1);
  }
  assert.equal(workers.size, 2, `both workers served requests: ${JSON.stringify([...workers])}`);

  await onBothWorkers('the scrape', `${url}/actuator/prometheus`, (r) => {
    assert.equal(r.status, 200);
    assert.equal(workCount(r.body), N, `the scrape on worker ${r.worker} counts all ${N} requests`);
    const max = parseExposition(r.body).filter((s) => s.name === 'http_server_requests_seconds_max' && s.labels.status === '200' && !String(s.labels.uri).startsWith('/actuator'));
    assert.equal(max.length, 1);
    // Instance 0 answers after 50 ms, instance 1 after 100 ms: the max of maxima is ~0.1 s, a sum ~0.15 s.
    assert.ok(max[0]!.value >= 0.1 && max[0]!.value < 0.14, `_max ${max[0]!.value}`);
    assert.equal(sum(r.body, 'jvm_info'), 1, 'one jvm_info');
    assert.ok(parseExposition(r.body).every((s) => s.labels.application === APP), 'application on every series');
  });
});

test('PM2 cluster mode: one worker refusing traffic makes readiness 503 on either worker', async () => {
  const { worker: refusing } = await get(`${url}/ready?state=REFUSING_TRAFFIC`);
  try {
    await onBothWorkers('readiness', `${url}/actuator/health/readiness`, (r) => {
      assert.equal(r.status, 503, `readiness on ${r.worker} (${refusing} refuses): ${r.body}`);
      assert.deepEqual(JSON.parse(r.body), { status: 'OUT_OF_SERVICE' });
    });
    await onBothWorkers('liveness', `${url}/actuator/health/liveness`, (r) => assert.equal(r.status, 200));
  } finally {
    await waitFor('the refusing worker ready again', async () => ((await get(`${url}/ready?state=ACCEPTING_TRAFFIC`)).worker === refusing ? true : undefined), 10_000, 0);
  }
  await onBothWorkers('readiness after', `${url}/actuator/health/readiness`, (r) => assert.equal(r.status, 200, r.body));
});

test('PM2 cluster mode: a blocked worker is left out of the scrape after the deadline, and counted', async () => {
  const { worker: blocked } = await get(`${url}/block?ms=6000`);
  let scraped: { body: string; ms: number } | undefined;
  for (let i = 0; i < 6 && scraped === undefined; i++) {
    const r = await get(`${url}/actuator/prometheus`, 8_000).catch(() => undefined);
    if (r !== undefined && r.worker !== blocked) scraped = r;
  }
  assert.ok(scraped, `a scrape answered by the other worker while ${blocked} was blocked`);
  assert.ok(scraped.ms < 3_000, `answered in ${scraped.ms} ms`);
  const counted = await waitFor('the missing peer counted, and both back', async () => {
    const r = await get(`${url}/actuator/prometheus`, 8_000).catch(() => undefined);
    if (r === undefined || sum(r.body, 'nodemeter_cluster_scrape_missing_total', { from: 'worker' }) < 1) return undefined;
    return sum(r.body, 'jvm_info') === 1 ? r.body : undefined;
  }, 30_000, 500);
  assert.ok(sum(counted, 'nodemeter_cluster_scrape_missing_total', { from: 'worker' }) >= 1);
});
