/**
 * How the workers of a node:cluster combine each family in the aggregate scrape, when the meter did not say
 * (`GaugeOptions.aggregation`, a timer's `_max`). prom-client's AggregatorRegistry applies the rule per family:
 *
 *   counters, timers (_count, _sum, buckets), summaries   sum     every worker's events, once
 *   *_max                                                  max     the slowest worker's decaying max
 *   gauges by default                                      sum     connections, memory, handles, queue sizes
 *   the rules below                                        first / max / min / average, by name
 *
 * The rules are for nodemeter's own gauges (binders, Kafka lag); a user's gauge states its own with `aggregation`.
 */
import type { ClusterAggregation, FamilyType } from '../family.js';

/** Text-format family name patterns and their rule; the first match wins. */
const RULES: readonly (readonly [RegExp, ClusterAggregation])[] = [
  // The same fact in every worker: the runtime, the machine, its disks.
  [/_info$/, 'first'],
  [/^system_/, 'first'],
  [/^disk_(free|total)_bytes$/, 'first'],
  [/^process_files_max_files$/, 'first'],
  // The service started with its first worker; it has been up as long as its oldest worker.
  [/^process_start_time_seconds$/, 'min'],
  [/^process_uptime_seconds$/, 'max'],
  [/^application_(started|ready)_time_seconds$/, 'max'],
  // Maxima and lag: the worst worker, never a sum.
  [/_max$/, 'max'],
  [/_lag(_|$)/, 'max'],
  [/^kafka_consumer_fetch_manager_records_lag/, 'max'],
  [/^nodejs_eventloop_lag/, 'max'],
  [/^jvm_gc_overhead$/, 'max'],
  [/^jvm_memory_usage_after_gc$/, 'max'],
  // A share of time: the mean over workers.
  [/^nodejs_eventloop_utilization$/, 'average'],
];

/** The rule for a family that did not state one. */
export function clusterAggregationOf(name: string, type: FamilyType): ClusterAggregation {
  if (type !== 'gauge') return name.endsWith('_max') ? 'max' : 'sum';
  for (const [pattern, rule] of RULES) if (pattern.test(name)) return rule;
  return 'sum';
}
