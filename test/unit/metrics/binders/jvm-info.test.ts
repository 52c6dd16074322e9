import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jvmInfoBinder, jvmInfoMetricNames } from '../../../../src/metrics/binders/jvm-info.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

test('jvm-info binder describes the runtime, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = jvmInfoBinder.bindTo(registry, registry.context);
  const info = seriesOf(await registry.scrape(), 'jvm_info');
  assert.equal(info.length, 1);
  assert.deepEqual(info[0]!.labels, { application: 'test-app', version: process.version, vendor: 'Node.js', runtime: 'node' });
  assert.match(info[0]!.labels.version!, /^v\d+\.\d+\.\d+/);
  assert.equal(info[0]!.value, 1);
  assert.match(await registry.scrape('openmetrics'), /^jvm_info\{.*\} 1$/m);
  unbind();
  const after = await registry.scrape();
  for (const name of jvmInfoMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
