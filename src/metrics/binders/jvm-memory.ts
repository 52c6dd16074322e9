/**
 * JvmMemoryMetrics (Micrometer `binder/jvm/JvmMemoryMetrics`): `jvm_memory_used_bytes`, `jvm_memory_committed_bytes`
 * and `jvm_memory_max_bytes`, labelled `area` and `id`, with V8's memory standing in for the JVM's pools.
 *
 * Mapping (a JVM MemoryPoolMXBean ≈ a V8 heap space):
 *   area="heap",    id=<space_name>   one series per space `v8.getHeapSpaceStatistics()` reports (new_space,
 *                                     old_space, code_space, large_object_space, …; every space, even empty ones,
 *                                     so the label set is the same on every scrape and every instance):
 *                                     used = space_used_size, committed = space_size,
 *                                     max = heap_size_limit for old_space (the space that grows to the heap limit,
 *                                     as G1 Old Gen carries the heap max), -1 for the others (Micrometer reports -1
 *                                     for pools without a defined max, like G1 Eden Space).
 *   area="nonheap", id="external"     memory of C++ objects bound to JS objects, without ArrayBuffer backing stores:
 *                                     used = committed = memoryUsage().external - arrayBuffers,
 *                                     max = physical memory, or the cgroup limit when smaller.
 *   area="nonheap", id="array_buffers" ArrayBuffer/Buffer backing stores: used = committed = arrayBuffers, max = -1.
 * Dashboards summing `jvm_memory_used_bytes{area="heap"}` get the V8 heap; panels filtering on JVM pool names
 * (`id=~"G1.*"`) find nothing.
 */
import os from 'node:os';
import v8 from 'node:v8';
import type { MeterBinder } from '../binder.js';
import type { GaugeChild } from '../gauge.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const jvmMemoryMetricNames = ['jvm_memory_used_bytes', 'jvm_memory_committed_bytes', 'jvm_memory_max_bytes'] as const;

interface Pool {
  used: GaugeChild;
  committed: GaugeChild;
  max: GaugeChild;
}

/**
 * Memory the process may use at most: physical memory, or the cgroup limit when set and smaller.
 * `process.constrainedMemory()` returns 0 or UINT64_MAX (about 1.8e19) when there is no limit.
 */
function memoryCeiling(): number {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? Number(process.constrainedMemory()) : 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** V8 heap spaces and off-heap memory as JVM memory pools. @since 0.1.0 */
export const jvmMemoryBinder: MeterBinder = {
  name: 'jvm-memory',
  bindTo(registry) {
    const labelNames = ['area', 'id'];
    const heapLimit = v8.getHeapStatistics().heap_size_limit;
    const ceiling = memoryCeiling();
    const pools = new Map<string, Pool>();
    let external: Pool | undefined;
    let arrayBuffers: Pool | undefined;

    // Used is registered first and its collect sets all three gauges from one read, so a scrape reads the V8
    // statistics once and the three families agree.
    const used = registry.gauge('jvm.memory.used', {
      baseUnit: 'bytes',
      description: 'The amount of used memory',
      labelNames,
      collect: (g) => {
        for (const s of v8.getHeapSpaceStatistics()) {
          let pool = pools.get(s.space_name);
          if (pool === undefined) {
            pool = newPool(g, 'heap', s.space_name);
            pool.max.set(s.space_name === 'old_space' ? heapLimit : -1);
            pools.set(s.space_name, pool);
          }
          pool.used.set(s.space_used_size);
          pool.committed.set(s.space_size);
        }
        const m = process.memoryUsage();
        if (external === undefined) {
          external = newPool(g, 'nonheap', 'external');
          external.max.set(ceiling);
        }
        if (arrayBuffers === undefined) {
          arrayBuffers = newPool(g, 'nonheap', 'array_buffers');
          arrayBuffers.max.set(-1);
        }
        const ext = Math.max(0, m.external - m.arrayBuffers);
        external.used.set(ext);
        external.committed.set(ext);
        arrayBuffers.used.set(m.arrayBuffers);
        arrayBuffers.committed.set(m.arrayBuffers);
      },
    });
    const committed = registry.gauge('jvm.memory.committed', {
      baseUnit: 'bytes',
      description: 'The amount of memory in bytes that is committed for the Node.js process to use',
      labelNames,
    });
    const max = registry.gauge('jvm.memory.max', {
      baseUnit: 'bytes',
      description: 'The maximum amount of memory in bytes that can be used for memory management',
      labelNames,
    });

    function newPool(usedGauge: typeof used, area: string, id: string): Pool {
      const labels = { area, id };
      return { used: usedGauge.child(labels), committed: committed.child(labels), max: max.child(labels) };
    }

    return () => {
      registry.remove(used);
      registry.remove(committed);
      registry.remove(max);
    };
  },
};
