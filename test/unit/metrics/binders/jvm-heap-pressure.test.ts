import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { jvmHeapPressureBinder, jvmHeapPressureMetricNames } from '../../../../src/metrics/binders/jvm-heap-pressure.js';
import { forceGc, scrapeUntil } from '../../../helpers/gc.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';


test('jvm-heap-pressure binder reports GC overhead and long-lived usage after GC, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = jvmHeapPressureBinder.bindTo(registry, registry.context);

  const text1 = await registry.scrape();
  const overhead1 = seriesOf(text1, 'jvm_gc_overhead');
  assert.equal(overhead1.length, 1);
  assert.equal(overhead1[0]!.labels.application, 'test-app');
  assert.ok(overhead1[0]!.value >= 0 && overhead1[0]!.value <= 1, `overhead ${overhead1[0]!.value}`);
  const usage1 = seriesOf(text1, 'jvm_memory_usage_after_gc');
  assert.deepEqual(usage1[0]!.labels, { application: 'test-app', area: 'heap', pool: 'long-lived' });
  assert.ok(usage1[0]!.value > 0 && usage1[0]!.value < 1, `usage ${usage1[0]!.value}`);

  // Full GCs take a measurable share of this short window.
  const overheadOf = (text: string): number => seriesOf(text, 'jvm_gc_overhead')[0]!.value;
  const usageOf = (text: string): number => seriesOf(text, 'jvm_memory_usage_after_gc')[0]!.value;
  for (let i = 0; i < 5; i++) forceGc();
  const usage2 = usageOf(await scrapeUntil(registry, (t) => overheadOf(t) > 0));

  // Retain 32 MiB of long-lived data: usage after the next full GC is higher.
  const retained = Array.from({ length: 64 }, () => new Array(64 * 1024).fill(2.5));
  forceGc();
  const limit = v8.getHeapStatistics().heap_size_limit;
  const text3 = await scrapeUntil(registry, (t) => (usageOf(t) - usage2) * limit > 16 * 1024 * 1024);
  const overhead3 = seriesOf(text3, 'jvm_gc_overhead')[0]!.value;
  assert.ok(overhead3 > 0 && overhead3 <= 1, `overhead after forced GCs ${overhead3}`);
  const usage3 = usageOf(text3);
  assert.ok(retained.length === 64 && (usage3 - usage2) * limit > 16 * 1024 * 1024, `usage after GC ${usage2} -> ${usage3}`);

  unbind();
  const after = await registry.scrape();
  for (const name of jvmHeapPressureMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
