/**
 * The exemplar sampler the registry asks on counter increments and timer records: the span current in the
 * OpenTelemetry context, if it is sampled (Spring Boot's PrometheusExemplarsAutoConfiguration reports only
 * sampled spans). OpenTelemetry API only; the composition root hands it to the registry when tracing is on.
 */
import type { SpanContext } from '@opentelemetry/api';
import { loadedOtelApi } from '../../core/otel-api.js';
import type { SpanIds } from '../../metrics/exemplars.js';

/** The ids of `span` if it is sampled; the SpanContext itself has the SpanIds shape, so nothing is allocated. */
export function sampledIds(spanContext: SpanContext | undefined): SpanIds | undefined {
  if (spanContext === undefined || (spanContext.traceFlags & 1) /* TraceFlags.SAMPLED */ === 0) return undefined;
  return spanContext;
}

/** The current sampled span's ids, or undefined. */
export function currentSampledSpan(): SpanIds | undefined {
  // Without a loaded API (nodemeter's tracing off, no OpenTelemetry of the application's) no span can be current.
  const api = loadedOtelApi();
  return api === undefined ? undefined : sampledIds(api.trace.getSpan(api.context.active())?.spanContext());
}
