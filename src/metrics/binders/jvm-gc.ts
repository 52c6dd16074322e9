/**
 * JvmGcMetrics (Micrometer `binder/jvm/JvmGcMetrics`), from V8's GC events.
 *
 *   perf_hooks 'gc' entries ──► jvm_gc_pause_seconds{action,cause,gc}   (count, sum, max)
 *   v8.GCProfiler, rotated at each scrape and every 10 s
 *                            ──► jvm_gc_memory_allocated_bytes_total, jvm_gc_memory_promoted_bytes_total,
 *                                jvm_gc_live_data_size_bytes;  jvm_gc_max_data_size_bytes = V8 heap size limit
 *
 * Pause labels: `gc` names the V8 collector (`V8 Scavenger` minor, `V8 Mark-Compact` major, `V8 Incremental
 * Marking`, `V8 Weak Callbacks`), `action` is `end of minor GC` for young collections and `end of major GC`
 * otherwise, `cause` comes from the entry's flags (`System.gc()` for a forced `gc()`, `Memory pressure`,
 * `External memory pressure`, `Idle notification`, else `Allocation Failure`, V8's usual trigger).
 *
 * Generations: young = new_space + new_large_object_space, long-lived = old_space + large_object_space (large
 * objects are V8's counterpart of G1's humongous regions, which Java counts in the old generation).
 *   allocated: for each GC, young used before it minus young used after the previous one (first: at bind), if > 0;
 *   promoted:  for each young GC, increase of long-lived used from before to after, if > 0;
 *   live data: long-lived used after the last full Mark-Compact (before any: long-lived used now).
 * The profiler is restarted at each scrape and every 10 s (unref'd) so its per-GC records never pile up; its cost
 * is a heap-statistics copy before and after each GC plus one JSON parse per rotation.
 * Without v8.GCProfiler (old runtimes, Bun, Deno) only the pause timer is registered.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import v8, { type GCProfiler, type GCProfilerResult } from 'node:v8';
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import type { Meter } from '../registry.js';
import type { TimerChild } from '../timer.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const jvmGcMetricNames = [
  'jvm_gc_pause_seconds_count',
  'jvm_gc_pause_seconds_sum',
  'jvm_gc_pause_seconds_max',
  'jvm_gc_memory_allocated_bytes_total',
  'jvm_gc_memory_promoted_bytes_total',
  'jvm_gc_live_data_size_bytes',
  'jvm_gc_max_data_size_bytes',
] as const;

const ROTATE_EVERY_MS = 10_000;

/** [gc, action] by kind index; see kindIndex(). */
const KINDS: readonly (readonly [string, string])[] = [
  ['V8 Scavenger', 'end of minor GC'],
  ['V8 Minor Mark-Sweep', 'end of minor GC'],
  ['V8 Mark-Compact', 'end of major GC'],
  ['V8 Incremental Marking', 'end of major GC'],
  ['V8 Weak Callbacks', 'end of major GC'],
  ['V8 Unknown', 'end of major GC'],
];

const CAUSES = ['System.gc()', 'Memory pressure', 'External memory pressure', 'Idle notification', 'Allocation Failure'];

function kindIndex(kind: number): number {
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

function causeIndex(flags: number): number {
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) return 0;
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE) return 1;
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY) return 2;
  if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE) return 3;
  return 4;
}

type GcStat = GCProfilerResult['statistics'][number];
type SpaceStats = GcStat['beforeGC']['heapSpaceStatistics'];

function isMinor(gcType: string): boolean {
  return gcType === 'Scavenge' || gcType === 'MinorMarkSweep' || gcType === 'MinorMarkCompact';
}

function inGeneration(space: string, young: boolean): boolean {
  return young
    ? space === 'new_space' || space === 'new_large_object_space'
    : space === 'old_space' || space === 'large_object_space';
}

/** Used bytes of the young generation (young = true) or the long-lived one in a GCProfiler space list. */
function generationUsed(spaces: SpaceStats, young: boolean): number {
  let used = 0;
  for (const s of spaces) if (inGeneration(s.spaceName, young)) used += s.spaceUsedSize;
  return used;
}

/** The same, read from the heap now. */
function currentUsed(young: boolean): number {
  let used = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (inGeneration(s.space_name, young)) used += s.space_used_size;
  return used;
}

/** GC pauses, allocation, promotion and live data. @since 0.1.0 */
export const jvmGcBinder: MeterBinder = {
  name: 'jvm-gc',
  bindTo(registry, context) {
    const meters: Meter[] = [];
    const stops: (() => void)[] = [];

    // (a) Pauses. Children are made once per (kind, cause), so recording allocates nothing.
    const pause = registry.timer('jvm.gc.pause', {
      description: 'Time spent in GC pause',
      labelNames: ['action', 'cause', 'gc'],
    });
    meters.push(pause);
    const children: (TimerChild | undefined)[] = new Array(KINDS.length * CAUSES.length);
    const record = (entry: PerformanceEntry): void => {
      // Node 16+ puts kind and flags in `detail` (NodeGCPerformanceDetail); the old top-level fields are deprecated.
      const detail = (entry as { detail?: { kind?: number; flags?: number } | null }).detail;
      const k = kindIndex(detail?.kind ?? -1);
      const c = causeIndex(detail?.flags ?? 0);
      const i = k * CAUSES.length + c;
      let child = children[i];
      if (child === undefined) {
        const [gc, action] = KINDS[k]!;
        child = pause.child({ action, cause: CAUSES[c]!, gc });
        children[i] = child;
      }
      child.record(entry.duration / 1000);
    };
    try {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) record(entry);
      });
      observer.observe({ entryTypes: ['gc'] });
      stops.push(() => observer.disconnect());
    } catch (err) {
      context.diag.warn(
        Warnings.BINDER_SOURCE_FAILED,
        { binder: 'jvm-gc', problem: `GC entries cannot be observed, jvm_gc_pause_seconds stays empty: ${String(err)}` },
        'jvm-gc:observer',
      );
    }

    // (b) Allocation, promotion and live data from the GC profiler.
    if (typeof v8.GCProfiler === 'function') {
      let profiler: GCProfiler | undefined;
      try {
        profiler = new v8.GCProfiler();
        profiler.start();
      } catch (err) {
        profiler = undefined;
        context.diag.warn(
          Warnings.BINDER_SOURCE_FAILED,
          { binder: 'jvm-gc', problem: `the V8 GC profiler cannot start, allocation and promotion are left out: ${String(err)}` },
          'jvm-gc:profiler',
        );
      }
      if (profiler !== undefined) {
        const running = profiler;
        let allocated = 0;
        let promoted = 0;
        let liveData = -1;
        let youngAfterPrevious = currentUsed(true);

        const account = (s: GcStat): void => {
          const before = s.beforeGC.heapSpaceStatistics;
          const after = s.afterGC.heapSpaceStatistics;
          const youngBefore = generationUsed(before, true);
          if (youngBefore > youngAfterPrevious) allocated += youngBefore - youngAfterPrevious;
          youngAfterPrevious = generationUsed(after, true);
          if (isMinor(s.gcType)) {
            const delta = generationUsed(after, false) - generationUsed(before, false);
            if (delta > 0) promoted += delta;
          } else if (s.gcType === 'MarkSweepCompact') {
            liveData = generationUsed(after, false);
          }
        };
        const rotate = (): void => {
          let result: GCProfilerResult | undefined;
          try {
            result = running.stop();
            running.start();
          } catch (err) {
            context.diag.warn(
              Warnings.BINDER_SOURCE_FAILED,
              { binder: 'jvm-gc', problem: `reading the V8 GC profiler failed: ${String(err)}` },
              'jvm-gc:rotate',
            );
          }
          if (result === undefined) return;
          for (const s of result.statistics) account(s);
        };
        const interval = setInterval(rotate, ROTATE_EVERY_MS);
        interval.unref();
        stops.push(() => {
          clearInterval(interval);
          try {
            running.stop();
          } catch {
            // Already stopped: nothing to release.
          }
        });

        // Allocated is registered first of the three, so its read (which rotates the profiler) runs first in a
        // scrape and the promoted and live-data values below are as fresh.
        meters.push(
          registry.functionCounter('jvm.gc.memory.allocated', {
            baseUnit: 'bytes',
            description:
              'Incremented for an increase in the size of the (young) heap memory pool after one GC to before the next',
            read: (emit) => {
              rotate();
              emit(allocated);
            },
          }),
          registry.functionCounter('jvm.gc.memory.promoted', {
            baseUnit: 'bytes',
            description: 'Count of positive increases in the size of the old generation memory pool before GC to after GC',
            read: (emit) => emit(promoted),
          }),
          registry.gauge('jvm.gc.live.data.size', {
            baseUnit: 'bytes',
            description: 'Size of long-lived heap memory pool after reclamation',
            collect: (g) => g.set(liveData >= 0 ? liveData : currentUsed(false)),
          }),
        );
      }
    }

    const heapLimit = v8.getHeapStatistics().heap_size_limit;
    meters.push(
      registry.gauge('jvm.gc.max.data.size', {
        baseUnit: 'bytes',
        description: 'Max size of long-lived heap memory pool',
        collect: (g) => g.set(heapLimit),
      }),
    );

    let unbound = false;
    return () => {
      if (unbound) return;
      unbound = true;
      for (const stop of stops) stop();
      for (const m of meters) registry.remove(m);
    };
  },
};
