/** Counter: a prom-client Counter behind a small interface, with per-label-set children for hot paths. */
import { Counter as PromCounter } from 'prom-client';
import type { Family, Labels, Sample } from './family.js';

/** A bound counter child: increments one series without looking its labels up again. @since 0.1.0 */
export interface CounterChild {
  inc(value?: number): void;
}

/** A monotonically increasing count, `<name>_total`. @since 0.1.0 */
export interface Counter {
  inc(value?: number): void;
  inc(labels: Labels, value?: number): void;
  /** The series for these label values, to keep and increment cheaply. */
  child(labels: Labels): CounterChild;
}

export class PromBackedCounter implements Counter, Family {
  readonly type = 'counter' as const;
  readonly name: string;
  readonly help: string;
  readonly #counter: PromCounter<string>;

  constructor(baseName: string, help: string, labelNames: readonly string[]) {
    this.name = `${baseName}_total`;
    this.help = help;
    this.#counter = new PromCounter({ name: this.name, help, labelNames: [...labelNames], registers: [] });
  }

  inc(labelsOrValue?: Labels | number, value?: number): void {
    if (typeof labelsOrValue === 'object') this.#counter.inc(labelsOrValue, value ?? 1);
    else this.#counter.inc(labelsOrValue ?? 1);
  }

  child(labels: Labels): CounterChild {
    return this.#counter.labels(labels);
  }

  async collect(): Promise<Sample[]> {
    return (await this.#counter.get()).values as Sample[];
  }
}
