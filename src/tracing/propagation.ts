/**
 * Propagation as Spring Boot configures it: what is produced (injected) and what is consumed (extracted) are chosen
 * separately. Defaults: produce W3C (`traceparent`/`tracestate`), consume W3C, B3 single (`b3`) and B3 multi
 * (`X-B3-*`), so a Node service joins both OpenTelemetry and Brave fleets. The first consumed format that yields a
 * valid span context wins; a malformed header yields nothing and the observation starts a new root trace.
 *
 * Ids must be lower-case hex, as Brave requires and Zipkin's API enforces: OpenTelemetry's B3 propagator accepts
 * `X-B3-TraceId: 88A0760D…` and would export it as is, and Zipkin then rejects the whole batch with 400 ("should
 * be lower-hex encoded"), losing every other span in it. Such a context is rejected here, for every transport (HTTP
 * and Kafka extraction both come through this propagator), and the observation starts a new root.
 */
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { otelApi } from '../core/otel-api.js';
import { hexBits, NOT_HEX } from './hex.js';
import { loadOtelSdk } from './sdk.js';
import { W3CPropagator } from './w3c-propagator.js';

/** Propagation formats, as Spring's `management.tracing.propagation.*` values. @since 0.1.0 */
export type PropagationType = 'w3c' | 'b3' | 'b3multi';

export const PROPAGATION_TYPES: readonly PropagationType[] = ['w3c', 'b3', 'b3multi'];

// The propagators come from the SDK, loaded here and not at import: this module's types and names are read by the
// option parsing of every start, with tracing on or off.
function propagatorOf(type: PropagationType): TextMapPropagator {
  const { core, propagatorB3 } = loadOtelSdk();
  switch (type) {
    case 'w3c':
      return new W3CPropagator(core, otelApi().trace);
    case 'b3':
      return new propagatorB3.B3Propagator({ injectEncoding: propagatorB3.B3InjectEncoding.SINGLE_HEADER });
    case 'b3multi':
      return new propagatorB3.B3Propagator({ injectEncoding: propagatorB3.B3InjectEncoding.MULTI_HEADER });
  }
}

/** @since 0.1.0 */
export class ProduceConsumePropagator implements TextMapPropagator {
  readonly #produce: TextMapPropagator[];
  readonly #consume: TextMapPropagator[];
  readonly #fields: string[];
  readonly #b3Index: number;
  readonly #w3cIndex: number;
  /** Headers without which no consumed format yields anything: none of them present, nothing to extract. */
  readonly #required: string[];

  constructor(produce: readonly PropagationType[], consume: readonly PropagationType[]) {
    this.#produce = produce.map(propagatorOf);
    // B3 extraction reads both the single and the multi header, so one B3 propagator consumes both.
    const consumeTypes = [...new Set(consume.map((t) => (t === 'b3multi' ? 'b3' : t)))];
    this.#consume = consumeTypes.map(propagatorOf);
    this.#b3Index = consumeTypes.indexOf('b3');
    this.#w3cIndex = consumeTypes.indexOf('w3c');
    // W3C reads nothing without `traceparent`; B3 nothing without `b3` (single) or `x-b3-traceid` (multi).
    this.#required = consumeTypes.flatMap((t) => (t === 'w3c' ? ['traceparent'] : ['b3', 'x-b3-traceid']));
    this.#fields = [...new Set(this.#produce.flatMap((p) => p.fields()))];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (const p of this.#produce) p.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    // Most requests arrive without trace headers: a few lookups, instead of every propagator's parsing.
    const required = this.#required;
    let present = false;
    // A getter that can tell presence without decoding (Kafka's Buffer values) is asked that instead, so the
    // propagator that follows decodes the header once.
    const has = (getter as { has?: (carrier: unknown, key: string) => boolean }).has;
    for (let i = 0; i < required.length && !present; i++) {
      const key = required[i] as string;
      present = has !== undefined ? has.call(getter, carrier, key) : getter.get(carrier, key) !== undefined;
    }
    if (!present) return context;
    for (let i = 0; i < this.#consume.length; i++) {
      const extracted = this.#consume[i]!.extract(context, carrier, getter);
      if (extracted === context) continue;
      // W3C's grammar is lower-case hex already; B3's parser takes upper case too.
      if (i !== this.#w3cIndex) {
        const span = otelApi().trace.getSpanContext(extracted);
        if (span === undefined || !isLowerHex(span.traceId) || !isLowerHex(span.spanId)) continue;
      }
      if (i === this.#b3Index && !b3SingleWellFormed(getter.get(carrier, 'b3'))) continue;
      return extracted;
    }
    return context;
  }

  fields(): string[] {
    return this.#fields;
  }
}

// Brave's B3 single grammar: traceId(16|32)-spanId(16)[-sampling[-parentSpanId(16)]]. OpenTelemetry's parser is
// not anchored and reads `…-<17 hex>-1` as a span id and no sampling decision.
const B3_SINGLE = /^(?:[0-9a-f]{16}){1,2}-[0-9a-f]{16}(?:-[01d](?:-[0-9a-f]{16})?)?$/;

/** No `b3` header (the multi headers were read), or one that is well formed. */
function b3SingleWellFormed(value: string | string[] | undefined): boolean {
  if (value === undefined) return true;
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || B3_SINGLE.test(v.trim());
}

/** True when every character is 0-9 or a-f (length and all-zero are checked by the propagators themselves). */
function isLowerHex(id: string): boolean {
  return id.length > 0 && (hexBits(id, 0, id.length) & NOT_HEX) === 0;
}
