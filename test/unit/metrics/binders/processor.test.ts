import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { processorBinder, processorMetricNames } from '../../../../src/metrics/binders/processor.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

test('processor binder reports cpu count, system usage and load, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = processorBinder.bindTo(registry, registry.context);

  const first = await registry.scrape();
  const count = seriesOf(first, 'system_cpu_count');
  assert.equal(count.length, 1);
  assert.equal(count[0]!.labels.application, 'test-app');
  assert.equal(count[0]!.value, os.availableParallelism());

  const usage1 = seriesOf(first, 'system_cpu_usage');
  assert.equal(usage1.length, os.cpus().length > 0 ? 1 : 0);
  if (usage1.length > 0) {
    assert.equal(usage1[0]!.labels.application, 'test-app');
    assert.ok(usage1[0]!.value > 0 && usage1[0]!.value <= 1, `usage since boot ${usage1[0]!.value}`);
    // Busy for a few clock ticks so the next reading covers a busy interval.
    const end = Date.now() + 200;
    while (Date.now() < end);
    const usage2 = seriesOf(await registry.scrape(), 'system_cpu_usage')[0]!.value;
    assert.ok(usage2 > 0 && usage2 <= 1, `usage after a busy interval ${usage2}`);
  }

  const load = seriesOf(first, 'system_load_average_1m');
  if (process.platform === 'win32') assert.equal(load.length, 0);
  else {
    assert.equal(load[0]!.labels.application, 'test-app');
    assert.ok(load[0]!.value >= 0, `load ${load[0]!.value}`);
  }

  unbind();
  const after = await registry.scrape();
  for (const name of processorMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
