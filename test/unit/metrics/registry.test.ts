import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRegistry, parseExposition, seriesOf } from '../../helpers/registry.js';
import { NodemeterError } from '../../../src/core/errors.js';

test('names follow Micrometer: units appended, counters end in _total, timers in _seconds', async () => {
  const r = newRegistry();
  r.counter('orders.placed', { labelNames: ['channel'] }).inc({ channel: 'web' }, 2);
  r.functionCounter('process.cpu.time', { baseUnit: 'ns', read: (emit) => emit(1234) });
  r.gauge('jvm.memory.used', { baseUnit: 'bytes', labelNames: ['area', 'id'] }).set({ area: 'heap', id: 'old_space' }, 10);
  r.timer('http.server.requests', { labelNames: ['uri'] }).record({ uri: '/a' }, 0.25);
  const text = await r.scrape();
  assert.deepEqual(seriesOf(text, 'orders_placed_total')[0], {
    name: 'orders_placed_total',
    labels: { channel: 'web', application: 'test-app' },
    value: 2,
  });
  assert.equal(seriesOf(text, 'process_cpu_time_ns_total')[0]!.value, 1234);
  assert.equal(seriesOf(text, 'jvm_memory_used_bytes')[0]!.value, 10);
  assert.equal(seriesOf(text, 'http_server_requests_seconds_count')[0]!.value, 1);
  assert.equal(seriesOf(text, 'http_server_requests_seconds_sum')[0]!.value, 0.25);
  assert.equal(seriesOf(text, 'http_server_requests_seconds_max')[0]!.value, 0.25);
  assert.match(text, /# TYPE orders_placed_total counter/);
  assert.match(text, /# TYPE http_server_requests_seconds summary/);
  assert.match(text, /# TYPE http_server_requests_seconds_max gauge/);
});

test('OpenMetrics and text scrapes do not disturb each other', async () => {
  const r = newRegistry();
  r.counter('jobs.done').inc(3);
  const om1 = await r.scrape('openmetrics');
  const text = await r.scrape('text');
  const om2 = await r.scrape('openmetrics');
  assert.match(om1, /# TYPE jobs_done counter\njobs_done_total\{application="test-app"\} 3\n# EOF\n$/);
  assert.equal(om1, om2);
  assert.match(text, /# TYPE jobs_done_total counter\njobs_done_total\{application="test-app"\} 3\n$/);
});

test('get-or-create: same meter back; another type or label set gets a no-op and one warning', async () => {
  const r = newRegistry();
  const a = r.counter('requests', { labelNames: ['a'] });
  assert.equal(r.counter('requests', { labelNames: ['a'] }), a);
  const clash = r.gauge('requests.total', { labelNames: ['a'] });
  clash.set({ a: 'x' }, 5);
  const other = r.counter('requests', { labelNames: ['b'] });
  other.inc({ b: 'y' });
  r.counter('requests', { labelNames: ['b'] });
  a.inc({ a: 'x' });
  const samples = parseExposition(await r.scrape());
  assert.deepEqual(samples.map((s) => s.name), ['requests_total']);
  assert.equal(samples[0]!.value, 1);
  const warnings = r.messages.filter((m) => m.startsWith('warn NMWRN002'));
  assert.equal(warnings.length, 2, r.messages.join('\n'));
  assert.ok(r.messages.some((m) => m.startsWith('debug NMWRN002')), 'the repeat goes to debug');
});

test('a meter using a common tag as label is refused; invalid names throw coded errors', () => {
  const r = newRegistry();
  const g = r.gauge('x', { labelNames: ['application'] });
  g.set({ application: 'other' }, 1);
  assert.ok(r.messages.some((m) => m.includes('common tag "application"')));
  assert.throws(() => r.counter('9lives'), NodemeterError);
  assert.throws(() => r.counter('ok', { labelNames: ['le'] }), /NM_ERR_METRIC_NAME_INVALID/);
});

test('a failing collect leaves that family out and warns; the scrape succeeds', async () => {
  const r = newRegistry();
  r.gauge('broken', { collect: () => { throw new Error('boom'); } });
  r.gauge('fine').set(1);
  const text = await r.scrape();
  assert.equal(seriesOf(text, 'fine')[0]!.value, 1);
  assert.equal(seriesOf(text, 'broken').length, 0);
  assert.ok(r.messages.some((m) => m.includes('NMWRN012') && m.includes('boom')));
});

test('remove() drops the series; the name can be registered again', async () => {
  const r = newRegistry();
  const t = r.timer('task');
  t.record(1);
  r.remove(t);
  assert.equal(seriesOf(await r.scrape(), 'task_seconds_count').length, 0);
  r.timer('task').record(2);
  assert.equal(seriesOf(await r.scrape(), 'task_seconds_sum')[0]!.value, 2);
});
