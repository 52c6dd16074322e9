/**
 * Event-loop delay and utilization, Node-only facts without a Micrometer name, kept under prom-client's names
 * (`lib/metrics/eventLoopLag.js`): `nodejs_eventloop_lag_seconds` and `nodejs_eventloop_lag_{min,max,mean,stddev,
 * p50,p90,p99}_seconds`, plus `nodejs_eventloop_utilization`.
 *
 *   perf_hooks.monitorEventLoopDelay (timer every `eventLoopResolutionMs`) ──scrape──► lag gauges, then reset
 *   performance.eventLoopUtilization() delta since the previous scrape    ──scrape──► utilization 0..1
 *
 * `nodejs_eventloop_lag_seconds` is the mean delay of the interval, not prom-client's single setImmediate sample
 * taken at scrape time, which only sees the loop as it is while the scrape runs. The histogram is in nanoseconds
 * and is reset after each scrape, as prom-client does, so each scrape describes the interval since the previous
 * one; an interval with no sample keeps the previous values. Quirk (prom-client has it too): Node's reset() also
 * forgets the time of the last tick, so the first tick after a scrape records nothing; a block that starts right
 * at the scrape is not seen. Not registered where perf_hooks lacks the monitor.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import type { Gauge } from '../gauge.js';
import type { Meter } from '../registry.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const eventLoopMetricNames = [
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_eventloop_utilization',
] as const;

const NS = 1e9;

/** Event-loop delay statistics and utilization. @since 0.1.0 */
export const eventLoopBinder: MeterBinder = {
  name: 'event-loop',
  bindTo(registry, context) {
    const meters: Meter[] = [];
    let histogram: IntervalHistogram | undefined;

    if (typeof monitorEventLoopDelay === 'function') {
      const resolution = Math.max(1, Math.round(context.eventLoopResolutionMs) || 10);
      try {
        histogram = monitorEventLoopDelay({ resolution });
        histogram.enable();
      } catch (err) {
        histogram = undefined;
        context.diag.warn(
          Warnings.BINDER_SOURCE_FAILED,
          { binder: 'event-loop', problem: `the delay monitor cannot start, nodejs_eventloop_lag_* are left out: ${String(err)}` },
          'event-loop',
        );
      }
    }

    if (histogram !== undefined) {
      const h = histogram;
      const lagGauge = (suffix: string, description: string): Gauge =>
        registry.gauge(`nodejs.eventloop.lag.${suffix}`, { baseUnit: 'seconds', description });
      // The lag gauge is registered first: its collect reads the histogram once, sets every lag gauge and resets.
      const lag = registry.gauge('nodejs.eventloop.lag', {
        baseUnit: 'seconds',
        description: 'Lag of event loop in seconds (mean delay since the previous scrape).',
        collect: (g) => {
          if (h.count > 0) {
            g.set(h.mean / NS);
            min.set(h.min / NS);
            max.set(h.max / NS);
            mean.set(h.mean / NS);
            stddev.set(h.stddev / NS);
            p50.set(h.percentile(50) / NS);
            p90.set(h.percentile(90) / NS);
            p99.set(h.percentile(99) / NS);
          }
          h.reset();
        },
      });
      const min = lagGauge('min', 'The minimum recorded event loop delay.');
      const max = lagGauge('max', 'The maximum recorded event loop delay.');
      const mean = lagGauge('mean', 'The mean of the recorded event loop delays.');
      const stddev = lagGauge('stddev', 'The standard deviation of the recorded event loop delays.');
      const p50 = lagGauge('p50', 'The 50th percentile of the recorded event loop delays.');
      const p90 = lagGauge('p90', 'The 90th percentile of the recorded event loop delays.');
      const p99 = lagGauge('p99', 'The 99th percentile of the recorded event loop delays.');
      meters.push(lag, min, max, mean, stddev, p50, p90, p99);
    }

    if (typeof performance.eventLoopUtilization === 'function') {
      let previous: EventLoopUtilization = performance.eventLoopUtilization();
      let last = 0;
      meters.push(
        registry.gauge('nodejs.eventloop.utilization', {
          description: 'Share of time the event loop was busy since the previous scrape, 0..1.',
          collect: (g) => {
            const now = performance.eventLoopUtilization();
            const delta = performance.eventLoopUtilization(now, previous);
            previous = now;
            if (Number.isFinite(delta.utilization)) last = delta.utilization;
            g.set(last);
          },
        }),
      );
    }

    let unbound = false;
    return () => {
      if (unbound) return;
      unbound = true;
      histogram?.disable();
      for (const m of meters) registry.remove(m);
    };
  },
};
