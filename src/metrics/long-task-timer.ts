/**
 * LongTaskTimer, as Micrometer's: tasks in flight. At scrape time `<name>_seconds_count` is the number of active
 * tasks, `_sum` their total running time, and the separate `<name>_seconds_max` family the longest running one.
 * Spring's `http.server.requests.active` is one.
 *
 * Tasks start in time order, so each series keeps them in a doubly-linked list: start and stop are O(1), the oldest
 * task (the max) is the head, and the sum is count × now − Σ start. A task is one small object, which the caller
 * keeps (usually on its observation context).
 */
import type { Family, Labels, Sample } from './family.js';

/** A running task; pass it back to stop(). @since 0.1.0 */
export interface LongTask {
  /** Stops the task. Safe to call twice. */
  stop(): void;
}

/** @since 0.1.0 */
export interface LongTaskTimerChild {
  start(): LongTask;
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

  constructor(readonly labels: Labels) {}

  start(): LongTask {
    const task = new Task(this, performance.now());
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
  readonly families: readonly [Family, Family];

  constructor(
    readonly name: string,
    help: string,
    labelNames: readonly string[],
  ) {
    this.#labelNames = labelNames;
    this.families = [
      { name, help, type: 'summary', collect: () => this.#collect() },
      { name: `${name}_max`, help, type: 'gauge', collect: () => this.#collectMax() },
    ];
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

  #collect(): Sample[] {
    const now = performance.now();
    const out: Sample[] = [];
    for (const s of this.#series.values()) {
      out.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
      out.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.count === 0 ? 0 : (s.count * now - s.startSum) / 1000 });
    }
    return out;
  }

  #collectMax(): Sample[] {
    const now = performance.now();
    const out: Sample[] = [];
    for (const s of this.#series.values()) out.push({ labels: s.labels, value: s.head ? (now - s.head.startMs) / 1000 : 0 });
    return out;
  }
}
