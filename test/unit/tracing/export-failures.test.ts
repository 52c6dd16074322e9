/**
 * A Zipkin endpoint that answers 500, or accepts and never answers (local fake servers standing in for a broken
 * backend; the real-Zipkin outage test is in test/integration/tracing.int.test.ts): the service keeps answering,
 * lost spans are counted, one warning is logged, and a slow backend holds at most two requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { instrument } from '../../../src/index.js';
import { close, listen, waitFor } from '../../helpers/http.js';
import { find } from '../../helpers/series.js';

const untraced = (url: string) => context.with(suppressTracing(context.active()), () => fetch(url));

async function withBackend(
  exportTimeoutMs: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  check: (nm: ReturnType<typeof instrument>, app: string, hits: () => number, messages: string[]) => Promise<void>,
): Promise<void> {
  let hits = 0;
  const backend = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  const zipkin = await listen(backend);
  const nm = instrument({
    serviceName: 'export-failures',
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${zipkin}/api/v2/spans` }, export: { scheduledDelayMs: 20, maxExportBatchSize: 10, exportTimeoutMs } },
  });
  const messages: string[] = [];
  nm.diag.setSink((level, m) => messages.push(`${level} ${m}`));
  const app = createServer((_req, res) => res.end('ok'));
  const url = await listen(app);
  try {
    await check(nm, url, () => hits, messages);
  } finally {
    await close(app);
    backend.closeAllConnections();
    await close(backend);
    await nm.shutdown();
  }
}

test('Zipkin answering 500: requests succeed, dropped spans counted, warned once', async () => {
  await withBackend(
    60_000,
    (_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    },
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
  // every batch would leave one more request hanging on the backend.
  await withBackend(
    100,
    () => {
      /* never answers */
    },
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
