/**
 * JvmGcMetrics (Micrometer `binder/jvm/JvmGcMetrics`), from V8's collections as gc-source.ts reads them.
 *
 *   gc-source (v8.GCProfiler) ──► jvm_gc_pause_seconds{action,cause,gc}   (count, sum, max)
 *                             ──► jvm_gc_memory_allocated_bytes_total, jvm_gc_memory_promoted_bytes_total,
 *                                 jvm_gc_live_data_size_bytes;  jvm_gc_max_data_size_bytes = V8 heap size limit
 *
 * Pause labels: `gc` names the V8 collector (`V8 Scavenger` minor, `V8 Mark-Compact` major, `V8 Incremental
 * Marking`, `V8 Weak Callbacks`), `action` is `end of minor GC` for young collections and `end of major GC`
 * otherwise, `cause` is `System.gc()` for a forced `gc()`, else `Allocation Failure`, V8's usual trigger
 * (gc-source.ts says why the rarer causes are not told apart).
 *
 * Generations: young = new_space + new_large_object_space, long-lived = old_space + large_object_space (large
 * objects are V8's counterpart of G1's humongous regions, which Java counts in the old generation).
 *   allocated: for each GC, young used before it minus young used after the previous one (first: at bind), if > 0;
 *   promoted:  for each young GC, increase of long-lived used from before to after, if > 0;
 *   live data: long-lived used after the last full Mark-Compact (before any: long-lived used now).
 * Each scrape reads the collections since the last one first, so the values are as fresh as the scrape. Where the
 * source has no heap spaces (other runtimes than Node), only the pause timer is registered.
 */
import v8 from 'node:v8';
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import type { Meter, TimerMeterOptions } from '../registry.js';
import type { InternalTimerOptions, TimerChild } from '../timer.js';
import {
  GC_CAUSES,
  GC_KINDS,
  KIND_MARK_COMPACT,
  currentUsed,
  generationUsed,
  subscribeGc,
  type GcRecord,
  type GcSubscription,
} from './gc-source.js';

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

function isMinor(kind: number): boolean {
  return kind <= 1;
}

/** GC pauses, allocation, promotion and live data. @since 0.1.0 */
export const jvmGcBinder: MeterBinder = {
  name: 'jvm-gc',
  bindTo(registry, context) {
    const meters: Meter[] = [];
    // Children are made once per (kind, cause), so recording allocates nothing.
    const children: (TimerChild | undefined)[] = new Array(GC_KINDS.length * GC_CAUSES.length);
    let allocated = 0;
    let promoted = 0;
    let liveData = -1;
    let youngAfterPrevious = currentUsed(true);
    let subscription: GcSubscription | undefined;
    const refresh = (): void => subscription?.refresh();

    const pause = registry.timer('jvm.gc.pause', {
      description: 'Time spent in GC pause',
      labelNames: ['action', 'cause', 'gc'],
      beforeCollect: refresh,
    } as TimerMeterOptions & InternalTimerOptions);
    meters.push(pause);

    const record = (r: GcRecord): void => {
      const i = r.kind * GC_CAUSES.length + r.cause;
      let child = children[i];
      if (child === undefined) {
        const [gc, action] = GC_KINDS[r.kind]!;
        child = pause.child({ action, cause: GC_CAUSES[r.cause]!, gc });
        children[i] = child;
      }
      child.record(r.pauseMs / 1000);
      const before = r.before;
      const after = r.after;
      if (before === undefined || after === undefined) return;
      const youngBefore = generationUsed(before, true);
      if (youngBefore > youngAfterPrevious) allocated += youngBefore - youngAfterPrevious;
      youngAfterPrevious = generationUsed(after, true);
      if (isMinor(r.kind)) {
        const delta = generationUsed(after, false) - generationUsed(before, false);
        if (delta > 0) promoted += delta;
      } else if (r.kind === KIND_MARK_COMPACT) {
        liveData = generationUsed(after, false);
      }
    };
    try {
      subscription = subscribeGc((records) => {
        for (const r of records) record(r);
      });
    } catch (err) {
      context.diag.warn(
        Warnings.BINDER_SOURCE_FAILED,
        { binder: 'jvm-gc', problem: `GC cannot be observed, jvm_gc_pause_seconds stays empty: ${String(err)}` },
        'jvm-gc:source',
      );
    }

    if (subscription?.profiled === true) {
      meters.push(
        registry.functionCounter('jvm.gc.memory.allocated', {
          baseUnit: 'bytes',
          description:
            'Incremented for an increase in the size of the (young) heap memory pool after one GC to before the next',
          read: (emit) => {
            refresh();
            emit(allocated);
          },
        }),
        registry.functionCounter('jvm.gc.memory.promoted', {
          baseUnit: 'bytes',
          description: 'Count of positive increases in the size of the old generation memory pool before GC to after GC',
          read: (emit) => {
            refresh();
            emit(promoted);
          },
        }),
        registry.gauge('jvm.gc.live.data.size', {
          baseUnit: 'bytes',
          description: 'Size of long-lived heap memory pool after reclamation',
          collect: (g) => {
            refresh();
            g.set(liveData >= 0 ? liveData : currentUsed(false));
          },
        }),
      );
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
      subscription?.unsubscribe();
      subscription = undefined;
      for (const m of meters) registry.remove(m);
    };
  },
};
