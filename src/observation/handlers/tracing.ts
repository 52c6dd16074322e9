/**
 * The tracing handler, as Micrometer Tracing's propagating handlers: every observation becomes an OpenTelemetry
 * span of its kind, named by its convention (`http get /orders/{id}`), tagged with both tag sets. It speaks the
 * OpenTelemetry API only; the SDK (provider, exporter) is set up elsewhere, and only when tracing is on.
 *
 *   ReceiverContext (server, consumer): parent = the context extracted from its carrier (none: a new root trace)
 *   others (client, producer, internal): parent = the active context; a SenderContext's carrier gets the
 *                                        propagation headers
 *
 * Tags, name and status are set when the observation stops, once the route, status and error are known. The
 * span, its context and its parent are kept in the observation context under this handler's own keys.
 *
 * With nodemeter's own provider, sampling is decided here before the SDK is asked for a span (parent-based: a
 * parent's flag is followed; a new trace is sampled by the same trace-id ratio as the SDK's sampler). An unsampled
 * observation gets only what propagation needs: a non-recording span (`trace.wrapSpanContext`) with the trace id,
 * a new span id and the not-sampled flag, so downstream services agree. No SDK span, name, attributes or export.
 */
import type { EventEmitter } from 'node:events';
import type {
  Context,
  ContextAPI,
  PropagationAPI,
  Span,
  SpanContext,
  SpanKind,
  SpanStatusCode,
  TextMapGetter,
  TextMapSetter,
  TraceAPI,
  Tracer,
  TraceState,
} from '@opentelemetry/api';
import { otelApi } from '../../core/otel-api.js';
import { contextState, getSlot, handlerKey, putSlot, ReceiverContext, SenderContext, type ObservationContext, type ObservationKind } from '../context.js';
import type { NodeCallback, ObservationHandler } from '../handler.js';
import { contextWithSpan, EMPTY_CONTEXT, releaseEndedSpan } from './span-context.js';

// The API is loaded when the first handler is made (tracing on), not when this module is: see src/core/otel-api.ts.
let context: ContextAPI;
let propagation: PropagationAPI;
let trace: TraceAPI;
let ROOT_CONTEXT: Context;

// @opentelemetry/core's suppressTracing() key: createContextKey(description) is Symbol.for(description), so this is
// the very key the SDK's exporters set, without loading the SDK (or the API) when tracing is off.
const SUPPRESS_TRACING_KEY = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

// The API's enum values (stable in its major version 1), so that reading them needs no loaded API.
const SAMPLED = 1; // TraceFlags.SAMPLED
const STATUS_ERROR = 2 as SpanStatusCode; // SpanStatusCode.ERROR

/** This handler's state in a context: its span, the context to run work in (span active), the parent context. */
const kSpan = handlerKey<Span>('tracing.span');
const kTraceContext = handlerKey<Context>('tracing.context');
const kParent = handlerKey<Context>('tracing.parent');

/**
 * The span of an observation while it stops, for the meter handler's exemplars (Micrometer's
 * TracingAwareMeterObservationHandler reads the same span). Read-only: the span stays this handler's.
 * @internal
 */
export function observationSpan(ctx: ObservationContext): Span | undefined {
  return ctx.get(kSpan);
}

const KINDS: Record<ObservationKind, SpanKind> = {
  server: 1 as SpanKind, // SpanKind.SERVER
  client: 2 as SpanKind, // SpanKind.CLIENT
  producer: 3 as SpanKind, // SpanKind.PRODUCER
  consumer: 4 as SpanKind, // SpanKind.CONSUMER
  internal: 0 as SpanKind, // SpanKind.INTERNAL
};

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : 'error';
}

/**
 * Makes a context current for the rest of the synchronous execution (the context manager's AsyncLocalStorage
 * `enterWith`). The OpenTelemetry API has no such call, so the provider that owns the context manager gives it.
 */
export type EnterContext = (context: Context) => void;

/**
 * Head sampling for new traces, from the provider that owns the SDK's sampler and id generator (see
 * src/tracing/head-sampler.ts). Absent with an application's own provider: then the SDK decides for every span.
 */
export interface HeadSampler {
  /**
   * Draws a new trace id and decides on it: the span context (not-sampled flag, a new span id) when the trace is
   * NOT sampled; undefined when it is, and the provider's next root span is given that id (the SDK's sampler then
   * says "sampled" for it too). Its ids may be written out only when read.
   */
  unsampledRoot(): SpanContext | undefined;
  /** The not-sampled span context of a child of a not-sampled parent: its trace id and state, a new span id. */
  unsampledChild(traceId: string, traceState: TraceState | undefined): SpanContext;
  /** `trace.isSpanContextValid`, answered without its regular expressions where the ids were checked already. */
  isValid(spanContext: SpanContext): boolean;
}

export class TracingObservationHandler implements ObservationHandler {
  readonly name = 'tracing';
  readonly #tracer: Tracer;
  readonly #enter: EnterContext | undefined;
  readonly #sampler: HeadSampler | undefined;

  /**
   * Without `enter` (an application's own context manager), enterScope and clearScope do nothing. Without
   * `sampler` (an application's own provider), every span is asked of the SDK, which decides.
   */
  constructor(tracer: Tracer, enter?: EnterContext, sampler?: HeadSampler) {
    this.#tracer = tracer;
    this.#enter = enter;
    this.#sampler = sampler;
    if (context === undefined) {
      const api = otelApi();
      context = api.context;
      propagation = api.propagation;
      trace = api.trace;
      ROOT_CONTEXT = api.ROOT_CONTEXT;
    }
  }

  /** Conventions may opt out of spans (`spans: false`: meters only). */
  supportsContext(ctx: ObservationContext): boolean {
    return ctx.convention.spans !== false;
  }

  /** Work done while sending spans (the exporter's own HTTP calls) must not be observed. */
  isSuppressed(): boolean {
    return context.active().getValue(SUPPRESS_TRACING_KEY) === true;
  }

  /** A sampled span is active: a child started now is recorded. */
  hasCurrentObservation(): boolean {
    const span = trace.getSpan(context.active());
    return span !== undefined && span.isRecording();
  }

  bindToCurrent<F extends NodeCallback>(fn: F): F {
    return context.bind(context.active(), fn);
  }

  onStart(ctx: ObservationContext): void {
    let parent: Context;
    if (ctx instanceof ReceiverContext) {
      // A record without headers has no parent to read: skip the propagators (one per consumed format).
      const carrier: unknown = ctx.carrier;
      parent =
        carrier === undefined || carrier === null ? EMPTY_CONTEXT : propagation.extract(EMPTY_CONTEXT, carrier, ctx.getter as TextMapGetter);
    } else {
      parent = context.active();
    }
    const span = this.#unsampled(parent) ?? this.#tracer.startSpan(ctx.convention.contextualName(ctx), { kind: KINDS[ctx.kind] }, parent);
    const traceContext = contextWithSpan(parent, span);
    const state = contextState(ctx);
    putSlot(state, kSpan, span);
    putSlot(state, kTraceContext, traceContext);
    putSlot(state, kParent, parent);
    if (ctx instanceof SenderContext) {
      propagation.inject(traceContext, ctx.carrier, ctx.setter as TextMapSetter);
    }
  }

  /**
   * The non-recording span of an observation that is not sampled, or undefined when the SDK must be asked (sampled,
   * no head sampler, or tracing suppressed: the SDK answers that with its invalid span). Mirrors the SDK's
   * `Tracer.startSpan` for a NOT_RECORD decision: parent's trace id and trace state, a new span id, flags NONE.
   */
  #unsampled(parent: Context): Span | undefined {
    const sampler = this.#sampler;
    if (sampler === undefined || parent.getValue(SUPPRESS_TRACING_KEY) === true) return undefined;
    const parentSpan = trace.getSpan(parent);
    const parentContext = parentSpan === undefined ? undefined : parentSpan.spanContext();
    if (parentContext !== undefined) {
      // A sampled parent: the SDK checks it (as it checks every parent) and decides; not checked twice.
      if ((parentContext.traceFlags & SAMPLED) !== 0) return undefined;
      if (sampler.isValid(parentContext)) {
        return trace.wrapSpanContext(sampler.unsampledChild(parentContext.traceId, parentContext.traceState));
      }
    }
    const root = sampler.unsampledRoot();
    return root === undefined ? undefined : trace.wrapSpanContext(root);
  }

  onStop(ctx: ObservationContext, values: readonly string[]): void {
    const state = contextState(ctx);
    const span = getSlot(state, kSpan);
    if (span === undefined) return;
    if (span.isRecording()) {
      const convention = ctx.convention;
      const keys = convention.spanKeyNames ?? convention.lowCardinalityKeyNames;
      for (let i = 0; i < keys.length; i++) span.setAttribute(keys[i] as string, values[i] as string);
      span.setAttributes(convention.highCardinality(ctx));
      if (state.remoteServiceName !== undefined) span.setAttribute('peer.service', state.remoteServiceName);
      span.updateName(convention.contextualName(ctx));
      const error = state.error;
      const failed = convention.isError ? convention.isError(ctx) : error !== undefined;
      if (failed) {
        span.setStatus({
          code: STATUS_ERROR,
          message: error !== undefined ? errorMessage(error) : (values[keys.indexOf('status')] ?? 'error'),
        });
      }
      span.end();
      // The request's context outlives the request (see releaseEndedSpan): it keeps the ids, not the ended span.
      releaseEndedSpan(getSlot(state, kTraceContext), span, trace.wrapSpanContext(span.spanContext()));
      return;
    }
    span.end();
  }

  /**
   * Already current (a request's scope entered by the server observer, which the framework integrations enter
   * again around their hooks): `fn` runs as it is, without a second context switch around it.
   */
  inScope<A, T>(ctx: ObservationContext, fn: (arg: A) => T, arg: A): T {
    const traceContext = ctx.get(kTraceContext);
    return traceContext === undefined || context.active() === traceContext ? fn(arg) : context.with(traceContext, fn, undefined, arg);
  }

  enterScope(ctx: ObservationContext): void {
    const traceContext = ctx.get(kTraceContext);
    if (traceContext !== undefined && this.#enter !== undefined) this.#enter(traceContext);
  }

  /** Only when a span is current: most unobserved requests have nothing to clear and pay one lookup. */
  clearScope(): void {
    if (this.#enter !== undefined && trace.getSpan(context.active()) !== undefined) this.#enter(ROOT_CONTEXT);
  }

  /** Driver callbacks run in the context their query was issued from, not in the socket's. */
  inParentScope(ctx: ObservationContext, fn: NodeCallback, thisArg: unknown, err: unknown, a: unknown, b: unknown): unknown {
    const parent = ctx.get(kParent);
    return parent === undefined ? fn.call(thisArg, err, a, b) : context.with(parent, fn, thisArg, err, a, b);
  }

  /** Listeners added to the emitter later run in this observation's context (request body events). */
  bindEmitter(ctx: ObservationContext, emitter: EventEmitter): void {
    const traceContext = ctx.get(kTraceContext);
    if (traceContext !== undefined) context.bind(traceContext, emitter);
  }
}
