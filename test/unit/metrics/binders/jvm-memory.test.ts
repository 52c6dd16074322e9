import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { jvmMemoryBinder, jvmMemoryMetricNames } from '../../../../src/metrics/binders/jvm-memory.js';
import { newRegistry, seriesOf, type ParsedSample } from '../../../helpers/registry.js';

v8.setFlagsFromString('--expose-gc');
const forceGc = vm.runInNewContext('gc') as () => void;

function byId(samples: ParsedSample[], area: string): Map<string, number> {
  return new Map(samples.filter((s) => s.labels.area === area).map((s) => [s.labels.id!, s.value]));
}

test('jvm-memory binder maps V8 heap spaces and off-heap memory to JVM memory pools, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = jvmMemoryBinder.bindTo(registry, registry.context);

  const text = await registry.scrape();
  const used = seriesOf(text, 'jvm_memory_used_bytes');
  const committed = seriesOf(text, 'jvm_memory_committed_bytes');
  const max = seriesOf(text, 'jvm_memory_max_bytes');
  for (const s of [...used, ...committed, ...max]) assert.equal(s.labels.application, 'test-app');

  const spaces = v8.getHeapSpaceStatistics().map((s) => s.space_name).sort();
  const heapUsed = byId(used, 'heap');
  const heapCommitted = byId(committed, 'heap');
  const heapMax = byId(max, 'heap');
  assert.deepEqual([...heapUsed.keys()].sort(), spaces);
  assert.deepEqual([...heapCommitted.keys()].sort(), spaces);
  assert.deepEqual([...heapMax.keys()].sort(), spaces);
  for (const id of spaces) {
    assert.ok(heapUsed.get(id)! <= heapCommitted.get(id)!, `${id}: used ${heapUsed.get(id)} <= committed ${heapCommitted.get(id)}`);
    assert.equal(heapMax.get(id), id === 'old_space' ? v8.getHeapStatistics().heap_size_limit : -1, id);
  }
  const sumUsed = [...heapUsed.values()].reduce((a, b) => a + b, 0);
  const sumMax = [...heapMax.values()].reduce((a, b) => a + b, 0);
  assert.ok(sumUsed / sumMax > 0 && sumUsed / sumMax < 1, `heap used/max ${sumUsed / sumMax}`);

  const nonheapUsed = byId(used, 'nonheap');
  assert.deepEqual([...nonheapUsed.keys()].sort(), ['array_buffers', 'external']);
  const m = process.memoryUsage();
  assert.ok(nonheapUsed.get('external')! >= 0 && nonheapUsed.get('external')! <= m.external);
  assert.deepEqual(byId(committed, 'nonheap'), nonheapUsed);
  const nonheapMax = byId(max, 'nonheap');
  assert.equal(nonheapMax.get('array_buffers'), -1);
  assert.ok(nonheapMax.get('external')! > 0);

  // Large arrays go straight to large_object_space (or old_space once promoted). Full GCs around the allocation
  // keep other garbage from blurring the difference.
  forceGc();
  const heapUsed1 = byId(seriesOf(await registry.scrape(), 'jvm_memory_used_bytes'), 'heap');
  const before = heapUsed1.get('old_space')! + heapUsed1.get('large_object_space')!;
  const big: number[][] = Array.from({ length: 64 }, () => new Array(64 * 1024).fill(1.5));
  forceGc();
  const heapUsed2 = byId(seriesOf(await registry.scrape(), 'jvm_memory_used_bytes'), 'heap');
  const after = heapUsed2.get('old_space')! + heapUsed2.get('large_object_space')!;
  assert.ok(big.length === 64 && after - before > 24 * 1024 * 1024, `old+large object space grew by ${after - before}`);

  const buffers = Buffer.alloc(8 * 1024 * 1024, 1);
  const ab = byId(seriesOf(await registry.scrape(), 'jvm_memory_used_bytes'), 'nonheap').get('array_buffers')!;
  assert.ok(buffers.length > 0 && ab >= 8 * 1024 * 1024, `array_buffers ${ab}`);

  unbind();
  const afterUnbind = await registry.scrape();
  for (const name of jvmMemoryMetricNames) assert.equal(seriesOf(afterUnbind, name).length, 0, name);
});
