import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeGcBinder, nodeGcMetricNames } from '../../../../src/metrics/binders/node-gc.js';
import { forceGc, scrapeUntil } from '../../../helpers/gc.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';


let sink: unknown;

test('node-gc binder records GC durations by kind as a histogram, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = nodeGcBinder.bindTo(registry, registry.context);

  for (let i = 0; i < 300_000; i++) sink = { i, s: `garbage-${i}` };
  forceGc();

  const countOf = (text: string, kind: string): number =>
    seriesOf(text, 'nodejs_gc_duration_seconds_count').find((s) => s.labels.kind === kind)?.value ?? 0;
  const text = await scrapeUntil(registry, (t) => countOf(t, 'major') >= 1 && countOf(t, 'minor') >= 1);
  const count = seriesOf(text, 'nodejs_gc_duration_seconds_count');
  const kinds = new Map(count.map((s) => [s.labels.kind, s.value]));
  assert.ok((kinds.get('major') ?? 0) >= 1, `kinds ${JSON.stringify([...kinds])}`);
  assert.ok((kinds.get('minor') ?? 0) >= 1, `kinds ${JSON.stringify([...kinds])}`);
  for (const kind of kinds.keys()) assert.ok(['major', 'minor', 'incremental', 'weakcb'].includes(kind!), kind);
  for (const s of count) assert.equal(s.labels.application, 'test-app');

  const buckets = seriesOf(text, 'nodejs_gc_duration_seconds_bucket').filter((s) => s.labels.kind === 'major');
  assert.deepEqual(buckets.map((s) => s.labels.le), ['0.001', '0.01', '0.1', '1.0', '2.0', '5.0', '+Inf']);
  assert.equal(buckets.at(-1)!.value, kinds.get('major'));
  const sum = seriesOf(text, 'nodejs_gc_duration_seconds_sum').find((s) => s.labels.kind === 'major')!.value;
  const max = seriesOf(text, 'nodejs_gc_duration_seconds_max').find((s) => s.labels.kind === 'major')!.value;
  assert.ok(sum > 0 && max > 0 && max <= sum, `sum ${sum} max ${max}`);

  forceGc();
  const major2 = countOf(await scrapeUntil(registry, (t) => countOf(t, 'major') > kinds.get('major')!), 'major');
  assert.ok(major2 > kinds.get('major')!, `major count moved ${kinds.get('major')} -> ${major2}`);
  assert.ok(sink !== undefined);

  unbind();
  const after = await registry.scrape();
  for (const name of nodeGcMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
