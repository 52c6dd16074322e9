import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uptimeBinder } from '../../../../src/metrics/binders/uptime.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

test('uptime binder reports uptime and start time, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = uptimeBinder.bindTo(registry, registry.context);
  const text = await registry.scrape();
  const uptime = seriesOf(text, 'process_uptime_seconds');
  assert.ok(uptime[0]!.value > 0 && uptime[0]!.value < process.uptime() + 1);
  const start = seriesOf(text, 'process_start_time_seconds')[0]!.value;
  assert.ok(Math.abs(start + process.uptime() - Date.now() / 1000) < 5, `start ${start} is now - uptime`);
  assert.equal(uptime[0]!.labels.application, 'test-app');
  unbind();
  assert.equal(seriesOf(await registry.scrape(), 'process_uptime_seconds').length, 0);
});
