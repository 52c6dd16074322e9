/**
 * Counter: a prom-client Counter behind a small interface, with per-label-set children for hot paths.
 *
 * With an exemplar sampler (tracing on), the prom-client Counter is created with `enableExemplars` and every
 * increment made while a sampled span is current carries that span's ids as the series' exemplar, as Micrometer's
 * PrometheusCounter does (prom-client writes it in OpenMetrics only). Unsampled increments reuse one argument
 * object, so they allocate nothing more than without exemplars.
 */
import { Counter as PromCounter } from './compat/prom-client.js';
import { exemplarLabels, type ExemplarSampler } from './exemplars.js';
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

/** prom-client's `inc` argument when exemplars are on. */
interface IncData {
  labels: Labels;
  value: number;
  exemplarLabels: Labels | undefined;
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;

export class PromBackedCounter implements Counter, Family {
  readonly type = 'counter' as const;
  readonly name: string;
  readonly help: string;
  readonly #counter: PromCounter<string>;
  readonly #sampler: ExemplarSampler | undefined;
  /** Reused for every increment with exemplars on: prom-client reads it synchronously and keeps no reference. */
  readonly #scratch: IncData = { labels: NO_LABELS, value: 1, exemplarLabels: undefined };

  constructor(baseName: string, help: string, labelNames: readonly string[], sampler?: ExemplarSampler) {
    this.name = `${baseName}_total`;
    this.help = help;
    this.#sampler = sampler;
    this.#counter = new PromCounter({
      name: this.name,
      help,
      labelNames: [...labelNames],
      registers: [],
      enableExemplars: sampler !== undefined,
    });
  }

  inc(labelsOrValue?: Labels | number, value?: number): void {
    if (this.#sampler === undefined) {
      if (typeof labelsOrValue === 'object') this.#counter.inc(labelsOrValue, value ?? 1);
      else this.#counter.inc(labelsOrValue ?? 1);
      return;
    }
    if (typeof labelsOrValue === 'object') this.#incWithExemplar(labelsOrValue, value ?? 1);
    else this.#incWithExemplar(NO_LABELS, labelsOrValue ?? 1);
  }

  child(labels: Labels): CounterChild {
    if (this.#sampler === undefined) return this.#counter.labels(labels);
    // prom-client's own child binds `inc(labels, value)`, which its exemplar variant does not take.
    return { inc: (value?: number) => this.#incWithExemplar(labels, value ?? 1) };
  }

  #incWithExemplar(labels: Labels, value: number): void {
    const ids = (this.#sampler as ExemplarSampler)();
    const data = this.#scratch;
    data.labels = labels;
    data.value = value;
    // Left out when there is no sampled span: prom-client then keeps the series' previous exemplar.
    data.exemplarLabels = ids === undefined ? undefined : exemplarLabels(ids);
    try {
      (this.#counter.inc as (data: IncData) => void)(data);
    } finally {
      data.labels = NO_LABELS;
      data.exemplarLabels = undefined;
    }
  }

  async collect(): Promise<Sample[]> {
    return (await this.#counter.get()).values as Sample[];
  }
}
