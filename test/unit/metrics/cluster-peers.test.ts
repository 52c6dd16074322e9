/**
 * PM2 cluster mode's peer sockets (metrics/cluster/peers.ts): detection, the private directory, stale sockets.
 * Two peers in one process would share a pid, so the exchange between processes is tested for real with PM2
 * (test/integration/cluster-pm2.int.test.ts); here one peer and its directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPeerExchange, isPm2ClusterWorker, peerDirectory } from '../../../src/metrics/cluster/peers.js';

test('PM2 cluster mode is detected from the environment PM2 gives its workers', () => {
  assert.equal(isPm2ClusterWorker({ exec_mode: 'cluster_mode', pm_id: '0', NODE_APP_INSTANCE: '0' }), true);
  assert.equal(isPm2ClusterWorker({ exec_mode: 'fork_mode', pm_id: '0' }), false);
  assert.equal(isPm2ClusterWorker({}), false);
});

test('the directory is per application, under the temp dir, with a short name', () => {
  const a = peerDirectory('orders', 'order-service');
  assert.equal(path.dirname(a), os.tmpdir());
  assert.match(path.basename(a), /^nodemeter-orders-[0-9a-f]{12}$/);
  assert.notEqual(a, peerDirectory('billing', 'order-service'));
  assert.ok(path.basename(peerDirectory('x'.repeat(200), 's')).length < 50);
});

test('a peer creates its directory 0700, removes stale sockets, answers itself, removes its socket on close', { skip: process.platform === 'win32' }, async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nm-peers-')), 'peers');
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, '2147483646.sock'), ''); // a pid that does not exist: stale
    const exchange = createPeerExchange(dir, 500);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.existsSync(path.join(dir, '2147483646.sock')), false, 'stale socket removed');
    exchange.respond('metrics', (arg) => ({ asked: arg }));
    const gathered = await exchange.gather('metrics', 'text');
    assert.deepEqual(gathered, { answers: [{ asked: 'text' }], missing: 0, primaryMissing: false });
    assert.equal(fs.existsSync(path.join(dir, `${process.pid}.sock`)), true);
    exchange.close();
    assert.equal(fs.existsSync(path.join(dir, `${process.pid}.sock`)), false);
  } finally {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('a directory other users may enter is refused', { skip: process.platform === 'win32' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nm-peers-open-'));
  try {
    fs.chmodSync(dir, 0o755);
    assert.throws(() => createPeerExchange(dir, 500), /open to other users/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
