/**
 * ProcessorMetrics' system half (Micrometer `binder/system/ProcessorMetrics`): `system_cpu_count`,
 * `system_cpu_usage` and `system_load_average_1m`.
 *
 * `system_cpu_usage` is 1 - idle/total over all CPUs from `os.cpus()` times, since the previous scrape (the first
 * scrape covers the time since boot). Where `os.cpus()` reports nothing (some sandboxes) it is not registered.
 * The load average is not registered on Windows, where `os.loadavg()` is always zeros (Micrometer registers it
 * only when the OS reports one).
 */
import os from 'node:os';
import type { MeterBinder } from '../binder.js';
import type { Meter } from '../registry.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const processorMetricNames = ['system_cpu_count', 'system_cpu_usage', 'system_load_average_1m'] as const;

const hasAvailableParallelism = typeof os.availableParallelism === 'function';

function cpuTimes(): { idle: number; total: number } | undefined {
  const cpus = os.cpus();
  if (cpus.length === 0) return undefined;
  let idle = 0;
  let total = 0;
  for (const { times } of cpus) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** System CPU count, usage and load average. @since 0.1.0 */
export const processorBinder: MeterBinder = {
  name: 'processor',
  bindTo(registry) {
    const meters: Meter[] = [];

    meters.push(
      registry.gauge('system.cpu.count', {
        description: 'The number of processors available to the Node.js process',
        collect: (g) => g.set(hasAvailableParallelism ? os.availableParallelism() : os.cpus().length),
      }),
    );

    if (cpuTimes() !== undefined) {
      let prevIdle = 0;
      let prevTotal = 0;
      let last = 0;
      meters.push(
        registry.gauge('system.cpu.usage', {
          description: 'The "recent cpu usage" of the system the application is running in',
          collect: (g) => {
            const t = cpuTimes();
            if (t === undefined) {
              g.remove({});
              return;
            }
            const totalDelta = t.total - prevTotal;
            // No tick since the previous scrape (or counters went backwards after a CPU went offline): keep the value.
            if (totalDelta > 0) {
              const idleDelta = t.idle - prevIdle;
              const ratio = 1 - idleDelta / totalDelta;
              last = ratio < 0 ? 0 : ratio > 1 ? 1 : ratio;
            }
            prevIdle = t.idle;
            prevTotal = t.total;
            g.set(last);
          },
        }),
      );
    }

    if (process.platform !== 'win32') {
      meters.push(
        registry.gauge('system.load.average.1m', {
          description:
            'The sum of the number of runnable entities queued to available processors and the number of runnable ' +
            'entities running on the available processors averaged over a period of time',
          collect: (g) => g.set(os.loadavg()[0] ?? 0),
        }),
      );
    }

    return () => {
      for (const m of meters) registry.remove(m);
    };
  },
};
