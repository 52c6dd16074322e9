import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { jvmClassesBinder, jvmClassesMetricNames } from '../../../../src/metrics/binders/jvm-classes.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

const require = createRequire(import.meta.url);

test('jvm-classes binder counts CommonJS modules loaded and removed, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = jvmClassesBinder.bindTo(registry, registry.context);
  const before = seriesOf(await registry.scrape(), 'jvm_classes_loaded_classes')[0]!;
  assert.equal(before.labels.application, 'test-app');
  const id = require.resolve('express4');
  const wasLoaded = id in require.cache;
  require('express4');
  const loaded = seriesOf(await registry.scrape(), 'jvm_classes_loaded_classes')[0]!.value;
  assert.ok(wasLoaded || loaded > before.value, `loaded ${before.value} -> ${loaded}`);
  delete require.cache[id];
  const text = await registry.scrape();
  assert.equal(seriesOf(text, 'jvm_classes_loaded_classes')[0]!.value, loaded - 1);
  assert.equal(seriesOf(text, 'jvm_classes_unloaded_classes_total')[0]!.value, 1);
  unbind();
  const after = await registry.scrape();
  for (const name of jvmClassesMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
