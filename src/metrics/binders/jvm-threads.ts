/**
 * JvmThreadMetrics (Micrometer `binder/jvm/JvmThreadMetrics`), live/daemon/peak only: `jvm_threads_live_threads`,
 * `jvm_threads_daemon_threads`, `jvm_threads_peak_threads`.
 *
 * Mapping of Node's threads to the JVM's:
 *   live   = 1 (this JS thread) + live worker_threads Workers started from it + libuv threadpool size
 *   daemon = libuv threadpool size: background threads that never keep the process alive
 *   peak   = highest live count seen since bind
 * The threadpool size is UV_THREADPOOL_SIZE (default 4, capped to 1..1024 as libuv does); libuv starts those
 * threads lazily on first use, they are counted from the start. V8's own helper threads are not counted.
 * Workers are counted through the built-in `worker_threads` diagnostics channel, which publishes every Worker
 * this thread creates (present since Node 18; process.getActiveResourcesInfo() does not list Workers). Workers
 * created before bind, or on runtimes without the channel, are not counted.
 * `jvm_threads_states_threads{state}`: JavaScript threads (this one and its workers) are `runnable`, the libuv
 * threadpool threads `waiting` (they block on a queue until work arrives); the other Java states never occur.
 * `jvm_threads_started_threads_total` (Micrometer 1.11+): threads started since bind, on the same mapping: this thread
 * and the libuv threadpool (counted once, as for live) plus every Worker created since; it only grows.
 */
import dc from 'node:diagnostics_channel';
import type { Worker } from 'node:worker_threads';
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const jvmThreadsMetricNames = [
  'jvm_threads_live_threads',
  'jvm_threads_daemon_threads',
  'jvm_threads_peak_threads',
  'jvm_threads_states_threads',
  'jvm_threads_started_threads_total',
] as const;

const CHANNEL = 'worker_threads';
const RUNNABLE = { state: 'runnable' } as const;
const WAITING = { state: 'waiting' } as const;

/** libuv's threadpool size, as uv__threadpool_init computes it: unset → 4, otherwise atoi() capped to 1..1024. */
function threadpoolSize(): number {
  const raw = process.env.UV_THREADPOOL_SIZE;
  if (raw === undefined || raw === '') return 4;
  const n = Number.parseInt(raw, 10);
  if (!(n >= 1)) return 1;
  return n > 1024 ? 1024 : n;
}

/** Live, daemon and peak threads. @since 0.1.0 */
export const jvmThreadsBinder: MeterBinder = {
  name: 'jvm-threads',
  bindTo(registry) {
    const pool = threadpoolSize();
    const workers = new Set<Worker>();
    let peak = 1 + pool;
    let started = 1 + pool;
    const liveCount = (): number => 1 + workers.size + pool;

    // One shared listener; `this` is the Worker that exited.
    function onExit(this: Worker): void {
      workers.delete(this);
    }
    const onWorker = (message: unknown): void => {
      const worker = (message as { worker?: Worker } | null)?.worker;
      if (worker === undefined || typeof worker.once !== 'function' || workers.has(worker)) return;
      workers.add(worker);
      started++;
      worker.once('exit', onExit);
      const live = liveCount();
      if (live > peak) peak = live;
    };
    dc.subscribe(CHANNEL, onWorker);

    const live = registry.gauge('jvm.threads.live', {
      baseUnit: 'threads',
      description:
        'The current number of live threads: this JavaScript thread, its worker threads and the libuv threadpool',
      collect: (g) => {
        const n = liveCount();
        if (n > peak) peak = n;
        g.set(n);
      },
    });
    const daemon = registry.gauge('jvm.threads.daemon', {
      baseUnit: 'threads',
      description: 'The current number of live daemon threads (the libuv threadpool)',
      collect: (g) => g.set(pool),
    });
    const peakGauge = registry.gauge('jvm.threads.peak', {
      baseUnit: 'threads',
      description: 'The peak live thread count since the metrics were bound',
      collect: (g) => g.set(peak),
    });

    const states = registry.gauge('jvm.threads.states', {
      baseUnit: 'threads',
      description: 'The current number of threads per state: JavaScript threads runnable, threadpool threads waiting',
      labelNames: ['state'],
      collect: (g) => {
        g.set(RUNNABLE, 1 + workers.size);
        g.set(WAITING, pool);
      },
    });

    const startedCounter = registry.functionCounter('jvm.threads.started', {
      baseUnit: 'threads',
      description: 'The total number of application threads started in the JVM',
      read: (emit) => emit(started),
    });

    let unbound = false;
    return () => {
      if (unbound) return;
      unbound = true;
      dc.unsubscribe(CHANNEL, onWorker);
      for (const w of workers) w.off('exit', onExit);
      workers.clear();
      registry.remove(live);
      registry.remove(daemon);
      registry.remove(peakGauge);
      registry.remove(states);
      registry.remove(startedCounter);
    };
  },
};
