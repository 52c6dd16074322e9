import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { startupTimeBinder, startupTimeMetricNames } from '../../../../src/metrics/binders/startup-time.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

test('startup-time binder reports started at bind and ready at the next loop turn, and unbinds', async () => {
  const instrumentedAt = Date.now();
  const registry = newRegistry({ instrumentedAt, mainApplicationClass: 'orders-service' });
  const unbind = startupTimeBinder.bindTo(registry, registry.context);

  const before = await registry.scrape();
  const started = seriesOf(before, 'application_started_time_seconds');
  assert.equal(started.length, 1);
  assert.deepEqual(started[0]!.labels, { application: 'test-app', main_application_class: 'orders-service' });
  const expected = (instrumentedAt - performance.timeOrigin) / 1000;
  assert.ok(Math.abs(started[0]!.value - expected) < 0.001 && started[0]!.value > 0, `started ${started[0]!.value}`);
  // Ready is registered on the loop turn after bind; scrape() above awaited, so it may already be there.
  await nextTurn();
  const text = await registry.scrape();
  const ready = seriesOf(text, 'application_ready_time_seconds');
  assert.equal(ready.length, 1);
  assert.deepEqual(ready[0]!.labels, { application: 'test-app', main_application_class: 'orders-service' });
  assert.ok(ready[0]!.value >= started[0]!.value && ready[0]!.value <= performance.now() / 1000, `ready ${ready[0]!.value}`);

  unbind();
  const after = await registry.scrape();
  for (const name of startupTimeMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});

test('startup-time unbind before the loop turns cancels the ready gauge', async () => {
  const registry = newRegistry();
  const unbind = startupTimeBinder.bindTo(registry, registry.context);
  unbind();
  await nextTurn();
  await nextTurn();
  assert.deepEqual(registry.familyNames(), []);
});
