/** Gauge: a prom-client Gauge, set directly or pulled at scrape time through `collect`. */
import { Gauge as PromGauge } from './compat/prom-client.js';
import type { ClusterAggregation, Family, Labels, Sample } from './family.js';

/** A bound gauge child. @since 0.1.0 */
export interface GaugeChild {
  set(value: number): void;
}

/** A value that goes up and down. @since 0.1.0 */
export interface Gauge {
  set(value: number): void;
  set(labels: Labels, value: number): void;
  child(labels: Labels): GaugeChild;
  /** Forget one series (e.g. a path or pool that went away). */
  remove(labels: Labels): void;
  /** Forget every series. */
  reset(): void;
}

/** Pull-style gauges: called at each scrape to set the current values. @since 0.1.0 */
export type GaugeCollect = (gauge: Gauge) => void | Promise<void>;

export class PromBackedGauge implements Gauge, Family {
  readonly type = 'gauge' as const;
  readonly name: string;
  readonly help: string;
  readonly #gauge: PromGauge<string>;
  readonly #collect: GaugeCollect | undefined;
  /** Written as an OpenMetrics info family (a Micrometer gauge whose name ends in `.info`). */
  readonly info: boolean;
  readonly aggregation: ClusterAggregation | undefined;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    collect?: GaugeCollect,
    shape: { info?: boolean; aggregation?: ClusterAggregation | undefined } = {},
  ) {
    this.name = name;
    this.help = help;
    this.info = shape.info === true;
    this.aggregation = shape.aggregation;
    this.#collect = collect;
    this.#gauge = new PromGauge({ name, help, labelNames: [...labelNames], registers: [] });
  }

  set(labelsOrValue: Labels | number, value?: number): void {
    if (typeof labelsOrValue === 'object') this.#gauge.set(labelsOrValue, value as number);
    else this.#gauge.set(labelsOrValue);
  }

  child(labels: Labels): GaugeChild {
    return this.#gauge.labels(labels);
  }

  remove(labels: Labels): void {
    this.#gauge.remove(labels);
  }

  reset(): void {
    this.#gauge.reset();
  }

  async collect(): Promise<Sample[]> {
    if (this.#collect) await this.#collect(this);
    return (await this.#gauge.get()).values as Sample[];
  }
}
