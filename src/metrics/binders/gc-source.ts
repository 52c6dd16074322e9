/**
 * V8's garbage collections, read for the binders that report them (jvm-gc, node-gc, jvm-heap-pressure) from one
 * process-wide `v8.GCProfiler`.
 *
 *   v8.GCProfiler (one for the process) ──► read at each scrape (at most every 50 ms) and every 10 s
 *        └─► GcRecord per collection: kind, cause, pause, heap spaces before and after ──► each subscribed binder
 *
 * Why not perf_hooks: any PerformanceObserver of `gc` entries makes more objects survive V8's young-generation
 * collections (an Express server: 15 → 37 bytes a request, and a young generation twice the size, +9 MiB of RSS;
 * docs/benchmarks.md, "Ninth look"). The profiler, which records into native memory, does not. It reports the same
 * collections with the same pauses, but neither when each happened nor why: a collection is dated by the read that
 * found it (at most 10 s late), and its cause is `Allocation Failure`, V8's usual trigger, except while `gc()`
 * (the global of `--expose-gc`, wrapped while anything subscribes) runs: `System.gc()`. The causes perf_hooks
 * gives from its flags for the rare others (`Memory pressure`, `External memory pressure`, `Idle notification`)
 * are not known here.
 *
 * Without `v8.GCProfiler` (other runtimes), a perf_hooks observer feeds the same records, with their causes and
 * times and without heap spaces.
 */
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import v8, { type GCProfiler, type GCProfilerResult } from 'node:v8';

/** [gc, action] of jvm_gc_pause_seconds by kind index; node-gc names the same indexes its own way. */
export const GC_KINDS: readonly (readonly [string, string])[] = [
  ['V8 Scavenger', 'end of minor GC'],
  ['V8 Minor Mark-Sweep', 'end of minor GC'],
  ['V8 Mark-Compact', 'end of major GC'],
  ['V8 Incremental Marking', 'end of major GC'],
  ['V8 Weak Callbacks', 'end of major GC'],
  ['V8 Unknown', 'end of major GC'],
];
export const KIND_MARK_COMPACT = 2;

export const GC_CAUSES = [
  'System.gc()',
  'Memory pressure',
  'External memory pressure',
  'Idle notification',
  'Allocation Failure',
];
const SYSTEM_GC = 0;
const ALLOCATION_FAILURE = 4;

const READ_EVERY_MS = 10_000;
const FRESH_MS = 50;

type GcStat = GCProfilerResult['statistics'][number];
export type SpaceStats = GcStat['beforeGC']['heapSpaceStatistics'];

export interface GcRecord {
  /** Index into GC_KINDS. */
  readonly kind: number;
  /** Index into GC_CAUSES. */
  readonly cause: number;
  readonly pauseMs: number;
  /** performance.now() of the collection (observed), or of the read that found it (profiled). */
  readonly at: number;
  /** The heap's spaces before and after the collection; undefined when observed. */
  readonly before: SpaceStats | undefined;
  readonly after: SpaceStats | undefined;
}

export type GcListener = (records: readonly GcRecord[]) => void;

export interface GcSubscription {
  /** Whether the records carry heap spaces (the profiler feeds them). */
  readonly profiled: boolean;
  /** Reads what the profiler recorded since the last read and hands it to every subscriber (a scrape calls it). */
  refresh(): void;
  unsubscribe(): void;
}

/**
 * Generations, as the GC binders count them: young = new_space + new_large_object_space, long-lived = old_space +
 * large_object_space (large objects are V8's counterpart of G1's humongous regions, which Java counts in the old
 * generation).
 */
function inGeneration(space: string, young: boolean): boolean {
  return young
    ? space === 'new_space' || space === 'new_large_object_space'
    : space === 'old_space' || space === 'large_object_space';
}

/** Used bytes of the young generation (young = true) or the long-lived one in a profiler's space list. */
export function generationUsed(spaces: SpaceStats, young: boolean): number {
  let used = 0;
  for (const s of spaces) if (inGeneration(s.spaceName, young)) used += s.spaceUsedSize;
  return used;
}

/** The same, read from the heap now. */
export function currentUsed(young: boolean): number {
  let used = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (inGeneration(s.space_name, young)) used += s.space_used_size;
  return used;
}

function profiledKind(gcType: string): number {
  switch (gcType) {
    case 'Scavenge':
      return 0;
    case 'MinorMarkSweep':
    case 'MinorMarkCompact':
      return 1;
    case 'MarkSweepCompact':
      return 2;
    case 'IncrementalMarking':
      return 3;
    case 'ProcessWeakCallbacks':
      return 4;
    default:
      return 5;
  }
}

function observedKind(kind: number): number {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 0;
    case 2: // V8 kGCTypeMinorMarkSweep (--minor-ms); no perf_hooks constant for it.
      return 1;
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 2;
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 3;
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 4;
    default:
      return 5;
  }
}

function observedCause(flags: number): number {
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) return SYSTEM_GC;
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE) return 1;
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY) return 2;
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE) return 3;
  return ALLOCATION_FAILURE;
}

const listeners = new Set<GcListener>();
let profiler: GCProfiler | undefined;
let observer: PerformanceObserver | undefined;
let interval: ReturnType<typeof setInterval> | undefined;
let lastRead = 0;
let forcing = false;
let originalGc: ((...args: unknown[]) => unknown) | undefined;
let wrappedGc: ((...args: unknown[]) => unknown) | undefined;

function deliver(records: readonly GcRecord[]): void {
  if (records.length === 0) return;
  for (const listener of listeners) listener(records);
}

function read(): void {
  const running = profiler;
  if (running === undefined) return;
  lastRead = performance.now();
  let result: GCProfilerResult | undefined;
  try {
    result = running.stop();
    running.start();
  } catch {
    // Not expected of V8; what it held is lost, the next read tries again.
  }
  const stats = result?.statistics;
  if (stats === undefined || stats.length === 0) return;
  const cause = forcing ? SYSTEM_GC : ALLOCATION_FAILURE;
  const records = new Array<GcRecord>(stats.length);
  for (let i = 0; i < stats.length; i++) {
    const s = stats[i]!;
    records[i] = {
      kind: profiledKind(s.gcType),
      cause,
      pauseMs: s.cost / 1000,
      at: lastRead,
      before: s.beforeGC.heapSpaceStatistics,
      after: s.afterGC.heapSpaceStatistics,
    };
  }
  deliver(records);
}

function onEntries(list: { getEntries(): PerformanceEntry[] }): void {
  const entries = list.getEntries();
  const records = new Array<GcRecord>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    // Node 16+ puts kind and flags in `detail` (NodeGCPerformanceDetail); the old top-level fields are deprecated.
    const detail = (entry as { detail?: { kind?: number; flags?: number } | null }).detail;
    records[i] = {
      kind: observedKind(detail?.kind ?? -1),
      cause: observedCause(detail?.flags ?? 0),
      pauseMs: entry.duration,
      at: entry.startTime,
      before: undefined,
      after: undefined,
    };
  }
  deliver(records);
}

/** `gc()` that marks the collections it runs as forced: what the profiler found before is read first. */
function wrapGlobalGc(): void {
  const g = globalThis as { gc?: unknown };
  if (typeof g.gc !== 'function' || g.gc === wrappedGc) return;
  const original = g.gc as (...args: unknown[]) => unknown;
  const wrapped = function gc(this: unknown, ...args: unknown[]): unknown {
    if (profiler !== undefined) read();
    forcing = true;
    try {
      return original.apply(this, args);
    } finally {
      if (profiler !== undefined) read();
      forcing = false;
    }
  };
  try {
    g.gc = wrapped;
    originalGc = original;
    wrappedGc = wrapped;
  } catch {
    // A read-only gc: its collections count as Allocation Failure.
  }
}

function unwrapGlobalGc(): void {
  const g = globalThis as { gc?: unknown };
  if (wrappedGc !== undefined && g.gc === wrappedGc) g.gc = originalGc;
  originalGc = undefined;
  wrappedGc = undefined;
}

function start(): void {
  if (typeof v8.GCProfiler === 'function') {
    const p = new v8.GCProfiler();
    p.start();
    profiler = p;
    lastRead = performance.now();
    interval = setInterval(read, READ_EVERY_MS);
    interval.unref();
    wrapGlobalGc();
    return;
  }
  const o = new PerformanceObserver(onEntries);
  o.observe({ entryTypes: ['gc'] });
  observer = o;
}

function stop(): void {
  if (interval !== undefined) clearInterval(interval);
  interval = undefined;
  if (profiler !== undefined) {
    try {
      profiler.stop();
    } catch {
      // Already stopped: nothing to release.
    }
  }
  profiler = undefined;
  observer?.disconnect();
  observer = undefined;
  unwrapGlobalGc();
}

/** Subscribes `listener` to every collection from now on. Throws when neither source can be started. */
export function subscribeGc(listener: GcListener): GcSubscription {
  if (listeners.size === 0) {
    try {
      start();
    } catch (err) {
      stop();
      throw err;
    }
  }
  listeners.add(listener);
  let subscribed = true;
  return {
    profiled: profiler !== undefined,
    refresh() {
      if (subscribed && profiler !== undefined && performance.now() - lastRead >= FRESH_MS) read();
    },
    unsubscribe() {
      if (!subscribed) return;
      subscribed = false;
      listeners.delete(listener);
      if (listeners.size === 0) stop();
    },
  };
}
