/** UptimeMetrics (Micrometer `binder/system/UptimeMetrics`): process_uptime_seconds, process_start_time_seconds. */
import { performance } from 'node:perf_hooks';
import type { MeterBinder } from '../binder.js';

export const uptimeMetricNames = ['process_uptime_seconds', 'process_start_time_seconds'] as const;

export const uptimeBinder: MeterBinder = {
  name: 'uptime',
  bindTo(registry) {
    const uptime = registry.gauge('process.uptime', {
      baseUnit: 'seconds',
      description: 'The uptime of the Node.js process',
      collect: (g) => g.set(process.uptime()),
    });
    // timeOrigin is when the process started; it does not drift with the wall clock the way now - uptime does.
    const startSeconds = performance.timeOrigin / 1000;
    const start = registry.gauge('process.start.time', {
      baseUnit: 'seconds',
      description: 'Start time of the process since unix epoch.',
      collect: (g) => g.set(startSeconds),
    });
    return () => {
      registry.remove(uptime);
      registry.remove(start);
    };
  },
};
