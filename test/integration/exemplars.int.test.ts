// @backends prometheus zipkin
/**
 * Exemplars end to end: a real Prometheus with exemplar storage on (scripts/stack starts it with
 * `--enable-feature=exemplar-storage`, so it scrapes OpenMetrics) scrapes a traced Express service; its
 * `/api/v1/query_exemplars` returns `trace_id`/`span_id` exemplars on the HTTP histogram buckets, on a counter's
 * `_total` and on a user timer's buckets, and every exemplar's trace is in the real Zipkin, its span among the
 * trace's spans. Requests whose caller decided "not sampled" (traceparent flags 00) never show up as exemplars.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { instrument, type Nodemeter } from '../../src/index.js';
import { close, waitFor } from '../helpers/http.js';
import { addTarget, PROMETHEUS_URL, requirePrometheus, waitForTargetUp } from '../helpers/prometheus.js';
import { getTrace, randomHex, requireZipkin, ZIPKIN_URL } from '../helpers/zipkin.js';
import { untracedFetch } from '../helpers/untraced.js';

const SERVICE = `it-exemplars-${process.pid}`;
let nm: Nodemeter;
let server: Server;
let base: string;
let removeTarget: () => void;
const unsampledTraces = new Set<string>();

interface ExemplarRow {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

async function queryExemplars(selector: string): Promise<ExemplarRow[]> {
  const now = Date.now() / 1000;
  const url = `${PROMETHEUS_URL}/api/v1/query_exemplars?query=${encodeURIComponent(selector)}&start=${now - 600}&end=${now + 60}`;
  const body = (await (await fetch(url)).json()) as { status: string; error?: string; data: ExemplarRow[] };
  if (body.status !== 'success') throw new Error(`query_exemplars ${selector}: ${body.error}`);
  return body.data ?? [];
}

before(async () => {
  requirePrometheus();
  requireZipkin();
  nm = instrument({
    serviceName: SERVICE,
    diagLevel: 'error',
    metrics: { distribution: { percentilesHistogram: { 'http.server.requests': true } } },
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${ZIPKIN_URL}/api/v2/spans` }, export: { scheduledDelayMs: 100 } },
  });
  const placed = nm.registry.counter('orders.placed');
  // On _count as Micrometer does: the stack's Prometheus (2.42) would reject that, so this timer has buckets and
  // the default (buckets only) is what is checked end to end.
  const lookup = nm.registry.timer('orders.lookup', { buckets: [0.001, 0.01, 0.1] });
  const app = express();
  app.use(nm.express());
  app.get('/orders/:id', (req, res) => {
    placed.inc();
    lookup.record(0.003);
    res.json({ id: req.params.id });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${instance}`;
  removeTarget = addTarget(`it-exemplars-${process.pid}`, instance, { __metrics_path__: '/actuator/prometheus', app: SERVICE });
});

after(async () => {
  removeTarget?.();
  if (server) await close(server);
  await nm?.shutdown();
});

/** Sends sampled requests (new traces) and requests a caller marked unsampled, until `done` says enough. */
async function traffic(done: () => Promise<boolean>): Promise<void> {
  await waitFor('exemplars in Prometheus', async () => {
    for (let i = 0; i < 5; i++) {
      const unsampled = randomHex(16);
      unsampledTraces.add(unsampled);
      await untracedFetch(`${base}/orders/${i}`, { headers: { traceparent: `00-${unsampled}-${randomHex(8)}-00` } });
      await untracedFetch(`${base}/orders/${i}`);
    }
    return (await done()) ? true : undefined;
  }, 60_000, 500);
}

test('Prometheus stores exemplars on HTTP buckets, a counter and timer buckets; each trace is in Zipkin', async () => {
  await waitForTargetUp('app', SERVICE);
  const selectors = {
    buckets: `http_server_requests_seconds_bucket{application="${SERVICE}",uri="/orders/{id}"}`,
    counter: `orders_placed_total{application="${SERVICE}"}`,
    timerBuckets: `orders_lookup_seconds_bucket{application="${SERVICE}"}`,
  };
  const found: Record<string, ExemplarRow[]> = {};
  await traffic(async () => {
    for (const [k, sel] of Object.entries(selectors)) found[k] = await queryExemplars(sel);
    return Object.values(found).every((rows) => rows.some((r) => r.exemplars.length > 0));
  });

  const all = Object.values(found).flatMap((rows) => rows.flatMap((r) => r.exemplars.map((e) => ({ row: r, e }))));
  assert.ok(all.length >= 3, `${all.length} exemplars`);
  for (const { row, e } of all) {
    assert.deepEqual(Object.keys(e.labels).sort(), ['span_id', 'trace_id']);
    assert.match(e.labels.trace_id!, /^[0-9a-f]{32}$/);
    assert.match(e.labels.span_id!, /^[0-9a-f]{16}$/);
    assert.ok(!unsampledTraces.has(e.labels.trace_id!), 'an unsampled request never becomes an exemplar');
    if (row.seriesLabels.le !== undefined) {
      assert.ok(Number(e.value) <= (row.seriesLabels.le === '+Inf' ? Infinity : Number(row.seriesLabels.le)), 'value within its bucket');
    }
  }
  // Buckets: the exemplar sits on a real bucket, not on _count (histograms carry them on buckets only).
  assert.ok(found.buckets!.some((r) => r.seriesLabels.le !== undefined && r.exemplars.length > 0));

  // Every exemplar links to a trace that exists in Zipkin, and to one of its spans.
  const byTrace = new Map(all.map(({ e }) => [e.labels.trace_id!, e.labels.span_id!]));
  for (const [traceId, spanId] of byTrace) {
    const spans = await waitFor(`trace ${traceId} in Zipkin`, async () => {
      const s = await getTrace(traceId);
      return s.length > 0 ? s : undefined;
    }, 20_000, 200);
    assert.ok(spans.some((s) => s.id === spanId), `span ${spanId} in trace ${traceId}`);
    const server = spans.find((s) => s.id === spanId)!;
    assert.equal(server.kind, 'SERVER');
    assert.equal(server.localEndpoint?.serviceName, SERVICE);
  }
});

test('the text format stays exemplar-free; OpenMetrics writes them as Micrometer does', async () => {
  await untracedFetch(`${base}/orders/7`);
  const text = await (await untracedFetch(`${base}/actuator/prometheus`)).text();
  assert.doesNotMatch(text, /trace_id/);
  const om = await (
    await untracedFetch(`${base}/actuator/prometheus`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
  ).text();
  assert.match(om, /orders_placed_total\{application="[^"]+"\} \d+ # \{span_id="[0-9a-f]{16}",trace_id="[0-9a-f]{32}"\} 1 \d+(\.\d+)?\n/);
  assert.match(om, /# TYPE jvm info\njvm_info\{/);
});
