/**
 * LongTaskTimer, as Micrometer's: tasks in flight. At scrape time `<name>_seconds_count` is the number of active
 * tasks, `_sum` their total running time, and the separate `<name>_seconds_max` family the longest running one.
 * Spring's `http.server.requests.active` is one.
 *
 * With buckets (the distribution settings of its name or a prefix, e.g. `percentilesHistogram['http.client.requests']`
 * for `http.client.requests.active`) it is a gauge histogram, as Micrometer's PrometheusMeterRegistry writes it:
 *
 *   OpenMetrics  # TYPE x gaugehistogram   x_bucket{le} … x_bucket{le="+Inf"}, x_gcount, x_gsum   (one family)
 *   text 0.0.4   # TYPE x histogram        x_bucket{le} … (no _count/_sum)
 *                # TYPE x_gcount gauge, # TYPE x_gsum gauge                                  (two more families)
 *   both         # TYPE x_max gauge
 *
 * A bucket counts the active tasks that have run for at most `le` seconds (cumulative; `+Inf` = all of them).
 *
 * Tasks start in time order, so each series keeps them in a doubly-linked list: start and stop are O(1), the oldest
 * task (the max) is the head, and the sum is count × now − Σ start. A task is one small object, which the caller
 * keeps (usually on its observation context). Buckets are counted only at scrape time, walking the list from the
 * youngest task, so start and stop cost the same with or without them.
 */
import { formatLe } from './buckets.js';
import type { Family, Labels, Sample } from './family.js';

/** A running task; pass it back to stop(). @since 0.1.0 */
export interface LongTask {
  /** Stops the task. Safe to call twice. */
  stop(): void;
}

/** @since 0.1.0 */
export interface LongTaskTimerChild {
  /**
   * Starts a task. `startMs`: when it started, as `performance.now()`, if the caller has it already (an
   * observation's start time): one clock read less per task.
   */
  start(startMs?: number): LongTask;
}

/** @since 0.1.0 */
export interface LongTaskTimer {
  start(labels?: Labels): LongTask;
  child(labels: Labels): LongTaskTimerChild;
}

class Task implements LongTask {
  prev: Task | undefined = undefined;
  next: Task | undefined = undefined;
  constructor(
    readonly series: Series,
    readonly startMs: number,
  ) {}

  stop(): void {
    this.series.remove(this);
  }
}

class Series implements LongTaskTimerChild {
  head: Task | undefined = undefined;
  tail: Task | undefined = undefined;
  count = 0;
  startSum = 0;

  /** `le` label objects, built at the first scrape of a series with buckets. */
  bucketLabels: Labels[] | undefined = undefined;

  constructor(readonly labels: Labels) {}

  start(startMs: number = performance.now()): LongTask {
    const task = new Task(this, startMs);
    task.prev = this.tail;
    if (this.tail) this.tail.next = task;
    else this.head = task;
    this.tail = task;
    this.count++;
    this.startSum += task.startMs;
    return task;
  }

  remove(task: Task): void {
    if (task.prev === undefined && this.head !== task) return; // already stopped
    if (task.prev) task.prev.next = task.next;
    else this.head = task.next;
    if (task.next) task.next.prev = task.prev;
    else this.tail = task.prev;
    task.prev = undefined;
    task.next = undefined;
    this.count--;
    this.startSum -= task.startMs;
    if (this.count === 0) this.startSum = 0;
  }
}

export class LongTaskTimerImpl implements LongTaskTimer {
  readonly #labelNames: readonly string[];
  readonly #series = new Map<string, Series>();
  readonly #bounds: readonly number[] | undefined;
  readonly families: readonly Family[];

  /** @param buckets bucket boundaries in seconds; given and non-empty, the timer is a gauge histogram. */
  constructor(
    readonly name: string,
    help: string,
    labelNames: readonly string[],
    buckets?: readonly number[],
  ) {
    this.#labelNames = labelNames;
    const bounds = buckets ? [...new Set(buckets)].filter((b) => Number.isFinite(b) && b > 0).sort((a, b) => a - b) : [];
    this.#bounds = bounds.length > 0 ? bounds : undefined;
    const max: Family = { name: `${name}_max`, help, type: 'gauge', collect: () => this.#collectMax() };
    this.families = this.#bounds
      ? [
          { name, help, type: 'histogram', format: 'text', collect: () => this.#collectBuckets(false) },
          { name: `${name}_gcount`, help, type: 'gauge', format: 'text', collect: () => this.#collectCount() },
          { name: `${name}_gsum`, help, type: 'gauge', format: 'text', collect: () => this.#collectSum() },
          { name, help, type: 'gaugehistogram', format: 'openmetrics', collect: () => this.#collectBuckets(true) },
          max,
        ]
      : [{ name, help, type: 'summary', collect: () => this.#collectSummary() }, max];
  }

  start(labels: Labels = {}): LongTask {
    return this.child(labels).start();
  }

  child(labels: Labels): LongTaskTimerChild {
    let key = '';
    for (const n of this.#labelNames) key += `${labels[n] ?? ''}\u0000`;
    let s = this.#series.get(key);
    if (!s) {
      const own: Labels = {};
      for (const n of this.#labelNames) own[n] = labels[n] ?? '';
      s = new Series(own);
      this.#series.set(key, s);
    }
    return s;
  }

  #collectSummary(): Sample[] {
    const now = performance.now();
    const out: Sample[] = [];
    for (const s of this.#series.values()) {
      out.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
      out.push({ metricName: `${this.name}_sum`, labels: s.labels, value: sumSeconds(s, now) });
    }
    return out;
  }

  /** Cumulative buckets of every series; with `withCountSum`, `_gcount` and `_gsum` follow each series' buckets. */
  #collectBuckets(withCountSum: boolean): Sample[] {
    const bounds = this.#bounds as readonly number[];
    const now = performance.now();
    const out: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.#series.values()) {
      s.bucketLabels ??= [...bounds, Infinity].map((b) => ({ ...s.labels, le: formatLe(b) }));
      // Youngest task first: durations only grow along the walk, so one pass fills the cumulative counts.
      let task = s.tail;
      let count = 0;
      for (let i = 0; i < bounds.length; i++) {
        const limitMs = (bounds[i] as number) * 1000;
        while (task !== undefined && now - task.startMs <= limitMs) {
          count++;
          task = task.prev;
        }
        out.push({ metricName: bucket, labels: s.bucketLabels[i] as Labels, value: count });
      }
      out.push({ metricName: bucket, labels: s.bucketLabels[bounds.length] as Labels, value: s.count });
      if (withCountSum) {
        out.push({ metricName: `${this.name}_gcount`, labels: s.labels, value: s.count });
        out.push({ metricName: `${this.name}_gsum`, labels: s.labels, value: sumSeconds(s, now) });
      }
    }
    return out;
  }

  #collectCount(): Sample[] {
    const out: Sample[] = [];
    for (const s of this.#series.values()) out.push({ labels: s.labels, value: s.count });
    return out;
  }

  #collectSum(): Sample[] {
    const now = performance.now();
    const out: Sample[] = [];
    for (const s of this.#series.values()) out.push({ labels: s.labels, value: sumSeconds(s, now) });
    return out;
  }

  #collectMax(): Sample[] {
    const now = performance.now();
    const out: Sample[] = [];
    for (const s of this.#series.values()) out.push({ labels: s.labels, value: s.head ? (now - s.head.startMs) / 1000 : 0 });
    return out;
  }
}

/** Total running time of a series' active tasks, in seconds. */
function sumSeconds(s: Series, now: number): number {
  return s.count === 0 ? 0 : (s.count * now - s.startSum) / 1000;
}
