import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processCpuBinder, processCpuMetricNames } from '../../../../src/metrics/binders/process-cpu.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

/** Spends `ms` of CPU time (not wall time, so a loaded machine does not shorten it). */
function burn(ms: number): void {
  const start = process.cpuUsage();
  const deadline = Date.now() + 10_000;
  let x = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + i);
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000 || Date.now() > deadline) break;
  }
  assert.ok(x > 0);
}

test('process-cpu binder reports recent usage and cpu time, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = processCpuBinder.bindTo(registry, registry.context);

  const first = await registry.scrape();
  const usage1 = seriesOf(first, 'process_cpu_usage');
  assert.equal(usage1.length, 1);
  assert.equal(usage1[0]!.labels.application, 'test-app');
  assert.ok(usage1[0]!.value > 0 && usage1[0]!.value <= 1, `usage since start ${usage1[0]!.value}`);
  const time1 = seriesOf(first, 'process_cpu_time_ns_total')[0]!;
  assert.equal(time1.labels.application, 'test-app');
  const own = process.cpuUsage();
  assert.ok(time1.value > 0 && time1.value <= (own.user + own.system) * 1000, `cpu time ${time1.value} ns`);

  burn(150);
  const second = await registry.scrape();
  const usage2 = seriesOf(second, 'process_cpu_usage')[0]!.value;
  const time2 = seriesOf(second, 'process_cpu_time_ns_total')[0]!.value;
  assert.ok(usage2 > 0 && usage2 <= 1, `usage after busy loop ${usage2}`);
  assert.ok(time2 - time1.value >= 100e6, `cpu time moved by ${(time2 - time1.value) / 1e6} ms`);

  unbind();
  const after = await registry.scrape();
  for (const name of processCpuMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
