// @one-runtime 120,000 requests over real sockets, about 50 s of two cores
/**
 * Cardinality over HTTP: what many distinct values cost. 100,000 distinct unknown URLs to an Express app (404,
 * `uri="NOT_FOUND"` as Spring) and 20,000 distinct values through a parameter route (`/users/{id}`), over real
 * sockets (autocannon, one path per request). The Kafka case is cardinality-kafka.test.ts.
 * Asserted: series counts (exact where Spring's are exact) and heap growth after a forced GC under stated bounds.
 * Counts can be lowered with CARDINALITY_URLS / CARDINALITY_PARAMS for a quick run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import express from 'express';
import { instrument } from '../../src/index.js';
import { forceGc } from '../helpers/gc.js';
import { parseExposition } from '../helpers/registry.js';

// 100,000 distinct unknown URLs and 20,000 values of a parameter route, as the hardening issue names them: about
// 50 s on two busy cores (docs/guides/hardening.md), on one runtime only (the `@one-runtime` line above).
const URLS = Number(process.env.CARDINALITY_URLS ?? 100_000);
const PARAMS = Number(process.env.CARDINALITY_PARAMS ?? 20_000);
const MiB = 1024 * 1024;

type Autocannon = (opts: Record<string, unknown>, cb: (err: unknown, r: { requests: { total: number }; non2xx: number; errors: number; '2xx': number }) => void) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function heapAfterGc(): number {
  forceGc();
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** Sends `amount` requests, the n-th to `path(n)`, over 16 keep-alive connections. */
function sendPaths(base: string, amount: number, path: (n: number) => string) {
  let n = 0;
  return new Promise<{ total: number; non2xx: number; ok: number; errors: number }>((resolve, reject) => {
    autocannon(
      {
        url: base,
        connections: 16,
        amount,
        timeout: 20,
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path(n++) }) }],
      },
      (err, r) => (err ? reject(err) : resolve({ total: r.requests.total, non2xx: r.non2xx, ok: r['2xx'], errors: r.errors })),
    );
  });
}

test(`HTTP: ${URLS} distinct unknown URLs and ${PARAMS} values of a parameter route make a bounded number of series`, async () => {
  const nm = instrument({ serviceName: 'cardinality', diagLevel: 'silent', logging: { loki: false }, tracing: { enabled: false } });
  const app = express();
  app.use(nm.express());
  app.get('/users/:id', (_req, res) => {
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    // Warm up first, so that the heap baseline includes the code paths, not only the series.
    await sendPaths(base, 500, (n) => `/warm/${n}`);
    const before = heapAfterGc();
    const t0 = performance.now();
    const unknown = await sendPaths(base, URLS, (n) => `/nowhere/${n}/${(n * 2654435761) >>> 0}?q=${n}`);
    const param = await sendPaths(base, PARAMS, (n) => `/users/${n}`);
    const ms = performance.now() - t0;
    const after = heapAfterGc();
    const text = await nm.scrape();
    const series = parseExposition(text).filter((s) => s.name === 'http_server_requests_seconds_count');
    const uris = [...new Set(series.map((s) => s.labels.uri))].sort();
    const allLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const grew = (after - before) / MiB;
    console.log(
      `cardinality http: ${unknown.total} unknown URLs (${unknown.non2xx} answered 404) + ${param.total} parameter values in ${ms.toFixed(0)} ms; ` +
        `http_server_requests_seconds_count series ${series.length}, uri values ${JSON.stringify(uris)}; exposition lines ${allLines}; ` +
        `heap after GC ${(before / MiB).toFixed(1)} → ${(after / MiB).toFixed(1)} MiB (+${grew.toFixed(2)})`,
    );
    assert.equal(unknown.total, URLS);
    assert.equal(unknown.errors + param.errors, 0);
    assert.equal(param.ok, PARAMS);
    assert.deepEqual(uris, ['/users/{id}', 'NOT_FOUND']);
    // NOT_FOUND for the 404s; /users/{id} 200; one series each (plus the warm-up's NOT_FOUND, same series).
    assert.equal(series.length, 2);
    assert.ok(allLines < 2_000, `the whole exposition stays small: ${allLines} lines`);
    assert.ok(grew < 16, `heap grew ${grew.toFixed(2)} MiB for ${URLS + PARAMS} distinct paths`);
  } finally {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await nm.shutdown();
  }
});
