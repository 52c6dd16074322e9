/**
 * JvmInfoMetrics (Micrometer `binder/jvm/JvmInfoMetrics`): `jvm_info{version,vendor,runtime} 1`, describing the
 * JavaScript runtime instead of the JVM: version = `process.version` (with its `v`), vendor = "Node.js" (or the
 * runtime's release name), runtime = "node", "bun" or "deno".
 */
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const jvmInfoMetricNames = ['jvm_info'] as const;

function runtimeName(): string {
  if (typeof process.versions.bun === 'string') return 'bun';
  if (typeof process.versions.deno === 'string' || 'Deno' in globalThis) return 'deno';
  return 'node';
}

/** Runtime version info. @since 0.1.0 */
export const jvmInfoBinder: MeterBinder = {
  name: 'jvm-info',
  bindTo(registry) {
    const releaseName = process.release?.name ?? 'node';
    const labels = {
      version: process.version,
      vendor: releaseName === 'node' ? 'Node.js' : releaseName,
      runtime: runtimeName(),
    };
    const info = registry.gauge('jvm.info', {
      description: 'JavaScript runtime version info',
      labelNames: ['version', 'vendor', 'runtime'],
    });
    info.set(labels, 1);
    return () => registry.remove(info);
  },
};
