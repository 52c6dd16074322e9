/**
 * Process memory and threads as the micrometer-jvm-extras binders name them (`process_memory_rss_bytes`,
 * `process_memory_vss_bytes`, `process_memory_swap_bytes`, `process_threads`), read from Linux's /proc/self/status.
 * The "JVM (Micrometer)" dashboard (4701) draws its "JVM Process Memory" and "Threads" panels from them.
 * Elsewhere (no readable /proc/self/status) nothing is registered.
 */
import { readFileSync } from 'node:fs';
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const processStatusMetricNames = [
  'process_memory_rss_bytes',
  'process_memory_vss_bytes',
  'process_memory_swap_bytes',
  'process_threads',
] as const;

const STATUS = '/proc/self/status';

interface Status {
  rss: number;
  vss: number;
  swap: number;
  threads: number;
}

function field(text: string, name: string, kilobytes: boolean): number {
  const at = text.indexOf(`\n${name}:`);
  if (at === -1) return Number.NaN;
  const value = Number.parseInt(text.slice(at + name.length + 2).trimStart(), 10);
  return kilobytes ? value * 1024 : value;
}

function read(): Status {
  const text = `\n${readFileSync(STATUS, 'latin1')}`;
  return {
    rss: field(text, 'VmRSS', true),
    vss: field(text, 'VmSize', true),
    swap: field(text, 'VmSwap', true),
    threads: field(text, 'Threads', false),
  };
}

/** RSS, virtual size, swap and OS threads of the process (Linux). @since 0.1.0 */
export const processStatusBinder: MeterBinder = {
  name: 'process-status',
  bindTo(registry) {
    try {
      read();
    } catch {
      return () => {};
    }
    let current: Status | undefined;
    // rss is registered first, so collected first in a scrape: it reads /proc once for all four.
    const rss = registry.gauge('process.memory.rss', {
      baseUnit: 'bytes',
      description: 'Resident set size of the process (VmRSS)',
      collect: (g) => {
        current = read();
        g.set(current.rss);
      },
    });
    const vss = registry.gauge('process.memory.vss', {
      baseUnit: 'bytes',
      description: 'Virtual memory size of the process (VmSize)',
      collect: (g) => g.set((current ??= read()).vss),
    });
    const swap = registry.gauge('process.memory.swap', {
      baseUnit: 'bytes',
      description: 'Swapped-out memory of the process (VmSwap)',
      collect: (g) => g.set((current ??= read()).swap),
    });
    const threads = registry.gauge('process.threads', {
      description: 'Operating-system threads of the process: JavaScript, worker, libuv and V8 helper threads',
      collect: (g) => {
        g.set((current ??= read()).threads);
        current = undefined;
      },
    });
    return () => {
      for (const m of [rss, vss, swap, threads]) registry.remove(m);
    };
  },
};
