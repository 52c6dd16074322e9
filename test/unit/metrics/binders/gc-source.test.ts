/**
 * The GC source the three GC binders share (src/metrics/binders/gc-source.ts): V8's GC profiler read on demand,
 * collections of a global gc() marked forced, the global restored once nothing subscribes, and one profiler for
 * every subscriber; without the profiler, a perf_hooks observer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
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

test('without v8.GCProfiler, a perf_hooks observer feeds the records: kind, cause and time from each entry, no heap spaces', async () => {
  const original = g.gc;
  const records: GcRecord[] = [];
  const profilerClass = v8.GCProfiler;
  let sub: ReturnType<typeof subscribeGc>;
  (v8 as { GCProfiler?: unknown }).GCProfiler = undefined; // a runtime without it
  try {
    sub = subscribeGc((r) => records.push(...r));
  } finally {
    (v8 as { GCProfiler?: unknown }).GCProfiler = profilerClass;
  }
  assert.equal(sub.profiled, false);
  assert.equal(g.gc, original, 'gc() is not wrapped: the entries carry their own flags');
  const until = async (done: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (!done() && Date.now() < deadline) await sleep(5);
  };

  const before = performance.now();
  forceGc();
  // Entries are delivered after the collection, on a later turn of the event loop.
  await until(() => records.some((r) => GC_CAUSES[r.cause] === 'System.gc()'));
  const forced = records.filter((r) => GC_CAUSES[r.cause] === 'System.gc()');
  assert.ok(forced.length >= 1, JSON.stringify(records));
  const full = forced.find((r) => GC_KINDS[r.kind]![0] === 'V8 Mark-Compact');
  assert.ok(full !== undefined, JSON.stringify(forced));
  assert.ok(full.pauseMs > 0 && full.pauseMs < 1_000, `pause ${full.pauseMs} ms`);
  for (const r of forced) {
    assert.ok(r.at >= before && r.at <= performance.now(), `dated ${r.at}, forced after ${before}`);
    assert.equal(r.before, undefined);
    assert.equal(r.after, undefined);
  }

  records.length = 0;
  sub.refresh(); // nothing to read: the observer delivers by itself
  assert.equal(records.length, 0);
  for (let i = 0; i < 300_000; i++) sink = { i, s: `garbage-${i}` };
  await until(() => records.some((r) => GC_KINDS[r.kind]![0] === 'V8 Scavenger'));
  const young = records.filter((r) => GC_KINDS[r.kind]![0] === 'V8 Scavenger');
  assert.ok(young.length > 0, JSON.stringify(records.map((r) => r.kind)));
  for (const r of young) assert.equal(GC_CAUSES[r.cause], 'Allocation Failure');

  sub.unsubscribe();
  records.length = 0;
  // Another observer tells when the next collection's entry has been delivered: by then the source, disconnected,
  // has handed nothing on.
  let seen = false;
  const witness = new PerformanceObserver(() => {
    seen = true;
  });
  witness.observe({ entryTypes: ['gc'] });
  try {
    forceGc();
    await until(() => seen);
    assert.ok(seen, 'the witness saw the collection');
    assert.equal(records.length, 0, 'nothing after unsubscribing');
  } finally {
    witness.disconnect();
  }
});
