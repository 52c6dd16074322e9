import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRegistry, seriesOf } from '../../helpers/registry.js';
import { TimeWindowMax } from '../../../src/metrics/time-window-max.js';
import { defaultTimerBuckets, formatLe } from '../../../src/metrics/buckets.js';

test('default bucket ladder is Micrometer\'s: 68 boundaries from 1 ms to 30 s', () => {
  const b = defaultTimerBuckets();
  assert.equal(b.length, 68);
  assert.equal(b[0], 0.001);
  assert.equal(b[1], 0.001048576);
  assert.equal(b[2], 0.001398101);
  assert.equal(b[19], 0.016777216);
  assert.equal(b[66], 28.633115306);
  assert.equal(b[67], 30);
  assert.equal(formatLe(30), '30.0');
  assert.equal(formatLe(0.001), '0.001');
  assert.equal(formatLe(Infinity), '+Inf');
});

test('histogram timer: cumulative buckets ending in +Inf, count, sum, max', async () => {
  const r = newRegistry();
  const t = r.timer('db.query', { labelNames: ['op'], buckets: [0.1, 0.5, 1] });
  const c = t.child({ op: 'select' });
  for (const v of [0.05, 0.1, 0.3, 0.7, 2]) c.record(v);
  c.record(-1);
  c.record(Number.NaN);
  const text = await r.scrape();
  const buckets = seriesOf(text, 'db_query_seconds_bucket').map((s) => [s.labels.le, s.value]);
  assert.deepEqual(buckets, [['0.1', 2], ['0.5', 3], ['1.0', 4], ['+Inf', 5]]);
  assert.equal(seriesOf(text, 'db_query_seconds_count')[0]!.value, 5);
  assert.ok(Math.abs(seriesOf(text, 'db_query_seconds_sum')[0]!.value - 3.15) < 1e-9);
  assert.equal(seriesOf(text, 'db_query_seconds_max')[0]!.value, 2);
  assert.match(text, /# TYPE db_query_seconds histogram/);
});

test('time() records sync, async and throwing work', async () => {
  const r = newRegistry();
  const t = r.timer('work', { labelNames: ['kind'] });
  assert.equal(t.time({ kind: 'sync' }, () => 7), 7);
  assert.equal(await t.time({ kind: 'async' }, async () => 8), 8);
  assert.throws(() => t.time({ kind: 'sync' }, () => { throw new Error('x'); }));
  await assert.rejects(t.time({ kind: 'async' }, () => Promise.reject(new Error('y'))));
  const counts = seriesOf(await r.scrape(), 'work_seconds_count');
  assert.deepEqual(counts.map((s) => [s.labels.kind, s.value]).sort(), [['async', 2], ['sync', 2]]);
});

test('TimeWindowMax decays as Micrometer\'s: max of the last 2 minutes, in 3 steps', () => {
  const t0 = 1_000_000;
  const m = new TimeWindowMax(120_000, 3, t0);
  m.record(5, t0);
  assert.equal(m.poll(t0 + 20_000), 5);
  assert.equal(m.poll(t0 + 41_000), 5, 'still within the window');
  m.record(3, t0 + 50_000);
  m.record(1, t0 + 90_000);
  assert.equal(m.poll(t0 + 121_000), 3, 'the 5 has rotated out; the 3 (recorded later) is still seen');
  assert.equal(m.poll(t0 + 1_000_000), 0, 'idle long enough: zero');
});
