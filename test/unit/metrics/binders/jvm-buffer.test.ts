import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jvmBufferBinder, jvmBufferMetricNames } from '../../../../src/metrics/binders/jvm-buffer.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

test('jvm-buffer binder reports ArrayBuffer memory as the direct pool, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = jvmBufferBinder.bindTo(registry, registry.context);

  const text1 = await registry.scrape();
  const direct = (s: { labels: Record<string, string> }) => s.labels.id === 'direct';
  const used1 = seriesOf(text1, 'jvm_buffer_memory_used_bytes').filter(direct);
  const capacity1 = seriesOf(text1, 'jvm_buffer_total_capacity_bytes').filter(direct);
  assert.equal(used1.length, 1);
  assert.equal(capacity1.length, 1);
  const mapped = seriesOf(text1, 'jvm_buffer_memory_used_bytes').filter((s) => s.labels.id === 'mapped');
  assert.deepEqual(mapped.map((s) => s.value), [0], 'mapped buffers: none in Node');
  assert.deepEqual(used1[0]!.labels, { application: 'test-app', id: 'direct' });
  assert.deepEqual(capacity1[0]!.labels, { application: 'test-app', id: 'direct' });
  assert.equal(used1[0]!.value, capacity1[0]!.value);
  assert.equal(seriesOf(text1, 'jvm_buffer_count_buffers').length, 0);

  const held = Buffer.alloc(16 * 1024 * 1024, 1);
  const text2 = await registry.scrape();
  const used2 = seriesOf(text2, 'jvm_buffer_memory_used_bytes').find(direct)!.value;
  assert.ok(held.length > 0 && used2 - used1[0]!.value >= 15 * 1024 * 1024, `used moved by ${used2 - used1[0]!.value}`);
  assert.equal(seriesOf(text2, 'jvm_buffer_total_capacity_bytes').find(direct)!.value, used2);

  unbind();
  const after = await registry.scrape();
  for (const name of jvmBufferMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
