// @backends zipkin victorialogs
/**
 * Graceful shutdown under load, against the real Zipkin and VictoriaLogs: a child service (fixture) holds slow
 * requests in flight (every one sampled, every one logging a line shipped only by a flush); the test sends SIGTERM
 * in the middle and checks, from outside:
 * - the readiness probe answered 503 before the application's listener stopped accepting (one tight loop probes
 *   both, in turn, and records the order);
 * - every request in flight was answered 200;
 * - zero spans and zero log lines lost: Zipkin holds one SERVER span per request, VictoriaLogs one line per request,
 *   counted by the run's service name;
 * - `/actuator/health` answered 503 OUT_OF_SERVICE during the shutdown, and a second SIGTERM changed nothing;
 * - the process ends by SIGTERM (no handler of the application's), or with the application's own status when it
 *   has one (nodemeter did its part, the application exited), within the deadline.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/http.js';
import { count, lokiPushUrl, requireVictoriaLogs } from '../helpers/victorialogs.js';
import { requireZipkin, ZIPKIN_URL, type ZipkinSpan } from '../helpers/zipkin.js';

const SERVICE = fileURLToPath(new URL('../fixtures/shutdown/service.ts', import.meta.url));
const REQUESTS = 20;
const SLOW_MS = 1500;
const READINESS_DRAIN_MS = 300;

before(() => {
  requireZipkin();
  requireVictoriaLogs();
});

/** GET with keep-alive (the connections stay open between requests, as a load balancer's do). */
function get(url: string, agent: Agent, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** True when something accepts a TCP connection on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function zipkinServerSpans(service: string): Promise<number> {
  const res = await fetch(`${ZIPKIN_URL}/api/v2/traces?serviceName=${service}&limit=1000&lookback=600000`);
  if (!res.ok) return 0;
  const traces = (await res.json()) as ZipkinSpan[][];
  return traces.flat().filter((s) => s.kind === 'SERVER').length;
}

async function runUnderLoad(appHandler: boolean) {
  const runId = `${appHandler ? 'app' : 'own'}${process.pid}${Date.now().toString(36)}`;
  const service = `shutdown-${runId}`;
  const child = spawn(process.execPath, ['--import', 'tsx', SERVICE], {
    env: {
      ...process.env,
      RUN_ID: runId,
      SLOW_MS: String(SLOW_MS),
      READINESS_DRAIN_MS: String(READINESS_DRAIN_MS),
      ZIPKIN_URL,
      LOKI_URL: lokiPushUrl(),
      APP_HANDLER: appHandler ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null, at: Date.now() }));
  // 'exit' may come before the last of the child's output has been read; 'close' comes after it.
  const closed = once(child, 'close');
  const [appUrl, mgmtUrl] = await waitFor('the service to listen', () => {
    if (child.exitCode !== null) throw new Error(`service exited: ${out}`);
    const app = /^app (\S+)$/m.exec(out)?.[1];
    const mgmt = /^management (\S+)$/m.exec(out)?.[1];
    return app && mgmt ? [app, mgmt] : undefined;
  }, 30_000, 50);
  const appPort = Number(new URL(appUrl).port);
  const agent = new Agent({ keepAlive: true, maxSockets: REQUESTS });
  const probeAgent = new Agent({ keepAlive: false });
  try {
    assert.equal((await get(`${mgmtUrl}/actuator/health/readiness`, probeAgent)).status, 200, out);

    // Load: REQUESTS slow requests in flight, on keep-alive connections.
    const responses = Array.from({ length: REQUESTS }, (_, i) =>
      get(appUrl, agent, { 'x-request-id': `${runId}-${i}` }).catch((err: Error) => ({ status: -1, body: err.message })),
    );
    await waitFor('every request to be in flight', () => ((out.match(/^start /gm) ?? []).length === REQUESTS ? true : undefined), 10_000, 10);

    // One tight loop: readiness on the management port, then the application's listener; the order of firsts.
    const events: { what: string; at: number }[] = [];
    let stop = false;
    let health: { status: number; body: string } | undefined;
    const probing = (async () => {
      let ready503 = false;
      let refused = false;
      while (!stop && !(ready503 && refused)) {
        const r = await get(`${mgmtUrl}/actuator/health/readiness`, probeAgent).catch(() => ({ status: -1, body: '' }));
        if (!ready503 && r.status === 503) {
          ready503 = true;
          events.push({ what: 'readiness 503', at: Date.now() });
          health = await get(`${mgmtUrl}/actuator/health`, probeAgent).catch(() => ({ status: -1, body: '' }));
        }
        if (!refused && !(await accepts(appPort))) {
          refused = true;
          events.push({ what: 'listener closed', at: Date.now() });
        }
      }
    })();

    const sentAt = Date.now();
    child.kill('SIGTERM');
    // A second SIGTERM during the shutdown starts no second one and does not cut it short.
    const again = setTimeout(() => child.kill('SIGTERM'), 100);
    const answered = await Promise.all(responses);
    const exit = await exited;
    await closed;
    clearTimeout(again);
    stop = true;
    await probing;

    assert.deepEqual(
      answered.filter((r) => r.status !== 200),
      [],
      `every request in flight answered 200\n${out}`,
    );
    assert.deepEqual(events.map((e) => e.what), ['readiness 503', 'listener closed'], JSON.stringify(events));
    assert.equal(health?.status, 503, `/actuator/health during the shutdown: ${JSON.stringify(health)}`);
    assert.match(health?.body ?? '', /"status":"OUT_OF_SERVICE"/);
    const gap = (events[1]?.at ?? 0) - (events[0]?.at ?? 0);
    assert.ok(gap >= READINESS_DRAIN_MS / 2, `the listener closed ${gap} ms after readiness went 503 (readinessDrainMs ${READINESS_DRAIN_MS})`);

    const took = exit.at - sentAt;
    if (appHandler) {
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, out);
      assert.match(out, /application exits/);
    } else {
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: null, signal: 'SIGTERM' }, out);
    }
    // The deadline: the readiness wait, the slowest request, then flushing; far under the phase timeouts (10 s each).
    assert.ok(took < READINESS_DRAIN_MS + SLOW_MS + 8000, `exited ${took} ms after SIGTERM`);
    assert.doesNotMatch(out, /NMWRN01[56]/, 'no shutdown step was abandoned or failed');

    // Zero lost: every request's SERVER span is in Zipkin, every request's line in VictoriaLogs.
    const spans = await waitFor('the spans in Zipkin', async () => {
      const n = await zipkinServerSpans(service);
      return n >= REQUESTS ? n : undefined;
    }, 20_000, 250).catch(() => zipkinServerSpans(service));
    assert.equal(spans, REQUESTS, `SERVER spans of ${service} in Zipkin`);
    const lines = await waitFor('the lines in VictoriaLogs', async () => {
      const n = await count(`{app="${service}"} runId:="${runId}"`);
      return n >= REQUESTS ? n : undefined;
    }, 20_000, 250).catch(() => count(`{app="${service}"} runId:="${runId}"`));
    assert.equal(lines, REQUESTS, `log lines of run ${runId} in VictoriaLogs`);
    return { took, gap };
  } finally {
    agent.destroy();
    probeAgent.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('SIGTERM under load, no handler of the application: readiness 503 first, all answered, nothing lost, dies of SIGTERM', async () => {
  const { took, gap } = await runUnderLoad(false);
  process.stdout.write(`# own handler: exit ${took} ms after SIGTERM, listener closed ${gap} ms after readiness 503\n`);
});

test("SIGTERM under load with the application's own handler: nodemeter does its part, the application exits", async () => {
  const { took, gap } = await runUnderLoad(true);
  process.stdout.write(`# app handler: exit ${took} ms after SIGTERM, listener closed ${gap} ms after readiness 503\n`);
});
