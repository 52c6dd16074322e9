/**
 * JvmHeapPressureMetrics (Micrometer `binder/jvm/JvmHeapPressureMetrics`): `jvm_gc_overhead` and
 * `jvm_memory_usage_after_gc{area="heap",pool="long-lived"}`, from V8's collections as gc-source.ts reads them.
 *
 * `jvm_gc_overhead`: share of wall time spent in GC pauses over the last 5 minutes (Micrometer's default lookback),
 * or since bind when that is shorter. Pause times go into a ring of 10 buckets of 30 s, by when the collection was
 * read (at most 10 s after it happened, gc-source.ts), so the window is 4.5 to 5 minutes wide.
 *
 * `jvm_memory_usage_after_gc`: long-lived heap (old_space + large_object_space, as for jvm_gc_live_data_size)
 * used after the last full Mark-Compact, divided by the V8 heap size limit: from the profiler's heap spaces after
 * that collection (where the source has none, the heap when the collection was reported). Before the first full
 * GC, the value is the current long-lived usage.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import { KIND_MARK_COMPACT, currentUsed, generationUsed, subscribeGc, type GcSubscription } from './gc-source.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const jvmHeapPressureMetricNames = ['jvm_gc_overhead', 'jvm_memory_usage_after_gc'] as const;

const LOOKBACK_MS = 5 * 60_000;
const BUCKETS = 10;
const BUCKET_MS = LOOKBACK_MS / BUCKETS;
const LONG_LIVED = { area: 'heap', pool: 'long-lived' } as const;

/** GC overhead and long-lived heap usage after GC. @since 0.1.0 */
export const jvmHeapPressureBinder: MeterBinder = {
  name: 'jvm-heap-pressure',
  bindTo(registry, context) {
    const heapLimit = v8.getHeapStatistics().heap_size_limit;
    const boundAt = performance.now();
    // Pause milliseconds per 30 s slot; stamps hold the slot number a bucket belongs to (-1: empty).
    const sums = new Float64Array(BUCKETS);
    const stamps = new Float64Array(BUCKETS).fill(-1);
    let afterGcRatio = -1;

    const addPause = (at: number, ms: number): void => {
      const slot = Math.floor(at / BUCKET_MS);
      const i = slot % BUCKETS;
      if (stamps[i] !== slot) {
        stamps[i] = slot;
        sums[i] = 0;
      }
      sums[i]! += ms;
    };

    let subscription: GcSubscription;
    try {
      subscription = subscribeGc((records) => {
        let major = false;
        for (const r of records) {
          addPause(r.at, r.pauseMs);
          if (r.kind !== KIND_MARK_COMPACT) continue;
          if (r.after !== undefined) afterGcRatio = generationUsed(r.after, false) / heapLimit;
          else major = true;
        }
        if (major) afterGcRatio = currentUsed(false) / heapLimit;
      });
    } catch (err) {
      context.diag.warn(
        Warnings.BINDER_SOURCE_FAILED,
        {
          binder: 'jvm-heap-pressure',
          problem: `GC cannot be observed, jvm_gc_overhead and jvm_memory_usage_after_gc are left out: ${String(err)}`,
        },
        'jvm-heap-pressure',
      );
      return () => {};
    }

    const overhead = registry.gauge('jvm.gc.overhead', {
      description:
        'An approximation of the percent of CPU time used by GC activities over the last lookback period or since ' +
        'monitoring began, whichever is shorter, in the range [0..1]',
      collect: (g) => {
        subscription.refresh();
        const now = performance.now();
        const slot = Math.floor(now / BUCKET_MS);
        let pauseMs = 0;
        for (let i = 0; i < BUCKETS; i++) {
          if ((stamps[i] as number) > slot - BUCKETS) pauseMs += sums[i] as number;
        }
        const windowMs = Math.min(now - boundAt, (BUCKETS - 1) * BUCKET_MS + (now - slot * BUCKET_MS));
        const ratio = windowMs > 0 ? pauseMs / windowMs : 0;
        g.set(ratio > 1 ? 1 : ratio);
      },
    });
    const usageAfterGc = registry.gauge('jvm.memory.usage.after.gc', {
      description:
        'The percentage of long-lived heap pool used after the last GC event, in the range [0..1]',
      labelNames: ['area', 'pool'],
      collect: (g) => {
        subscription.refresh();
        g.set(LONG_LIVED, afterGcRatio >= 0 ? afterGcRatio : currentUsed(false) / heapLimit);
      },
    });

    let unbound = false;
    return () => {
      if (unbound) return;
      unbound = true;
      subscription.unsubscribe();
      registry.remove(overhead);
      registry.remove(usageAfterGc);
    };
  },
};
