/**
 * ProcessorMetrics' process half (Micrometer `binder/system/ProcessorMetrics`): `process_cpu_usage` and
 * `process_cpu_time_ns_total`, from `process.cpuUsage()`.
 *
 * `process_cpu_usage` is the share of all available cores this process used since the previous scrape (the first
 * scrape covers the time since the process started), as the JVM's `getProcessCpuLoad()` is "recent" usage.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const processCpuMetricNames = ['process_cpu_usage', 'process_cpu_time_ns_total'] as const;

/** Cores the process may run on; availableParallelism() honours CPU affinity where the OS reports it. */
function availableCores(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return n > 0 ? n : 1;
}

/** Process CPU usage and time. @since 0.1.0 */
export const processCpuBinder: MeterBinder = {
  name: 'process-cpu',
  bindTo(registry) {
    const cores = availableCores();
    // State of the previous scrape: CPU µs used and monotonic wall time in µs. Unset until the first scrape.
    let prevCpuMicros = -1;
    let prevWallMicros = 0;
    let last = 0;

    const usage = registry.gauge('process.cpu.usage', {
      description: 'The "recent cpu usage" for the Node.js process',
      collect: (g) => {
        const u = process.cpuUsage();
        const cpuMicros = u.user + u.system;
        const wallMicros = performance.now() * 1000;
        let cpuDelta: number;
        let wallDelta: number;
        if (prevCpuMicros < 0) {
          cpuDelta = cpuMicros;
          wallDelta = process.uptime() * 1e6;
        } else {
          cpuDelta = cpuMicros - prevCpuMicros;
          wallDelta = wallMicros - prevWallMicros;
        }
        // Two scrapes within the same microsecond: keep the previous value rather than divide by zero.
        if (wallDelta > 0) {
          const ratio = cpuDelta / (wallDelta * cores);
          last = ratio < 0 ? 0 : ratio > 1 ? 1 : ratio;
          prevCpuMicros = cpuMicros;
          prevWallMicros = wallMicros;
        }
        g.set(last);
      },
    });

    const time = registry.functionCounter('process.cpu.time', {
      baseUnit: 'ns',
      description: 'The "cpu time" used by the Node.js process',
      read: (emit) => {
        const u = process.cpuUsage();
        emit((u.user + u.system) * 1000);
      },
    });

    return () => {
      registry.remove(usage);
      registry.remove(time);
    };
  },
};
