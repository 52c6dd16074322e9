/**
 * Exemplars, as Micrometer's PrometheusMeterRegistry writes them with a tracer present: the trace and span ids of a
 * SAMPLED span ride on counters' `_total`, on histogram buckets and on the `_count` of timers without buckets, in
 * OpenMetrics only (`… 1.0 # {span_id="…",trace_id="…"} 0.042 1732980000.123`). Grafana's "exemplar → trace" link
 * reads `trace_id`.
 *
 *   meter handler ──(the observation's span ids)──► timer child ──► latest exemplar per series / bucket
 *   counter.inc() ──► ExemplarSampler() (current span, only if sampled) ──► prom-client's exemplar of the series
 *
 * The metrics layer knows no tracer: whoever wires the registry hands it an ExemplarSampler (the composition root
 * gives one reading the OpenTelemetry API when tracing is on). Without a sampler there is no exemplar work at all.
 */
import type { Labels } from './family.js';

/** The ids of a sampled span (an OpenTelemetry SpanContext has this shape). @since 0.3.0 */
export interface SpanIds {
  readonly traceId: string;
  readonly spanId: string;
}

/**
 * The sampled span current now, or undefined (no span, or not sampled). Called on every counter increment and
 * every timer record without explicit ids, so it must not allocate when there is nothing to return.
 * @since 0.3.0
 */
export type ExemplarSampler = () => SpanIds | undefined;

/** Exemplar label set in Micrometer's order (the Java client writes `span_id` first). */
export function exemplarLabels(ids: SpanIds): Labels {
  return { span_id: ids.spanId, trace_id: ids.traceId };
}

/** OpenMetrics exemplar timestamps are seconds (with milliseconds), as the Java client writes them. */
export function exemplarTimestamp(nowMs: number = Date.now()): number {
  return nowMs / 1000;
}
