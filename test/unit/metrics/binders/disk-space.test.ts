import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { diskSpaceBinder, diskSpaceMetricNames } from '../../../../src/metrics/binders/disk-space.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

test('disk-space binder reports free and total per path, labelled as Java would', async () => {
  const missing = path.join(os.tmpdir(), `nodemeter-missing-${process.pid}`, 'nowhere');
  const registry = newRegistry({ diskSpacePaths: ['.', missing] });
  const unbind = diskSpaceBinder.bindTo(registry, registry.context);

  const warned = registry.messages.filter((m) => m.includes('NMWRN004'));
  assert.equal(warned.length, 1, registry.messages.join('\n'));
  assert.ok(warned[0]!.startsWith('warn ') && warned[0]!.includes(missing) && warned[0]!.includes('ENOENT'), warned[0]);

  const text = await registry.scrape();
  const cwdPath = `${process.cwd()}${path.sep}.`;
  const free = seriesOf(text, 'disk_free_bytes');
  const total = seriesOf(text, 'disk_total_bytes');
  assert.deepEqual(free.map((s) => s.labels.path), [cwdPath]);
  assert.deepEqual(total.map((s) => s.labels.path), [cwdPath]);
  assert.equal(free[0]!.labels.application, 'test-app');
  assert.equal(total[0]!.labels.application, 'test-app');
  assert.ok(total[0]!.value > 0, `total ${total[0]!.value}`);
  assert.ok(free[0]!.value >= 0 && free[0]!.value <= total[0]!.value, `free ${free[0]!.value} of ${total[0]!.value}`);
  // The missing path keeps being left out, and is reported again only at debug level.
  await registry.scrape();
  assert.equal(registry.messages.filter((m) => m.startsWith('warn ') && m.includes('NMWRN004')).length, 1);

  unbind();
  const after = await registry.scrape();
  for (const name of diskSpaceMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});

test('disk-space binder keeps absolute paths as given', async () => {
  const root = path.parse(process.cwd()).root;
  const registry = newRegistry({ diskSpacePaths: [root] });
  const unbind = diskSpaceBinder.bindTo(registry, registry.context);
  const free = seriesOf(await registry.scrape(), 'disk_free_bytes');
  assert.deepEqual(free.map((s) => s.labels.path), [root]);
  assert.equal(registry.messages.filter((m) => m.includes('NMWRN004')).length, 0);
  unbind();
});

test('disk-space binder drops a path that goes away after bind, keeping the others', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nodemeter-disk-'));
  const registry = newRegistry({ diskSpacePaths: [dir, '.'] });
  const unbind = diskSpaceBinder.bindTo(registry, registry.context);
  try {
    const paths = (text: string) => seriesOf(text, 'disk_total_bytes').map((s) => s.labels.path).sort();
    const cwdPath = `${process.cwd()}${path.sep}.`;
    assert.deepEqual(paths(await registry.scrape()), [dir, cwdPath].sort());
    rmSync(dir, { recursive: true });
    const text = await registry.scrape();
    assert.deepEqual(paths(text), [cwdPath]);
    assert.deepEqual(seriesOf(text, 'disk_free_bytes').map((s) => s.labels.path), [cwdPath]);
    assert.ok(registry.messages.some((m) => m.startsWith('warn NMWRN004') && m.includes(dir)), registry.messages.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unbind();
  }
});
