import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { processMemoryBinder, processMemoryMetricNames } from '../../../../src/metrics/binders/process-memory.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

v8.setFlagsFromString('--expose-gc');
const forceGc = vm.runInNewContext('gc') as () => void;

const value = (text: string, name: string): number => {
  const s = seriesOf(text, name);
  assert.equal(s.length, 1, name);
  assert.equal(s[0]!.labels.application, 'test-app', name);
  return s[0]!.value;
};

test('process-memory binder reports resident, heap and external memory, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = processMemoryBinder.bindTo(registry, registry.context);

  forceGc(); // settle the heap so the difference below is what the test holds
  const text1 = await registry.scrape();
  const rss = value(text1, 'process_resident_memory_bytes');
  const heapTotal = value(text1, 'nodejs_heap_size_total_bytes');
  const heapUsed1 = value(text1, 'nodejs_heap_size_used_bytes');
  const external1 = value(text1, 'nodejs_external_memory_bytes');
  assert.ok(rss > heapTotal, `rss ${rss} > heap total ${heapTotal}`);
  assert.ok(heapUsed1 > 0 && heapUsed1 <= heapTotal, `heap used ${heapUsed1} of ${heapTotal}`);
  assert.ok(external1 > 0, `external ${external1}`);

  const heapHeld = Array.from({ length: 32 }, () => new Array(64 * 1024).fill(0.5));
  const offHeapHeld = Buffer.alloc(16 * 1024 * 1024, 1);
  forceGc();
  const text2 = await registry.scrape();
  const heapUsed2 = value(text2, 'nodejs_heap_size_used_bytes');
  assert.ok(heapUsed2 - heapUsed1 > 8 * 1024 * 1024, `heap used ${heapUsed1} -> ${heapUsed2}`);
  const external2 = value(text2, 'nodejs_external_memory_bytes');
  assert.ok(external2 - external1 >= 15 * 1024 * 1024, `external ${external1} -> ${external2}`);
  assert.ok(heapHeld.length > 0 && offHeapHeld.length > 0);

  unbind();
  const after = await registry.scrape();
  for (const name of processMemoryMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
