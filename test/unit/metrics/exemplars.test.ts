import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMeterRegistry } from '../../../src/metrics/registry.js';
import type { SpanIds } from '../../../src/metrics/exemplars.js';
import { Diag } from '../../../src/core/diag.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

/** A registry whose sampler returns whatever `current.ids` holds. */
function registryWithSampler() {
  const current: { ids: SpanIds | undefined; calls: number } = { ids: undefined, calls: 0 };
  const registry = createMeterRegistry({
    commonTags: { application: 'test-app' },
    diag: new Diag('error', () => {}),
    exemplars: () => {
      current.calls++;
      return current.ids;
    },
  });
  return { registry, current };
}

const EXEMPLAR = `# \\{span_id="${SPAN}",trace_id="${TRACE}"\\} `;

test('counters carry the sampled span as exemplar on _total in OpenMetrics, as Micrometer writes it', async () => {
  const { registry, current } = registryWithSampler();
  const c = registry.counter('logback.events', { labelNames: ['level'] });
  c.inc({ level: 'info' }); // no span: no exemplar
  current.ids = { traceId: TRACE, spanId: SPAN };
  c.child({ level: 'warn' }).inc();
  current.ids = undefined;
  c.inc({ level: 'warn' }); // unsampled: the series keeps its last exemplar
  const om = await registry.scrape('openmetrics');
  assert.match(om, /logback_events_total\{level="info",application="test-app"\} 1\n/);
  assert.match(om, new RegExp(`logback_events_total\\{level="warn",application="test-app"\\} 2 ${EXEMPLAR}1 \\d+\\.?\\d*\\n`));
  const text = await registry.scrape('text');
  assert.doesNotMatch(text, /trace_id/);
  assert.match(text, /logback_events_total\{level="warn",application="test-app"\} 2\n/);
});

test('timers carry it on the bucket the value fell in; on _count only when asked (Prometheus < 2.43 rejects it)', async () => {
  const { registry, current } = registryWithSampler();
  const summary = registry.timer('spring.kafka.template', { labelNames: ['name'], exemplarsOnCount: true });
  const plain = registry.timer('plain.summary');
  current.ids = { traceId: TRACE, spanId: SPAN };
  plain.record(0.1);
  current.ids = undefined;
  const histogram = registry.timer('http.server.requests', { labelNames: ['uri'], buckets: [0.1, 1] });
  summary.record({ name: 'a' }, 0.05);
  histogram.child({ uri: '/x' }).record(0.5, { traceId: TRACE, spanId: SPAN }); // explicit ids win
  histogram.child({ uri: '/x' }).record(0.05, null); // explicit none: the sampler is not asked
  assert.equal(current.calls, 1, 'asked once: not for explicit ids, nor for a timer with nowhere to put one');
  current.ids = { traceId: TRACE, spanId: SPAN };
  summary.record({ name: 'a' }, 0.25);
  const om = await registry.scrape('openmetrics');
  assert.match(om, new RegExp(`spring_kafka_template_seconds_count\\{name="a",application="test-app"\\} 2 ${EXEMPLAR}0.25 \\d`));
  assert.match(om, /spring_kafka_template_seconds_sum\{name="a",application="test-app"\} 0.3\n/);
  assert.match(om, new RegExp(`http_server_requests_seconds_bucket\\{uri="/x",le="1.0",application="test-app"\\} 2 ${EXEMPLAR}0.5 \\d`));
  assert.match(om, /http_server_requests_seconds_bucket\{uri="\/x",le="0.1",application="test-app"\} 1\n/);
  assert.match(om, /http_server_requests_seconds_bucket\{uri="\/x",le="\+Inf",application="test-app"\} 2\n/);
  assert.match(om, /http_server_requests_seconds_count\{uri="\/x",application="test-app"\} 2\n/);
  assert.match(om, /plain_summary_seconds_count\{application="test-app"\} 1\n/);
  assert.doesNotMatch(await registry.scrape('text'), /#\s*\{/);
});

test('exemplar timestamps are seconds, as the Java client writes them', async () => {
  const { registry, current } = registryWithSampler();
  current.ids = { traceId: TRACE, spanId: SPAN };
  const before = Date.now() / 1000;
  registry.counter('jobs').inc();
  const om = await registry.scrape('openmetrics');
  const ts = Number(/ # \{[^}]*\} 1 (\S+)\n/.exec(om)?.[1]);
  assert.ok(ts >= before - 1 && ts <= Date.now() / 1000 + 1, `timestamp ${ts}`);
});

test('without a sampler nothing is asked and nothing is written', async () => {
  const registry = createMeterRegistry({ commonTags: { application: 'test-app' }, diag: new Diag('error', () => {}) });
  registry.counter('jobs').inc();
  registry.timer('t').record(0.1);
  assert.doesNotMatch(await registry.scrape('openmetrics'), /trace_id/);
});

test('a gauge named *.info is an OpenMetrics info family; text keeps gauge', async () => {
  const registry = createMeterRegistry({ commonTags: { application: 'test-app' }, diag: new Diag('error', () => {}) });
  registry.gauge('jvm.info', { labelNames: ['version'] }).set({ version: 'v22.0.0' }, 1);
  const om = await registry.scrape('openmetrics');
  assert.match(om, /# TYPE jvm info\njvm_info\{version="v22.0.0",application="test-app"\} 1\n/);
  const text = await registry.scrape('text');
  assert.match(text, /# TYPE jvm_info gauge\njvm_info\{version="v22.0.0",application="test-app"\} 1\n/);
});
