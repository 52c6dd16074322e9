/**
 * GC duration by kind, a Node-only series kept under prom-client's name (`lib/metrics/gc.js`):
 * `nodejs_gc_duration_seconds{kind}` with kind = major | minor | incremental | weakcb, as a histogram on
 * prom-client's buckets [0.001, 0.01, 0.1, 1, 2, 5], plus the `_max` every nodemeter timer has.
 * The collections come from gc-source.ts (V8's GC profiler, read at each scrape and every 10 s), not from a
 * perf_hooks observer as prom-client's do; unsubscribed on unbind. Children are made once per kind.
 */
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import type { TimerMeterOptions } from '../registry.js';
import type { InternalTimerOptions, TimerChild } from '../timer.js';
import { GC_KINDS, subscribeGc, type GcSubscription } from './gc-source.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const nodeGcMetricNames = [
  'nodejs_gc_duration_seconds_bucket',
  'nodejs_gc_duration_seconds_count',
  'nodejs_gc_duration_seconds_sum',
  'nodejs_gc_duration_seconds_max',
] as const;

const BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

/** prom-client's kind by gc-source's kind index (a minor mark-sweep is a young-generation collection). */
const KIND_NAMES = ['minor', 'minor', 'major', 'incremental', 'weakcb', 'unknown'];

/** GC duration histogram by kind. @since 0.1.0 */
export const nodeGcBinder: MeterBinder = {
  name: 'node-gc',
  bindTo(registry, context) {
    let subscription: GcSubscription | undefined;
    const duration = registry.timer('nodejs.gc.duration', {
      description: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      labelNames: ['kind'],
      buckets: BUCKETS,
      beforeCollect: () => subscription?.refresh(),
    } as TimerMeterOptions & InternalTimerOptions);
    const children: (TimerChild | undefined)[] = new Array(GC_KINDS.length);
    try {
      subscription = subscribeGc((records) => {
        for (const r of records) {
          let child = children[r.kind];
          if (child === undefined) {
            child = duration.child({ kind: KIND_NAMES[r.kind]! });
            children[r.kind] = child;
          }
          child.record(r.pauseMs / 1000);
        }
      });
    } catch (err) {
      context.diag.warn(
        Warnings.BINDER_SOURCE_FAILED,
        { binder: 'node-gc', problem: `GC cannot be observed, nodejs_gc_duration_seconds stays empty: ${String(err)}` },
        'node-gc',
      );
    }

    let unbound = false;
    return () => {
      if (unbound) return;
      unbound = true;
      subscription?.unsubscribe();
      subscription = undefined;
      registry.remove(duration);
    };
  },
};
