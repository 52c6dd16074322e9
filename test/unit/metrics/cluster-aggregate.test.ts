import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diag } from '../../../src/core/diag.js';
import { aggregateScrape } from '../../../src/metrics/cluster/aggregate.js';
import { clusterAggregationOf } from '../../../src/metrics/cluster/aggregation.js';
import { PrometheusMeterRegistry } from '../../../src/metrics/registry.js';

/** A worker's registry: its own requests, max, info, start time; exemplars from a fixed span. */
function worker(requests: number, maxSeconds: number, startTime: number, spanId: string) {
  const r = new PrometheusMeterRegistry({ application: 'svc' }, new Diag('error', () => {}), {}, () => ({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId,
  }));
  const t = r.timer('http.server.requests', { labelNames: ['uri'], buckets: [1] });
  for (let i = 0; i < requests; i++) t.record({ uri: '/a' }, i === 0 ? maxSeconds : 0.001);
  r.gauge('jvm.info', { labelNames: ['version'] }).set({ version: 'v22' }, 1);
  r.gauge('process.start.time', { baseUnit: 'seconds' }).set(startTime);
  r.gauge('pool.size', { aggregation: 'max' }).set(requests);
  return r;
}

test('workers combine per family: sums, max of maxima, one info, min start time, a gauge its own way', async () => {
  const a = worker(3, 0.2, 100, 'aaaaaaaaaaaaaaaa');
  const b = worker(5, 0.5, 90, 'bbbbbbbbbbbbbbbb');
  const text = await aggregateScrape([await a.localMetricsJson('text'), await b.localMetricsJson('text')], 'text');
  assert.match(text, /http_server_requests_seconds_count\{uri="\/a",application="svc"\} 8\n/);
  assert.match(text, /http_server_requests_seconds_bucket\{uri="\/a",le="\+Inf",application="svc"\} 8\n/);
  assert.match(text, /http_server_requests_seconds_max\{uri="\/a",application="svc"\} 0.5\n/);
  assert.match(text, /jvm_info\{version="v22",application="svc"\} 1\n/);
  assert.match(text, /process_start_time_seconds\{application="svc"\} 90\n/);
  assert.match(text, /pool_size\{application="svc"\} 5\n/);
  assert.doesNotMatch(text, /span_id/);
});

test('OpenMetrics aggregate keeps the info type, counter names and the newest exemplar of each line', async () => {
  const a = worker(1, 0.2, 100, 'aaaaaaaaaaaaaaaa');
  a.counter('jobs').inc();
  const aJson = await a.localMetricsJson('openmetrics');
  await new Promise((r) => setTimeout(r, 5));
  const b = worker(1, 0.3, 90, 'bbbbbbbbbbbbbbbb');
  b.counter('jobs').inc();
  const om = await aggregateScrape([aJson, await b.localMetricsJson('openmetrics')], 'openmetrics');
  assert.match(om, /# TYPE jvm info\njvm_info\{version="v22",application="svc"\} 1\n/);
  assert.match(om, /jobs_total\{application="svc"\} 2 # \{span_id="bbbbbbbbbbbbbbbb",trace_id="[0-9a-f]{32}"\} 1 /);
  assert.match(om, /http_server_requests_seconds_bucket\{uri="\/a",le="1.0",application="svc"\} 2 # \{span_id="bbbbbbbbbbbbbbbb"/);
  assert.match(om, /# EOF\n$/);
});

test('default rules by name and type', () => {
  assert.equal(clusterAggregationOf('orders_total', 'counter'), 'sum');
  assert.equal(clusterAggregationOf('x_seconds_max', 'gauge'), 'max');
  assert.equal(clusterAggregationOf('hikaricp_connections_active', 'gauge'), 'sum');
  assert.equal(clusterAggregationOf('system_cpu_count', 'gauge'), 'first');
  assert.equal(clusterAggregationOf('nodejs_eventloop_lag_p99_seconds', 'gauge'), 'max');
  assert.equal(clusterAggregationOf('kafka_consumer_fetch_manager_records_lag', 'gauge'), 'max');
  assert.equal(clusterAggregationOf('process_uptime_seconds', 'gauge'), 'max');
});
