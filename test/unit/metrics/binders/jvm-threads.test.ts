import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { jvmThreadsBinder, jvmThreadsMetricNames } from '../../../../src/metrics/binders/jvm-threads.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

const value = (text: string, name: string): number => {
  const s = seriesOf(text, name);
  assert.equal(s.length, 1, name);
  assert.equal(s[0]!.labels.application, 'test-app', name);
  return s[0]!.value;
};

test('jvm-threads binder counts this thread, workers and the libuv pool, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = jvmThreadsBinder.bindTo(registry, registry.context);
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;

  const text1 = await registry.scrape();
  const live1 = value(text1, 'jvm_threads_live_threads');
  assert.equal(live1, 1 + pool);
  assert.equal(value(text1, 'jvm_threads_daemon_threads'), pool);
  assert.equal(value(text1, 'jvm_threads_peak_threads'), live1);
  assert.equal(value(text1, 'jvm_threads_started_threads_total'), 1 + pool);
  assert.match(text1, /# HELP jvm_threads_started_threads_total The total number of application threads started in the JVM\n# TYPE jvm_threads_started_threads_total counter/);

  const worker = new Worker('require("node:worker_threads").parentPort.once("message", () => {});', { eval: true });
  await once(worker, 'online');
  const text2 = await registry.scrape();
  assert.equal(value(text2, 'jvm_threads_live_threads'), live1 + 1);
  assert.equal(value(text2, 'jvm_threads_peak_threads'), live1 + 1);

  await worker.terminate();
  const text3 = await registry.scrape();
  assert.equal(value(text3, 'jvm_threads_live_threads'), live1);
  assert.equal(value(text3, 'jvm_threads_peak_threads'), live1 + 1);
  assert.equal(value(text3, 'jvm_threads_started_threads_total'), 1 + pool + 1, 'started only grows');

  unbind();
  unbind();
  const after = await registry.scrape();
  for (const name of jvmThreadsMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
