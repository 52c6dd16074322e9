import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { processStatusBinder, processStatusMetricNames } from '../../../../src/metrics/binders/process-status.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

test('process-status binder reads RSS, VSS, swap and OS threads from /proc (Linux), and unbinds', async () => {
  assert.equal(process.platform, 'linux', 'this binder and its test are for Linux');
  const registry = newRegistry();
  const unbind = processStatusBinder.bindTo(registry, registry.context);
  const text = await registry.scrape();
  const rss = seriesOf(text, 'process_memory_rss_bytes')[0]!;
  assert.equal(rss.labels.application, 'test-app');
  assert.ok(Math.abs(rss.value - process.memoryUsage.rss()) < 64 * 1024 * 1024, `rss ${rss.value}`);
  assert.ok(seriesOf(text, 'process_memory_vss_bytes')[0]!.value >= rss.value);
  assert.ok(seriesOf(text, 'process_memory_swap_bytes')[0]!.value >= 0);
  const threads = seriesOf(text, 'process_threads')[0]!.value;
  assert.ok(threads >= 2, `threads ${threads}`);
  const worker = new Worker('require("node:worker_threads").parentPort.once("message", () => process.exit(0))', { eval: true });
  await new Promise((r) => worker.once('online', r));
  const more = seriesOf(await registry.scrape(), 'process_threads')[0]!.value;
  worker.postMessage('bye');
  await new Promise((r) => worker.once('exit', r));
  assert.ok(more > threads, `a worker adds an OS thread: ${threads} -> ${more}`);
  unbind();
  const after = await registry.scrape();
  for (const name of processStatusMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
