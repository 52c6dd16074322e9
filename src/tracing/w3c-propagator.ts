/**
 * W3C Trace Context propagation whose extraction reads a `traceparent` of the one shape every tracer writes
 * (`00-<32 hex>-<16 hex>-<2 hex>`, 55 characters) without a regular expression. OpenTelemetry's propagator runs a
 * regular expression with look-aheads and five captures on every received header: its match array and captures
 * were the largest allocation of extracting a consumed Kafka record's context (about 250 of 600 bytes), and the
 * parse takes 230 instead of 320 ns here (Node 24; docs/benchmarks.md, "Fifth look"). Every header of another
 * length (surrounding whitespace, a later version's extra fields) is left to OpenTelemetry's `parseTraceParent`, so
 * what is accepted is the same as with its propagator alone; `fields()` is its propagator's, and so is injection,
 * except for the not-sampled span contexts nodemeter's head sampler makes, whose ids are valid by construction:
 * their header is written directly (the same bytes; a produced record's wrapper at 10% sampling 1.53–1.67 → 1.45–1.47
 * µs, Node 24 and 26). `test/unit/tracing/w3c-propagator.test.ts` compares the two on generated and malformed headers
 * and on those contexts. A canonical header's span context is a RemoteSpanContext, whose ids this parse checked, so
 * the head sampler does not check them again with the API's `isSpanContextValid` (remote-span-context.ts). (Those
 * two regular expressions stay wherever ids come from anywhere else: a character loop in their place measured slower
 * on ids used again and again, 159–222 against 70–87 ns for a pair on Node 22 and 24, and the same on fresh ones.)
 */
import type { Context, SpanContext, TextMapGetter, TextMapPropagator, TextMapSetter, TraceAPI } from '@opentelemetry/api';
import type * as Core from '@opentelemetry/core';
import { lazyTraceparent } from './head-sampler.js';
import { hexBits, hexDigit, NOT_HEX } from './hex.js';
import { RemoteSpanContext } from './remote-span-context.js';

const CANONICAL_LENGTH = 55;
const DASH = 45;

/** Lower-case hex from `from` to `to`, not every digit zero. */
function nonZeroHex(value: string, from: number, to: number): boolean {
  const all = hexBits(value, from, to);
  return (all & NOT_HEX) === 0 && all !== 0;
}

/**
 * A 55-character `traceparent`: its remote span context, or null when it is malformed. At this length
 * OpenTelemetry's expression leaves no room for whitespace or extra fields, so the checks below are the whole of it:
 * version two hex digits and not `ff`, trace id 32 and parent id 16 hex digits and not all zero, flags two hex
 * digits, dashes between.
 */
export function parseCanonicalTraceParent(value: string): RemoteSpanContext | null {
  if (value.charCodeAt(2) !== DASH || value.charCodeAt(35) !== DASH || value.charCodeAt(52) !== DASH) return null;
  const v0 = hexDigit(value.charCodeAt(0));
  const v1 = hexDigit(value.charCodeAt(1));
  if (((v0 | v1) & NOT_HEX) !== 0 || (v0 === 15 && v1 === 15)) return null;
  if (!nonZeroHex(value, 3, 35) || !nonZeroHex(value, 36, 52)) return null;
  const f0 = hexDigit(value.charCodeAt(53));
  const f1 = hexDigit(value.charCodeAt(54));
  if (((f0 | f1) & NOT_HEX) !== 0) return null;
  return new RemoteSpanContext(value.slice(3, 35), value.slice(36, 52), f0 * 16 + f1);
}

/** OpenTelemetry's W3C propagator with the 55-character `traceparent` parsed as above. */
export class W3CPropagator implements TextMapPropagator {
  readonly #otel: TextMapPropagator;
  readonly #core: typeof Core;
  readonly #trace: TraceAPI;

  constructor(core: typeof Core, trace: TraceAPI) {
    this.#otel = new core.W3CTraceContextPropagator();
    this.#core = core;
    this.#trace = trace;
  }

  /**
   * A not-sampled span context of nodemeter's own (most outgoing calls and produced records at Spring's 10%): the
   * header written directly, the same bytes as OpenTelemetry's `inject` writes, without its id checks (two regular
   * expressions) and formatting; anything else, and a context that suppresses tracing, goes to OpenTelemetry's.
   */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    // Suppression first: no header is built for a context that writes none.
    const spanContext = this.#core.isTracingSuppressed(context) ? undefined : this.#trace.getSpanContext(context);
    const traceparent = spanContext === undefined ? undefined : lazyTraceparent(spanContext);
    if (traceparent === undefined) {
      this.#otel.inject(context, carrier, setter);
      return;
    }
    setter.set(carrier, 'traceparent', traceparent);
    const traceState = (spanContext as SpanContext).traceState;
    if (traceState) setter.set(carrier, 'tracestate', traceState.serialize());
  }

  /** As OpenTelemetry's `W3CTraceContextPropagator.extract`, step for step; only the 55-character parse differs. */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = getter.get(carrier, 'traceparent');
    if (!header) return context;
    const traceParent: unknown = Array.isArray(header) ? header[0] : header;
    if (typeof traceParent !== 'string') return context;
    const parsed =
      traceParent.length === CANONICAL_LENGTH
        ? parseCanonicalTraceParent(traceParent)
        : this.#core.parseTraceParent(traceParent);
    if (!parsed) return context;
    const spanContext: SpanContext = parsed;
    if (!(parsed instanceof RemoteSpanContext)) spanContext.isRemote = true;
    const traceStateHeader = getter.get(carrier, 'tracestate');
    if (traceStateHeader) {
      // More than one `tracestate` header: merged into one, as OpenTelemetry does.
      const state: unknown = Array.isArray(traceStateHeader) ? traceStateHeader.join(',') : traceStateHeader;
      spanContext.traceState = new this.#core.TraceState(typeof state === 'string' ? state : undefined);
    }
    return this.#trace.setSpanContext(context, spanContext);
  }

  fields(): string[] {
    return this.#otel.fields();
  }
}
