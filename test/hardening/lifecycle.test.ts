/**
 * Lifecycle misuse: instrument() twice, instrument() after shutdown(), shutdown() twice, two copies of the package in
 * one process (the ESM and the CJS build of dist/, as a bundled copy and the installed one), SIGTERM twice to a
 * child process. Each case runs in its own child process (a clean global slot), on the built package: run
 * `npm run build` first (`npm test` does).
 * Asserted: no throw, no unhandled rejection, one handle while one is live, a fresh working handle after
 * shutdown(), every meter registered once (one `process_uptime_seconds` line), the scrape still answers, and the
 * process ends by SIGTERM within a bound with its server drained.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST_ESM = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const DIST_CJS = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url));

function runChild(code: string, onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; signal: string | null; out: string; err: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, NODEMETER_SERVICE_NAME: '' } });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (onLine) for (const l of d.split('\n')) if (l) onLine(l, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (c, s) => {
      clearTimeout(kill);
      resolve({ code: c, signal: s, out, err, ms: performance.now() - t0 });
    });
  });
}

const PRELUDE = `
const unhandled = [];
process.on('unhandledRejection', (e) => unhandled.push(String(e)));
const count = (text, name) => text.split('\\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' ')).length;
const opts = { serviceName: 'lifecycle', diagLevel: 'silent', logging: { loki: false }, tracing: { samplingProbability: 1, zipkin: { enabled: false } }, shutdown: { onSignals: false } };
`;

test('built package present', () => {
  assert.ok(existsSync(DIST_ESM) && existsSync(DIST_CJS), 'dist/ is missing: run npm run build (npm test does)');
});

test('instrument() twice, after shutdown(), shutdown() twice: one live handle, a fresh one after, no throw', async () => {
  const r = await runChild(`${PRELUDE}
const { instrument } = await import(${JSON.stringify(DIST_ESM)});
const a = instrument(opts);
const b = instrument(opts);
const c = instrument({ ...opts, serviceName: 'other' }); // different options: the live handle, and a warning
const same = a === b && b === c;
a.registry.counter('lifecycle.calls').inc();
const once = count(await a.scrape(), 'process_uptime_seconds');
await Promise.all([a.shutdown(), a.shutdown()]);
await a.shutdown();
const afterShutdownScrape = await a.scrape().then(() => 'answers', (e) => 'rejects: ' + e.message);
const d = instrument(opts);
d.registry.counter('lifecycle.calls').inc();
const text = await d.scrape();
const fresh = d !== a && !d.isShutDown && count(text, 'process_uptime_seconds') === 1 && /lifecycle_calls_total\\{[^}]*\\} 1/.test(text);
await d.shutdown();
await d.shutdown();
console.log(JSON.stringify({ same, once, afterShutdownScrape, fresh, unhandled }));
`);
  console.log(`lifecycle (instrument/shutdown twice): exit ${r.code} in ${r.ms.toFixed(0)} ms; ${r.out.trim()}${r.err ? `; stderr ${r.err.trim().slice(0, 300)}` : ''}`);
  assert.equal(r.code, 0, r.err);
  const o = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.equal(o.same, true, 'a second instrument() while live returns the live handle');
  assert.equal(o.once, 1, 'meters registered once');
  assert.equal(o.fresh, true, 'instrument() after shutdown() gives a fresh, working handle');
  assert.deepEqual(o.unhandled, []);
});

test('two copies (ESM and CJS builds) in one process: one handle, meters registered once, either shuts down', async () => {
  const r = await runChild(`${PRELUDE}
import { createRequire } from 'node:module';
const esm = await import(${JSON.stringify(DIST_ESM)});
const cjs = createRequire(import.meta.url)(${JSON.stringify(DIST_CJS)});
const a = esm.instrument(opts);
const b = cjs.instrument(opts);
const text = await b.scrape();
const one = a === b || (count(text, 'process_uptime_seconds') === 1 && count(await a.scrape(), 'process_uptime_seconds') === 1);
await b.shutdown();
await a.shutdown();
const c = esm.instrument(opts);
const d = cjs.instrument(opts);
const again = c === d && count(await d.scrape(), 'process_uptime_seconds') === 1;
await c.shutdown();
await d.shutdown();
console.log(JSON.stringify({ same: a === b, one, again, unhandled }));
`);
  console.log(`lifecycle (two copies): exit ${r.code} in ${r.ms.toFixed(0)} ms; ${r.out.trim()}${r.err ? `; stderr ${r.err.trim().slice(0, 300)}` : ''}`);
  assert.equal(r.code, 0, r.err);
  const o = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.equal(o.one, true);
  assert.equal(o.again, true);
  assert.deepEqual(o.unhandled, []);
});

test('SIGTERM twice: one bounded graceful shutdown, the request in flight answered, the process ends by SIGTERM', async () => {
  let requestStatus = 0;
  let signalsAt = 0;
  const r = await runChild(
    `
const unhandled = [];
process.on('unhandledRejection', (e) => { unhandled.push(String(e)); process.stdout.write('unhandled ' + e + '\\n'); });
const { instrument } = await import(${JSON.stringify(DIST_ESM)});
const { createServer } = await import('node:http');
const nm = instrument({ serviceName: 'lifecycle', diagLevel: 'silent', logging: { loki: false }, tracing: { samplingProbability: 1, zipkin: { enabled: false } }, shutdown: { timeoutPerPhaseMs: 5000 } });
const server = createServer((req, res) => setTimeout(() => res.end('late'), 800));
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`,
    (line, child) => {
      const m = /^port (\d+)$/.exec(line);
      if (!m) return;
      // A slow request in flight, then two SIGTERMs 100 ms apart.
      void fetch(`http://127.0.0.1:${m[1]}/slow`).then(async (res) => {
        requestStatus = res.status;
        await res.text();
      }, () => (requestStatus = -1));
      setTimeout(() => {
        signalsAt = performance.now();
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGTERM'), 100);
      }, 200);
    },
  );
  console.log(`lifecycle (SIGTERM twice): exit code ${r.code} signal ${r.signal}, ${(performance.now() - signalsAt).toFixed(0)} ms after the first signal; in-flight request ${requestStatus}; stdout ${JSON.stringify(r.out.trim())}${r.err ? `; stderr ${r.err.trim().slice(0, 300)}` : ''}`);
  assert.ok(r.signal === 'SIGTERM' || r.code === 143, `ended by SIGTERM (code ${r.code}, signal ${r.signal})`);
  assert.equal(requestStatus, 200, 'the request in flight was answered');
  assert.ok(!/unhandled/.test(r.out), r.out);
  assert.equal(r.err.trim(), '');
});
