/**
 * A Zipkin that accepts connections and never answers: each export is abandoned after exportTimeoutMs (its request
 * closed, counted as backend_slow), at most two requests are ever held at once, and when the backend answers
 * again export resumes by itself. Before, the in-flight count was lowered only by an answer, so after two hung
 * exports every later batch was dropped for the life of the process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { instrument } from '../../../src/index.js';
import { startFakeBackend } from '../../hardening/helpers/fake-backend.js';
import { close, listen, waitFor } from '../../helpers/http.js';
import { find } from '../../helpers/series.js';
import { untracedFetch } from '../../helpers/untraced.js';

test('Zipkin hangs, then recovers: exports time out, at most two requests held, export resumes', async () => {
  const zipkin = await startFakeBackend('silent');
  const nm = instrument({
    serviceName: 'export-timeout',
    diagLevel: 'silent',
    tracing: {
      samplingProbability: 1,
      zipkin: { endpoint: `${zipkin.url}/api/v2/spans` },
      export: { scheduledDelayMs: 20, maxExportBatchSize: 10, exportTimeoutMs: 300 },
    },
  });
  const app = createServer((_req, res) => res.end('ok'));
  const url = await listen(app);
  const count = async (result: string, reason: string) =>
    find(await nm.scrape(), 'nodemeter_spans_total', { result, reason })?.value ?? 0;
  try {
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 10 }, () => untracedFetch(url).then((r) => r.text())));
      await new Promise((r) => setTimeout(r, 50));
    }
    const slow = await waitFor('backend_slow drops', async () => ((await count('dropped', 'backend_slow')) >= 50 ? count('dropped', 'backend_slow') : undefined), 15_000, 100);
    const hung = await zipkin.stats();
    console.log(`hung phase: backend_slow=${slow} requests seen=${hung.hits} max held at once=${hung.maxOpen}`);
    assert.ok(hung.maxOpen <= 2, `requests held at once: ${hung.maxOpen}`);
    assert.ok(hung.hits > 2, 'timed-out exports free their slot, so later batches are tried');
    // The hung requests were closed by the timeout, not left open.
    await waitFor('hung requests closed', async () => ((await zipkin.stats()).open === 0 ? true : undefined), 5_000, 50);

    await zipkin.mode('ok');
    const before = await count('exported', 'none');
    for (let i = 0; i < 30; i++) await untracedFetch(url).then((r) => r.text());
    const exported = await waitFor('export resumes', async () => {
      const n = await count('exported', 'none');
      return n - before >= 30 ? n - before : undefined;
    }, 15_000, 100);
    const after = await zipkin.stats();
    console.log(`recovered: exported=${exported} spans received by the fake=${after.spans}`);
    assert.equal(after.spans, await count('exported', 'none'));
  } finally {
    await close(app);
    await nm.shutdown();
    await zipkin.stop();
  }
});
