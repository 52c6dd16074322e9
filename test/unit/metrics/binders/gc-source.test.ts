/**
 * The GC source the three GC binders share (src/metrics/binders/gc-source.ts): V8's GC profiler read on demand,
 * collections of a global gc() marked forced, the global restored once nothing subscribes, and one profiler for
 * every subscriber.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GC_CAUSES, GC_KINDS, subscribeGc, type GcRecord } from '../../../../src/metrics/binders/gc-source.js';
import { forceGc } from '../../../helpers/gc.js';

let sink: unknown;
const g = globalThis as { gc?: () => void };

test('collections are read on refresh with their kind, pause and heap spaces; a global gc() is a forced one', () => {
  const original = g.gc;
  const records: GcRecord[] = [];
  const sub = subscribeGc((r) => records.push(...r));
  assert.equal(sub.profiled, true);
  assert.notEqual(g.gc, original, 'gc() is wrapped while subscribed');

  for (let i = 0; i < 300_000; i++) sink = { i, s: `garbage-${i}` };
  // Nothing arrives until a read: the profiler records into native memory.
  assert.equal(records.length, 0);
  // A read is skipped within 50 ms of the last one.
  const deadline = Date.now() + 2_000;
  while (records.length === 0 && Date.now() < deadline) sub.refresh();
  const young = records.filter((r) => GC_KINDS[r.kind]![0] === 'V8 Scavenger');
  assert.ok(young.length > 0, JSON.stringify(records.map((r) => r.kind)));
  for (const r of young) {
    assert.equal(GC_CAUSES[r.cause], 'Allocation Failure');
    assert.ok(r.pauseMs > 0 && r.pauseMs < 1_000, `pause ${r.pauseMs} ms`);
    assert.ok(r.before!.some((s) => s.spaceName === 'new_space') && r.after!.some((s) => s.spaceName === 'old_space'));
  }

  records.length = 0;
  forceGc();
  // The wrapper reads right after the forced collection: no refresh needed.
  const forced = records.filter((r) => GC_KINDS[r.kind]![0] === 'V8 Mark-Compact');
  assert.equal(forced.length, 1, JSON.stringify(records));
  assert.equal(GC_CAUSES[forced[0]!.cause], 'System.gc()');

  sub.unsubscribe();
  sub.unsubscribe(); // twice is harmless
  assert.equal(g.gc, original, 'the original gc() is back once nothing subscribes');
  records.length = 0;
  forceGc();
  sub.refresh();
  assert.equal(records.length, 0, 'nothing after unsubscribing');
  assert.ok(sink !== undefined);
});

test('subscribers share the source: each gets every collection, and one leaving does not stop the other', () => {
  const original = g.gc;
  const a: GcRecord[] = [];
  const b: GcRecord[] = [];
  const subA = subscribeGc((r) => a.push(...r));
  const subB = subscribeGc((r) => b.push(...r));
  forceGc();
  assert.deepEqual(a, b);
  assert.ok(a.some((r) => GC_CAUSES[r.cause] === 'System.gc()'));
  subA.unsubscribe();
  assert.notEqual(g.gc, original, 'still wrapped for the other subscriber');
  a.length = 0;
  b.length = 0;
  forceGc();
  assert.equal(a.length, 0);
  assert.ok(b.some((r) => GC_KINDS[r.kind]![0] === 'V8 Mark-Compact'));
  subB.unsubscribe();
  assert.equal(g.gc, original);
});
