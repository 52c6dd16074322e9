/**
 * The span context the W3C propagator reads from a canonical `traceparent` (w3c-propagator.ts). Its ids were
 * checked as they were parsed (lower-case hex of the right length, not all zero: what the API's
 * `isSpanContextValid` checks with two regular expressions), so the head sampler answers "valid" for it without
 * running them again (head-sampler.ts): one of the largest items of a consumed record's tracing in a profile
 * (docs/benchmarks.md, "Eleventh look").
 *
 * Its own fields are those of the plain object OpenTelemetry's propagator makes, in the same order; `traceState`
 * is set only when the record or request carried one, as there.
 */
import type { SpanContext, TraceState } from '@opentelemetry/api';

export class RemoteSpanContext implements SpanContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote: true;
  declare traceState?: TraceState;

  constructor(traceId: string, spanId: string, traceFlags: number) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.traceFlags = traceFlags;
    this.isRemote = true;
  }
}
