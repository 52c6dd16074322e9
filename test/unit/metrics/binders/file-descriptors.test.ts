import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fileDescriptorsBinder, fileDescriptorsMetricNames } from '../../../../src/metrics/binders/file-descriptors.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

const hasProc = existsSync('/proc/self/fd');

test('file-descriptors binder counts open files against the limit (Linux), registers nothing without /proc', async () => {
  const registry = newRegistry();
  const unbind = fileDescriptorsBinder.bindTo(registry, registry.context);
  if (process.platform === 'linux') assert.ok(hasProc, 'Linux has /proc/self/fd');
  if (!hasProc) {
    assert.deepEqual(registry.familyNames(), []);
    unbind();
    return;
  }

  const open1 = seriesOf(await registry.scrape(), 'process_files_open_files');
  assert.equal(open1.length, 1);
  assert.equal(open1[0]!.labels.application, 'test-app');
  assert.ok(open1[0]!.value >= 3, `open files ${open1[0]!.value}`);

  const fds = Array.from({ length: 5 }, () => openSync(fileURLToPath(import.meta.url), 'r'));
  const text = await registry.scrape();
  const open2 = seriesOf(text, 'process_files_open_files')[0]!.value;
  for (const fd of fds) closeSync(fd);
  assert.ok(open2 >= open1[0]!.value + 5, `open files moved from ${open1[0]!.value} to ${open2}`);

  const max = seriesOf(text, 'process_files_max_files');
  if (max.length > 0) {
    assert.equal(max[0]!.labels.application, 'test-app');
    assert.ok(max[0]!.value >= open2, `max files ${max[0]!.value}`);
  }

  unbind();
  const after = await registry.scrape();
  for (const name of fileDescriptorsMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
