/**
 * GC duration by kind, a Node-only series kept under prom-client's name (`lib/metrics/gc.js`):
 * `nodejs_gc_duration_seconds{kind}` with kind = major | minor | incremental | weakcb, as a histogram on
 * prom-client's buckets [0.001, 0.01, 0.1, 1, 2, 5], plus the `_max` every nodemeter timer has.
 * Unlike prom-client's, the GC observer is disconnected on unbind. Children are made once per kind, so recording
 * a GC allocates nothing beyond the entries perf_hooks hands over.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import type { TimerChild } from '../timer.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const nodeGcMetricNames = [
  'nodejs_gc_duration_seconds_bucket',
  'nodejs_gc_duration_seconds_count',
  'nodejs_gc_duration_seconds_sum',
  'nodejs_gc_duration_seconds_max',
] as const;

const BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

function kindName(kind: number | undefined): string {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case constants.NODE_PERFORMANCE_GC_MINOR:
    case 2: // V8 kGCTypeMinorMarkSweep (--minor-ms), a young-generation collection.
      return 'minor';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb';
    default:
      return 'unknown';
  }
}

/** GC duration histogram by kind. @since 0.1.0 */
export const nodeGcBinder: MeterBinder = {
  name: 'node-gc',
  bindTo(registry, context) {
    const duration = registry.timer('nodejs.gc.duration', {
      description: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      labelNames: ['kind'],
      buckets: BUCKETS,
    });
    const children = new Map<number, TimerChild>();
    const record = (entry: PerformanceEntry): void => {
      const kind = (entry as { detail?: { kind?: number } | null }).detail?.kind ?? -1;
      let child = children.get(kind);
      if (child === undefined) {
        child = duration.child({ kind: kindName(kind) });
        children.set(kind, child);
      }
      child.record(entry.duration / 1000);
    };

    let observer: PerformanceObserver | undefined;
    try {
      observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) record(entry);
      });
      observer.observe({ entryTypes: ['gc'] });
    } catch (err) {
      observer = undefined;
      context.diag.warn(
        Warnings.BINDER_SOURCE_FAILED,
        { binder: 'node-gc', problem: `GC entries cannot be observed, nodejs_gc_duration_seconds stays empty: ${String(err)}` },
        'node-gc',
      );
    }

    let unbound = false;
    return () => {
      if (unbound) return;
      unbound = true;
      observer?.disconnect();
      registry.remove(duration);
    };
  },
};
