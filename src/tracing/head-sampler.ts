/**
 * The sampling decision for a new trace, taken by the tracing handler BEFORE it asks the SDK for a span, so an
 * unsampled observation (nine in ten at Spring's default 0.1) never builds an SDK span, its attributes or its name.
 *
 * The answer is the SDK's: `TraceIdRatioBasedSampler` XORs the four 32-bit words of the trace id and samples when
 * the result is below `floor(ratio × 0xffffffff)`. Here the id is drawn as those four words, so the decision needs
 * no parsing, and the provider's root sampler (kept, for spans started on nodemeter's tracer by other code) gives
 * the same answer for the same id. When the decision is "sampled", the handler hands the id to the provider's id
 * generator (`useTraceId`), so the SDK span carries exactly the id that was decided on.
 */

import type { SpanContext } from '@opentelemetry/api';
import { RemoteSpanContext } from './remote-span-context.js';

/** The span context of a span that is not sampled (OpenTelemetry's `SpanContext` shape). */
export interface UnsampledSpanContext<S = never> {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState?: S;
}

/** What the tracing handler asks (it declares the same shape on its side: the areas do not import each other). */
export interface HeadSampler {
  /**
   * Draws a new trace id and decides on it: the not-sampled span context when the trace is NOT sampled; undefined
   * when it is (the provider's next root span gets the id).
   */
  unsampledRoot(): UnsampledSpanContext | undefined;
  /** The not-sampled span context of a child of a not-sampled parent: its trace id and state, a new span id. */
  unsampledChild<S>(traceId: string, traceState: S | undefined): UnsampledSpanContext<S>;
  /**
   * The API's `isSpanContextValid`, without its regular expressions for the span contexts whose ids were made or
   * checked here: this module's not-sampled ones and those the W3C propagator parsed (remote-span-context.ts).
   */
  isValid(spanContext: SpanContext): boolean;
}

/**
 * The ids are written into one scratch buffer and read out as hex in a single string: concatenating two-digit
 * pieces made about fifteen intermediate strings per id (some 370 bytes an unsampled request) and took twice as
 * long (170 vs 90 ns for a trace id, Math.random included, Node 24). The scratch is safe to share: ids are built
 * synchronously.
 */
const scratch = Buffer.allocUnsafe(16);
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, 16);

/** Lowercase hex of 32-bit words, most significant first (big-endian, as the SDK's sampler reads them). */
function hex128(a: number, b: number, c: number, d: number): string {
  scratchView.setUint32(0, a);
  scratchView.setUint32(4, b);
  scratchView.setUint32(8, c);
  scratchView.setUint32(12, d);
  return scratch.toString('hex', 0, 16);
}

function hex64(a: number, b: number): string {
  scratchView.setUint32(0, a);
  scratchView.setUint32(4, b);
  return scratch.toString('hex', 0, 8);
}

const word = (): number => (Math.random() * 0x100000000) >>> 0;

/**
 * A not-sampled span's context whose ids are drawn as numbers and written as hex only when something reads them:
 * a request that is not sampled and calls nothing downstream, logs nothing and sends no exemplar never formats
 * its ids (two hex strings, about 1 µs a request in a profile of the Express benchmark at 10% sampling, Node 24).
 * What reads them (propagators, log correlation, `isSpanContextValid`) gets the same strings every time.
 */
class LazySpanContext<S> implements UnsampledSpanContext<S> {
  readonly traceFlags = 0; // TraceFlags.NONE
  readonly traceState: S | undefined;
  #traceId: string | undefined;
  readonly #t0: number;
  readonly #t1: number;
  readonly #t2: number;
  readonly #t3: number;
  #spanId: string | undefined = undefined;
  readonly #s0: number;
  readonly #s1: number;

  constructor(traceId: string | undefined, t0: number, t1: number, t2: number, t3: number, traceState: S | undefined) {
    this.#traceId = traceId;
    this.#t0 = t0;
    this.#t1 = t1;
    this.#t2 = t2;
    this.#t3 = t3;
    this.traceState = traceState;
    let s1 = word();
    const s0 = word();
    if ((s0 | s1) === 0) s1 = 1; // an all-zero id is invalid
    this.#s0 = s0;
    this.#s1 = s1;
  }

  get traceId(): string {
    return (this.#traceId ??= hex128(this.#t0, this.#t1, this.#t2, this.#t3));
  }

  get spanId(): string {
    return (this.#spanId ??= hex64(this.#s0, this.#s1));
  }

  /** The W3C `traceparent` of this context: version 00, flags 00 (not sampled). */
  traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-00`;
  }

  /**
   * JSON and `console.log` / `util.inspect` show the ids, as for the plain object the SDK makes. A spread does not
   * (it copies own fields, and the ids are getters): nothing in nodemeter, the OpenTelemetry API and SDK, the
   * exporters or the propagators spreads a span context, and `nm.currentTraceContext()` gives applications a plain
   * object.
   */
  toJSON(): { traceId: string; spanId: string; traceFlags: number; traceState: S | undefined } {
    return { traceId: this.traceId, spanId: this.spanId, traceFlags: this.traceFlags, traceState: this.traceState };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }
}

/**
 * The `traceparent` of a not-sampled span context this module made, or undefined for any other span context. Its ids
 * are valid by construction (drawn non-zero, or a child's trace id taken from a parent the tracing handler checked),
 * so the W3C propagator writes it without OpenTelemetry's checks and formatting.
 */
export function lazyTraceparent(spanContext: object): string | undefined {
  return spanContext instanceof LazySpanContext ? spanContext.traceparent() : undefined;
}

/** The head sampler plus the id generator the provider must use so that handed-over trace ids are honoured. */
export interface HeadSampling extends HeadSampler {
  readonly idGenerator: { generateTraceId(): string; generateSpanId(): string };
}

/**
 * `isSpanContextValid`: the API's, for every span context this side did not make or check (the provider passes
 * `trace.isSpanContextValid`).
 */
export function createHeadSampling(
  probability: number,
  fallback: { generateTraceId(): string; generateSpanId(): string },
  isSpanContextValid: (spanContext: SpanContext) => boolean,
): HeadSampling {
  const ratio = typeof probability !== 'number' || Number.isNaN(probability) ? 0 : Math.min(1, Math.max(0, probability));
  const upperBound = ratio === 1 ? 0x100000000 : Math.floor(ratio * 0xffffffff);
  let handedOver: string | undefined;
  return {
    unsampledRoot(): UnsampledSpanContext | undefined {
      const a = word();
      const b = word();
      const c = word();
      let d = word();
      if ((a | b | c | d) === 0) d = 1; // an all-zero id is invalid (as the SDK's generator)
      if ((a ^ b ^ c ^ d) >>> 0 < upperBound) {
        handedOver = hex128(a, b, c, d);
        return undefined;
      }
      return new LazySpanContext<never>(undefined, a, b, c, d, undefined);
    },
    unsampledChild<S>(traceId: string, traceState: S | undefined): UnsampledSpanContext<S> {
      return new LazySpanContext<S>(traceId, 0, 0, 0, 0, traceState);
    },
    isValid(spanContext: SpanContext): boolean {
      return spanContext instanceof RemoteSpanContext || spanContext instanceof LazySpanContext || isSpanContextValid(spanContext);
    },
    idGenerator: {
      generateTraceId(): string {
        const id = handedOver;
        if (id === undefined) return fallback.generateTraceId();
        handedOver = undefined;
        return id;
      },
      generateSpanId: () => fallback.generateSpanId(),
    },
  };
}
