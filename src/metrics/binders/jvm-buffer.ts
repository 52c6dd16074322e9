/**
 * BufferPoolMetrics (Micrometer `binder/jvm/JvmMemoryMetrics`, buffer part): `jvm_buffer_memory_used_bytes{id}` and
 * `jvm_buffer_total_capacity_bytes{id}`.
 *
 * Node's ArrayBuffer and Buffer backing stores live outside the V8 heap, as Java's direct buffers live outside the
 * Java heap, so they are reported as `id="direct"`: used = total capacity = `process.memoryUsage().arrayBuffers`.
 * `id="mapped"` is reported as 0: Node never memory-maps JavaScript buffers (true, and it keeps the dashboards'
 * "Mapped Buffers" panels from showing "no data").
 * `jvm_buffer_count_buffers` is not emitted: Node has no cheap count of live ArrayBuffers (V8 reports their bytes,
 * not their number; counting would take a heap walk), and a made-up number would mislead more than a missing panel.
 * Not even `id="mapped"` (truly 0): a family with only that series would make the "Direct Buffers" panels of the
 * Spring dashboards applicable and empty, where without the family they are plainly not applicable.
 */
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const jvmBufferMetricNames = ['jvm_buffer_memory_used_bytes', 'jvm_buffer_total_capacity_bytes'] as const;

const DIRECT = { id: 'direct' } as const;
const MAPPED = { id: 'mapped' } as const;

/** ArrayBuffer memory as the JVM direct buffer pool. @since 0.1.0 */
export const jvmBufferBinder: MeterBinder = {
  name: 'jvm-buffer',
  bindTo(registry) {
    // Used is registered first, so collected first in a scrape; its collect sets capacity from the same reading.
    const used = registry.gauge('jvm.buffer.memory.used', {
      baseUnit: 'bytes',
      description: 'An estimate of the memory that the Node.js process is using for this buffer pool',
      labelNames: ['id'],
      collect: (g) => {
        const bytes = process.memoryUsage().arrayBuffers;
        g.set(DIRECT, bytes);
        capacityChild.set(bytes);
      },
    });
    const capacity = registry.gauge('jvm.buffer.total.capacity', {
      baseUnit: 'bytes',
      description: 'An estimate of the total capacity of the buffers in this pool',
      labelNames: ['id'],
    });
    const capacityChild = capacity.child(DIRECT);
    used.set(MAPPED, 0);
    capacity.set(MAPPED, 0);
    return () => {
      registry.remove(used);
      registry.remove(capacity);
    };
  },
};
