import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventLoopBinder, eventLoopMetricNames } from '../../../../src/metrics/binders/event-loop.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

const value = (text: string, name: string): number => {
  const s = seriesOf(text, name);
  assert.equal(s.length, 1, name);
  assert.equal(s[0]!.labels.application, 'test-app', name);
  return s[0]!.value;
};

test('event-loop binder reports delay statistics and utilization per scrape interval, and unbinds', async () => {
  const registry = newRegistry({ eventLoopResolutionMs: 10 });
  const unbind = eventLoopBinder.bindTo(registry, registry.context);

  await sleep(50);
  const idle = await registry.scrape();
  for (const name of eventLoopMetricNames) value(idle, name);
  const idleMax = value(idle, 'nodejs_eventloop_lag_max_seconds');
  assert.ok(idleMax >= 0 && idleMax < 1, `idle max lag ${idleMax}`);

  // The first tick after a reset records nothing (Node's reset() forgets the previous tick), so let it pass.
  await sleep(30);
  block(100);
  await sleep(30); // let the monitor's timer fire late and record the delay
  const busy = await registry.scrape();
  const max = value(busy, 'nodejs_eventloop_lag_max_seconds');
  const min = value(busy, 'nodejs_eventloop_lag_min_seconds');
  const mean = value(busy, 'nodejs_eventloop_lag_mean_seconds');
  const p50 = value(busy, 'nodejs_eventloop_lag_p50_seconds');
  const p99 = value(busy, 'nodejs_eventloop_lag_p99_seconds');
  assert.ok(max >= 0.05, `max lag after blocking ${max}`);
  assert.ok(min > 0 && min <= mean && mean <= max && p50 <= p99 && p99 <= max * 1.01, `min ${min} mean ${mean} p50 ${p50} p99 ${p99} max ${max}`);
  assert.equal(value(busy, 'nodejs_eventloop_lag_seconds'), mean);
  assert.ok(value(busy, 'nodejs_eventloop_lag_stddev_seconds') >= 0);
  const utilization = value(busy, 'nodejs_eventloop_utilization');
  assert.ok(utilization > 0.3 && utilization <= 1, `utilization ${utilization}`);

  // The histogram was reset: an idle interval no longer shows the blocked one.
  await sleep(60);
  const after = await registry.scrape();
  const afterMax = value(after, 'nodejs_eventloop_lag_max_seconds');
  assert.ok(afterMax < max, `max lag of the idle interval ${afterMax}, of the blocked one ${max}`);
  assert.ok(value(after, 'nodejs_eventloop_utilization') < utilization);

  unbind();
  const gone = await registry.scrape();
  for (const name of eventLoopMetricNames) assert.equal(seriesOf(gone, name).length, 0, name);
});
