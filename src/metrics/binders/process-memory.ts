/**
 * Process memory under prom-client's names (`lib/metrics/osMemoryHeap.js`, `heapSizeAndUsed.js`):
 * `process_resident_memory_bytes`, `nodejs_heap_size_total_bytes`, `nodejs_heap_size_used_bytes`,
 * `nodejs_external_memory_bytes`, all from one `process.memoryUsage()` per scrape.
 */
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const processMemoryMetricNames = [
  'process_resident_memory_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
] as const;

/** Resident, heap and external memory. @since 0.1.0 */
export const processMemoryBinder: MeterBinder = {
  name: 'process-memory',
  bindTo(registry) {
    // Resident memory is registered first; its collect sets the three heap gauges from the same reading.
    const resident = registry.gauge('process.resident.memory', {
      baseUnit: 'bytes',
      description: 'Resident memory size in bytes.',
      collect: (g) => {
        const m = process.memoryUsage();
        g.set(m.rss);
        heapTotal.set(m.heapTotal);
        heapUsed.set(m.heapUsed);
        external.set(m.external);
      },
    });
    const heapTotal = registry.gauge('nodejs.heap.size.total', {
      baseUnit: 'bytes',
      description: 'Process heap size from Node.js in bytes.',
    });
    const heapUsed = registry.gauge('nodejs.heap.size.used', {
      baseUnit: 'bytes',
      description: 'Process heap size used from Node.js in bytes.',
    });
    const external = registry.gauge('nodejs.external.memory', {
      baseUnit: 'bytes',
      description: 'Node.js external memory size in bytes.',
    });
    return () => {
      registry.remove(resident);
      registry.remove(heapTotal);
      registry.remove(heapUsed);
      registry.remove(external);
    };
  },
};
