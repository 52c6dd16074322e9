import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { jvmGcBinder, jvmGcMetricNames } from '../../../../src/metrics/binders/jvm-gc.js';
import { forceGc, scrapeUntil } from '../../../helpers/gc.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';


let sink: unknown;
function allocateGarbage(objects: number): void {
  for (let i = 0; i < objects; i++) sink = { i, s: `garbage-${i}` };
}

const forcedPause = (text: string) =>
  seriesOf(text, 'jvm_gc_pause_seconds_count').filter((s) => s.labels.cause === 'System.gc()' && s.labels.gc === 'V8 Mark-Compact');

test('jvm-gc binder times pauses and tracks allocation, promotion and live data, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = jvmGcBinder.bindTo(registry, registry.context);

  const text1 = await registry.scrape();
  const max = seriesOf(text1, 'jvm_gc_max_data_size_bytes');
  assert.equal(max[0]!.labels.application, 'test-app');
  assert.equal(max[0]!.value, v8.getHeapStatistics().heap_size_limit);
  const live1 = seriesOf(text1, 'jvm_gc_live_data_size_bytes');
  assert.equal(live1[0]!.labels.application, 'test-app');
  assert.ok(live1[0]!.value > 0 && live1[0]!.value < max[0]!.value, `live data before a major GC ${live1[0]!.value}`);
  const allocated1 = seriesOf(text1, 'jvm_gc_memory_allocated_bytes_total')[0]!;
  assert.equal(allocated1.labels.application, 'test-app');
  const promoted1 = seriesOf(text1, 'jvm_gc_memory_promoted_bytes_total')[0]!;
  assert.equal(promoted1.labels.application, 'test-app');
  const forced1 = forcedPause(text1).reduce((a, s) => a + s.value, 0);

  // Young garbage (scavenges), some survivors to promote, then a forced full GC.
  const keep: object[] = [];
  for (let round = 0; round < 20; round++) {
    allocateGarbage(50_000);
    keep.push(Array.from({ length: 2_000 }, (_, i) => ({ i })));
  }
  forceGc();

  const text2 = await scrapeUntil(registry, (t) => forcedPause(t).some((s) => s.value > forced1));
  const forced = forcedPause(text2);
  assert.equal(forced.length, 1, text2);
  assert.equal(forced[0]!.labels.action, 'end of major GC');
  assert.equal(forced[0]!.labels.application, 'test-app');
  assert.ok(forced[0]!.value >= forced1 + 1, `forced pauses ${forced1} -> ${forced[0]!.value}`);
  const sum = seriesOf(text2, 'jvm_gc_pause_seconds_sum').find((s) => s.labels.cause === 'System.gc()')!;
  assert.ok(sum.value > 0 && sum.value < 10, `forced pause time ${sum.value}s`);
  const pauseMax = seriesOf(text2, 'jvm_gc_pause_seconds_max').find((s) => s.labels.cause === 'System.gc()')!;
  assert.ok(pauseMax.value > 0 && pauseMax.value <= sum.value, `max ${pauseMax.value}`);
  const scavenges = seriesOf(text2, 'jvm_gc_pause_seconds_count').filter((s) => s.labels.gc === 'V8 Scavenger');
  for (const s of scavenges) assert.equal(s.labels.action, 'end of minor GC');
  const allocationFailures = scavenges.find((s) => s.labels.cause === 'Allocation Failure');
  assert.ok(allocationFailures && allocationFailures.value > 0, `scavenges: ${JSON.stringify(scavenges)}`);

  const allocated2 = seriesOf(text2, 'jvm_gc_memory_allocated_bytes_total')[0]!.value;
  assert.ok(allocated2 - allocated1.value > 1024 * 1024, `allocated moved by ${allocated2 - allocated1.value}`);
  const promoted2 = seriesOf(text2, 'jvm_gc_memory_promoted_bytes_total')[0]!.value;
  assert.ok(promoted2 > promoted1.value, `promoted ${promoted1.value} -> ${promoted2}`);
  const live2 = seriesOf(text2, 'jvm_gc_live_data_size_bytes')[0]!.value;
  assert.ok(live2 > 0 && live2 < max[0]!.value, `live data after a major GC ${live2}`);
  assert.ok(keep.length === 20 && sink !== undefined);

  unbind();
  unbind(); // twice is harmless
  const after = await registry.scrape();
  for (const name of jvmGcMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
  // No observer left: GC after unbind records nothing anywhere.
  forceGc();
  await sleep(20);
  assert.equal(seriesOf(await registry.scrape(), 'jvm_gc_pause_seconds_count').length, 0);
});
