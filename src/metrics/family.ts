/**
 * A metric family as prom-client's Registry formats it. Meters hand families to the MeterRegistry, which shows
 * each one to two prom-client registries (text 0.0.4 and OpenMetrics 1.0) through small views; prom-client writes
 * the exposition, nodemeter never formats it by hand.
 */

/** Label values of one series. @since 0.1.0 */
export type Labels = Record<string, string | number>;

/** One sample line of a family. */
export interface Sample {
  value: number;
  labels: Labels;
  /** Set when the sample name differs from the family name (`_count`, `_sum`, `_bucket`). */
  metricName?: string;
  exemplar?: { labelSet: Labels; value: number; timestamp: number };
}

/**
 * The Prometheus metric types nodemeter emits. `gaugehistogram` exists in OpenMetrics only (a long task timer with
 * buckets); the text format shows the same data as a histogram plus `_gcount`/`_gsum` gauges, as Prometheus' Java
 * client writes it.
 */
export type FamilyType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'gaugehistogram';

/**
 * How the series of one family combine across the workers of a node:cluster (prom-client's aggregator names):
 * `sum` (counts, totals, connections), `max` (decaying maxima, lag), `min` (start times), `first` (facts that
 * are the same in every worker: runtime info, machine CPUs, disk), `average` (ratios such as utilisation),
 * `omit` (not shown in the aggregate).
 * @since 0.3.0
 */
export type ClusterAggregation = 'sum' | 'max' | 'min' | 'first' | 'average' | 'omit';

/** A source of one metric family. `name` is the text-format family name (counters end in `_total`). */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  /** Set when the family belongs to one exposition format only (the two shapes of a gauge histogram). */
  readonly format?: 'text' | 'openmetrics';
  /** How workers of a cluster combine; unset: the registry's default for the name and type. */
  readonly aggregation?: ClusterAggregation;
  /** An info gauge (`jvm_info`): OpenMetrics type `info`, family named without `_info`. */
  readonly info?: boolean;
  collect(): Sample[] | Promise<Sample[]>;
}
