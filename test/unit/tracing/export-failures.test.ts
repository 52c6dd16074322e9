/**
 * A Zipkin endpoint that answers 500, or accepts and never answers (local fake servers standing in for a broken
 * backend; the real-Zipkin outage test is in test/integration/tracing.int.test.ts): the service keeps answering,
 * lost spans are counted, one warning is logged, and a slow backend holds at most two requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { instrument } from '../../../src/index.js';
import { close, listen, waitFor } from '../../helpers/http.js';
import { find } from '../../helpers/series.js';

const untraced = untracedFetch;

/**
 * The broken "Zipkin" runs in its own process: a server in this process would itself be observed, and its spans
 * exported to it, which is not what a real deployment looks like.
 */
const BACKENDS = {
  error500: "res.statusCode = 500; res.end('boom');",
  silent: '/* accepts, never answers */',
};

async function withBackend(
  exportTimeoutMs: number,
  behaviour: keyof typeof BACKENDS,
  check: (nm: ReturnType<typeof instrument>, app: string, hits: () => number, messages: string[]) => Promise<void>,
): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:http').createServer((req, res) => { req.resume(); process.stdout.write('hit\\n'); res.on('close', () => process.stdout.write('closed\\n')); ${BACKENDS[behaviour]} });
       s.listen(0, '127.0.0.1', () => process.stdout.write('port ' + s.address().port + '\\n'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const port = await waitFor('the fake backend', () => /port (\d+)/.exec(out)?.[1], 10_000, 20);
  // Requests the backend holds now: received and not yet closed.
  const hits = () => out.split('\n').filter((l) => l === 'hit').length - out.split('\n').filter((l) => l === 'closed').length;
  const zipkin = `http://127.0.0.1:${port}`;
  const nm = instrument({
    serviceName: 'export-failures',
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${zipkin}/api/v2/spans` }, export: { scheduledDelayMs: 20, maxExportBatchSize: 10, exportTimeoutMs } },
  });
  const messages: string[] = [];
  nm.diag.setSink((level, m) => messages.push(`${level} ${m}`));
  const app = createServer((_req, res) => res.end('ok'));
  const url = await listen(app);
  try {
    await check(nm, url, hits, messages);
  } finally {
    await close(app);
    child.kill();
    await nm.shutdown();
  }
}

test('Zipkin answering 500: requests succeed, dropped spans counted, warned once', async () => {
  await withBackend(
    60_000,
    'error500',
    async (nm, app, _hits, messages) => {
      for (let i = 0; i < 50; i++) assert.equal((await untraced(app)).status, 200);
      const dropped = await waitFor('drops counted', async () => {
        const s = find(await nm.scrape(), 'nodemeter_spans_total', { result: 'dropped', reason: 'export_failed' });
        return s && s.value >= 50 ? s.value : undefined;
      }, 10_000, 50);
      assert.equal(dropped, 50);
      assert.equal(messages.filter((m) => m.startsWith('warn NMWRN008')).length, 1, messages.join('\n'));
    },
  );
});

test('Zipkin accepting but never answering: at most two exports in flight, the rest dropped as backend_slow', async () => {
  // The batch processor gives up on an export after exportTimeoutMs and sends the next batch; without the bound,
  // every batch would leave one more request hanging on the backend. Timed-out requests are closed, so what the
  // backend holds at any time is at most two (recovery: test/unit/tracing/export-timeout.test.ts).
  await withBackend(
    100,
    'silent',
    async (nm, app, hits) => {
      for (let round = 0; round < 10; round++) {
        await Promise.all(Array.from({ length: 10 }, () => untraced(app).then((r) => r.text())));
        await new Promise((r) => setTimeout(r, 30));
      }
      const slow = await waitFor('backend_slow drops', async () => {
        const s = find(await nm.scrape(), 'nodemeter_spans_total', { result: 'dropped', reason: 'backend_slow' });
        return s && s.value > 0 ? s.value : undefined;
      }, 10_000, 50);
      assert.ok(slow > 0);
      assert.ok(hits() <= 2, `requests held by the slow backend: ${hits()}`);
    },
  );
});
import { untracedFetch } from '../../helpers/untraced.js';
