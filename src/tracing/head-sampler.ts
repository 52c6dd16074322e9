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

/** What the tracing handler asks (it declares the same shape on its side: the areas do not import each other). */
export interface HeadSampler {
  /** The new trace's id when it is NOT sampled; undefined when it is (the provider's next root span gets the id). */
  unsampledRoot(): string | undefined;
  /** A new random span id. */
  spanId(): string;
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

/** The head sampler plus the id generator the provider must use so that handed-over trace ids are honoured. */
export interface HeadSampling extends HeadSampler {
  readonly idGenerator: { generateTraceId(): string; generateSpanId(): string };
}

export function createHeadSampling(probability: number, fallback: { generateTraceId(): string; generateSpanId(): string }): HeadSampling {
  const ratio = typeof probability !== 'number' || Number.isNaN(probability) ? 0 : Math.min(1, Math.max(0, probability));
  const upperBound = ratio === 1 ? 0x100000000 : Math.floor(ratio * 0xffffffff);
  let handedOver: string | undefined;
  return {
    unsampledRoot(): string | undefined {
      let a = word();
      const b = word();
      const c = word();
      let d = word();
      if ((a | b | c | d) === 0) d = 1; // an all-zero id is invalid (as the SDK's generator)
      const id = hex128(a, b, c, d);
      a = (a ^ b ^ c ^ d) >>> 0;
      if (a < upperBound) {
        handedOver = id;
        return undefined;
      }
      return id;
    },
    spanId(): string {
      let b = word();
      const a = word();
      if ((a | b) === 0) b = 1;
      return hex64(a, b);
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
