/**
 * The current span, as Spring's `Tracer.currentSpan()` / `currentTraceContext().context()`: for log correlation,
 * for a trace id in an error response, for tags on the request's span. Read from the OpenTelemetry context that
 * nodemeter's observations make current (AsyncLocalStorage), through the `@opentelemetry/api` nodemeter itself
 * resolves, so an application needs no import of its own (and cannot end up with a second copy whose context is
 * empty). The returned types are nodemeter's structural ones; the published types name no OpenTelemetry type.
 */
import { loadedOtelApi } from '../core/otel-api.js';
import type { NodemeterSpan } from './tracer-types.js';

/** The identity of the current span. @since 0.2.0 */
export interface CurrentTraceContext {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** Whether the span is sampled (exported to Zipkin). */
  readonly sampled: boolean;
}

/**
 * The ids of the span current here (a request's server span, a Kafka listener's span, or a span of your own),
 * or undefined outside any span and when tracing is off.
 *
 * ```ts
 * import { currentTraceContext } from 'nodemeter';
 * res.status(500).json({ error: 'failed', traceId: currentTraceContext()?.traceId });
 * ```
 * @since 0.2.0
 */
export function currentTraceContext(): CurrentTraceContext | undefined {
  // No API loaded (tracing off, no OpenTelemetry of the application's): no span can be current.
  const api = loadedOtelApi();
  const sc = api?.trace.getSpan(api.context.active())?.spanContext();
  if (sc === undefined || !api?.isSpanContextValid(sc)) return undefined;
  return { traceId: sc.traceId, spanId: sc.spanId, sampled: (sc.traceFlags & 1) /* TraceFlags.SAMPLED */ !== 0 };
}

/**
 * The span current here, to add tags or events to it (`currentSpan()?.setAttribute('order.id', id)`), or
 * undefined outside any span and when tracing is off. Do not end it: its observation does.
 * @since 0.2.0
 */
export function currentSpan(): NodemeterSpan | undefined {
  const api = loadedOtelApi();
  const span = api?.trace.getSpan(api.context.active());
  if (span === undefined || !api?.isSpanContextValid(span.spanContext())) return undefined;
  return span as unknown as NodemeterSpan;
}
