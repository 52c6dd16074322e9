/**
 * The tracing handler, as Micrometer Tracing's propagating handlers: every observation becomes an OpenTelemetry
 * span of its kind, named by its convention (`http get /orders/{id}`), tagged with both tag sets.
 *
 *   server/consumer: parent = the context extracted from the incoming headers (none: a new root trace)
 *   client/producer: parent = the active context; the propagation headers are injected into the outgoing call
 *
 * Tags, name and status are set when the observation stops, once the route, status and error are known.
 */
import type { EventEmitter } from 'node:events';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { createContextKey, type Context as SuppressionContext } from '@opentelemetry/api';

// @opentelemetry/core's suppressTracing() key, read through the API so the SDK is not loaded when tracing is off:
// createContextKey is Symbol.for(description), so this is the very key the SDK's exporters set.
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
function isTracingSuppressed(ctx: SuppressionContext): boolean {
  return ctx.getValue(SUPPRESS_TRACING_KEY) === true;
}
import type { ObservationContext, ObservationKind } from '../context.js';
import type { ObservationHandler } from '../handler.js';

const KINDS: Record<ObservationKind, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : 'error';
}

export class TracingObservationHandler implements ObservationHandler {
  readonly name = 'tracing';
  readonly #tracer: Tracer;
  readonly #values: string[] = [];

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  supportsContext(): boolean {
    return true;
  }

  /** Work done while sending spans (the exporter's own HTTP calls) must not be observed. */
  isSuppressed(): boolean {
    return isTracingSuppressed(context.active());
  }

  onStart(ctx: ObservationContext): void {
    const receiving = ctx.kind === 'server' || ctx.kind === 'consumer';
    let parent: Context;
    if (receiving) {
      parent = ctx.getter !== undefined ? propagation.extract(ROOT_CONTEXT, ctx.carrier, ctx.getter as TextMapGetter) : ROOT_CONTEXT;
    } else {
      parent = context.active();
    }
    const span = this.#tracer.startSpan(ctx.convention.contextualName(ctx), { kind: KINDS[ctx.kind] }, parent);
    const traceContext = trace.setSpan(parent, span);
    ctx.span = span;
    ctx.traceContext = traceContext;
    if (!receiving && ctx.setter !== undefined) {
      propagation.inject(traceContext, ctx.carrier, ctx.setter as TextMapSetter);
    }
  }

  onStop(ctx: ObservationContext): void {
    const span = ctx.span as Span | undefined;
    if (span === undefined) return;
    if (span.isRecording()) {
      const convention = ctx.convention;
      const values = this.#values;
      convention.lowCardinalityValues(ctx, values);
      const keys = convention.spanKeyNames ?? convention.lowCardinalityKeyNames;
      for (let i = 0; i < keys.length; i++) span.setAttribute(keys[i] as string, values[i] as string);
      span.setAttributes(convention.highCardinality(ctx));
      if (ctx.remoteServiceName !== undefined) span.setAttribute('peer.service', ctx.remoteServiceName);
      span.updateName(convention.contextualName(ctx));
      const failed = convention.isError ? convention.isError(ctx) : ctx.error !== undefined;
      if (failed) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: ctx.error !== undefined ? errorMessage(ctx.error) : (values[keys.indexOf('status')] ?? 'error'),
        });
      }
    }
    span.end();
  }

  inScope<T>(ctx: ObservationContext, fn: () => T): T {
    const traceContext = ctx.traceContext as Context | undefined;
    return traceContext === undefined ? fn() : context.with(traceContext, fn);
  }

  /** Listeners added to the emitter later run in this observation's context (request body events). */
  bindEmitter(ctx: ObservationContext, emitter: EventEmitter): void {
    const traceContext = ctx.traceContext as Context | undefined;
    if (traceContext !== undefined) context.bind(traceContext, emitter);
  }
}
