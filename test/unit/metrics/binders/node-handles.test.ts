import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { nodeHandlesBinder, nodeHandlesMetricNames } from '../../../../src/metrics/binders/node-handles.js';
import { newRegistry, seriesOf } from '../../../helpers/registry.js';

const total = (text: string, name: string): number => {
  const s = seriesOf(text, name);
  assert.equal(s.length, 1, name);
  assert.equal(s[0]!.labels.application, 'test-app', name);
  return s[0]!.value;
};
const ofType = (text: string, type: string): number | undefined =>
  seriesOf(text, 'nodejs_active_resources').find((s) => s.labels.type === type)?.value;

test('node-handles binder counts active resources by type, and unbinds', async () => {
  const registry = newRegistry();
  const unbind = nodeHandlesBinder.bindTo(registry, registry.context);

  const text1 = await registry.scrape();
  const resources1 = total(text1, 'nodejs_active_resources_total');
  const handles1 = total(text1, 'nodejs_active_handles_total');
  assert.ok(handles1 <= resources1);
  const servers1 = ofType(text1, 'TCPServerWrap') ?? 0;

  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const text2 = await registry.scrape();
  assert.equal(ofType(text2, 'TCPServerWrap'), servers1 + 1);
  assert.ok(total(text2, 'nodejs_active_resources_total') >= resources1 + 1);
  assert.ok(total(text2, 'nodejs_active_handles_total') >= handles1 + 1);
  for (const s of seriesOf(text2, 'nodejs_active_resources')) assert.equal(s.labels.application, 'test-app');
  const sum = seriesOf(text2, 'nodejs_active_resources').reduce((a, s) => a + s.value, 0);
  assert.equal(sum, total(text2, 'nodejs_active_resources_total'));

  server.close();
  await once(server, 'close');
  // libuv releases the handle a loop turn or two after 'close'.
  let text3 = await registry.scrape();
  for (let i = 0; i < 100 && ofType(text3, 'TCPServerWrap') !== servers1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    text3 = await registry.scrape();
  }
  // The type keeps its series, at the count left.
  assert.equal(ofType(text3, 'TCPServerWrap'), servers1);

  unbind();
  const after = await registry.scrape();
  for (const name of nodeHandlesMetricNames) assert.equal(seriesOf(after, name).length, 0, name);
});
