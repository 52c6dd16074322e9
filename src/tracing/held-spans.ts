/**
 * Sampled spans kept outside V8's heap while they wait in the batch for export.
 *
 * A sampled span waits in the batch processor for tens of milliseconds, long enough to survive a scavenge or two,
 * and V8 grows the young generation after the bytes that survive its scavenges, never shrinking it while the
 * process stays busy (docs/benchmarks.md, "Sixth look"). Even in its compact form (ended-span.ts, 419 bytes) the
 * spans waiting for export were what put a traced server one size of young generation above one that samples
 * nothing: 16 MiB of RSS at Spring's default sampling. So a sampled span is written, when it ends, into a buffer
 * allocated outside the heap, and the batch holds a small handle to it; the exporter wrapper reads the spans back
 * into EndedSpans just before OpenTelemetry's exporter translates and sends them, and they die young there.
 *
 *   span ends ──► hold(): fields written into a pooled 64 KiB buffer ──► HeldSpan handle (resource, scope, where)
 *        └─ batch processor queues handles ──► exporter(): read back into EndedSpans ──► Zipkin / OTLP exporter
 *
 * Written: name, kind, both span contexts (ids, flags, isRemote), the six time parts, status, the dropped counts and
 * attributes whose values are strings, numbers or booleans. Attribute keys, span names and the values of keys that
 * take few values (a method, a route, a status, a topic) are interned in a table, so reading them back allocates
 * nothing; a key past 64 distinct values (a URL, a statement) has its further values written in full, and the
 * table holds at most 4,096 strings of at most 256 characters. A span this form cannot hold (a `tracestate`,
 * links, events, array attributes, or more than a buffer) waits as an EndedSpan, as before.
 *
 * Buffers: a buffer counts the spans it holds; once all were read back it is reused from its start. A span the
 * batch processor drops (queue full) gives its bytes back at once (dropLast()). A handle never read back otherwise
 * (spans ended after shutdown) keeps its buffer out of the pool; the collector frees it with its last handle. At
 * most `MAX_FREE` empty buffers are pooled. Handles are pooled too: one read back (its batch handed to the exporter) or
 * dropped serves a later span, at most `MAX_SPARE` of them kept.
 */
import type { SpanContext, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { EndedSpan } from './ended-span.js';
import { FAILED } from './exporter.js';

const CHUNK_BYTES = 64 * 1024;
const MAX_FREE = 4;
/** Handles kept for reuse: the batch processor's default queue (2,048 spans). */
const MAX_SPARE = 2048;
const MAX_INTERNED = 4096;
/** Distinct values interned for one attribute key (or for span names) before its new values are written in full. */
const MAX_VALUES_PER_KEY = 64;
const MAX_NAMES = 1024;
/** Longer strings are never interned: the table keeps what it interns for the life of the process. */
const MAX_INTERNED_LENGTH = 256;
const INLINE = 0xffff;
// Owners of interned strings other than a key's index (#intern).
const KEYS = -1;
const NAMES = -2;
const NO_KEY = -3;
/** Bit of a string's length word: the string is ASCII, read back as latin1 (cheaper than UTF-8). */
const ASCII = 0x80000000;
/** The nine numbers at the start of a held span, 8-byte aligned: read through a Float64Array. */
const NUMBERS = 9;
const UNSET = 0;

// Flag bits of a held span: `isRemote` of its context (bits 0-1) and of its parent's (bits 2-3) as undefined (0),
// false (1) or true (2), which OTLP tells apart; then whether it has a parent and a status message.
const PARENT_REMOTE_SHIFT = 2;
const HAS_PARENT = 16;
const HAS_MESSAGE = 32;

// Attribute value types.
const STRING = 0;
const NUMBER = 1;
const TRUE = 2;
const FALSE = 3;
const INTERNED = 4;

const UNSET_STATUS: SpanStatus = Object.freeze({ code: UNSET });
const SAMPLED_CONTEXT: SpanContext = Object.freeze({ traceId: '', spanId: '', traceFlags: 1 });

class Chunk {
  readonly memory = new ArrayBuffer(CHUNK_BYTES);
  readonly buf = Buffer.from(this.memory);
  readonly numbers = new Float64Array(this.memory);
  used = 0;
  live = 0;
  full = false;
}

function remoteBits(isRemote: boolean | undefined): number {
  return isRemote === undefined ? 0 : isRemote ? 2 : 1;
}

function contextOf(traceId: string, spanId: string, traceFlags: number, remote: number): SpanContext {
  return remote === 0 ? { traceId, spanId, traceFlags } : { traceId, spanId, traceFlags, isRemote: remote === 2 };
}

/**
 * What the batch processor queues for a span held outside the heap. Handles are reused once read back (the store's
 * spares): a new one for each sampled span was the largest part of what a traced server's spans still left surviving
 * its scavenges (docs/benchmarks.md, "Thirteenth look").
 */
class HeldSpan {
  constructor(
    /** Undefined while the handle waits among the spares, so that it keeps no buffer alive. */
    public chunk: Chunk | undefined,
    public offset: number,
    public resource: ReadableSpan['resource'],
    public instrumentationScope: ReadableSpan['instrumentationScope'],
  ) {}

  /** The batch processor reads only the sampled flag. */
  spanContext(): SpanContext {
    return SAMPLED_CONTEXT;
  }
}

/** Thrown inside hold() when the span does not fit in what is left of the buffer. */
const NO_ROOM = { noRoom: true };

export class HeldSpanStore {
  #current = new Chunk();
  readonly #free: Chunk[] = [];
  /** Interned strings and their indexes. */
  readonly #ids = new Map<string, number>();
  readonly #strings: string[] = [];
  /** Distinct values interned under each interned key, by the key's index. */
  readonly #valuesOf = new Uint16Array(MAX_INTERNED);
  #names = 0;
  /** The handle hold() returned last, until the next hold(). */
  #last: HeldSpan | undefined;
  /** Handles read back or dropped, for the next spans (at most MAX_SPARE). */
  readonly #spare: HeldSpan[] = [];
  #pos = 0;
  #limit = 0;
  #buf: Buffer = this.#current.buf;

  /** Buffers allocated so far (for tests). */
  allocated = 1;

  /** Strings interned so far (for tests). */
  get interned(): number {
    return this.#strings.length;
  }

  /**
   * The span as the batch should hold it: a handle to its copy outside the heap, or an EndedSpan when this form
   * cannot hold it.
   */
  hold(span: ReadableSpan, spanContext: SpanContext): ReadableSpan {
    this.#last = undefined;
    if (spanContext.traceState !== undefined || span.links.length !== 0 || span.events.length !== 0) {
      return EndedSpan.of(span, spanContext);
    }
    const parent = span.parentSpanContext;
    if (parent !== undefined && parent.traceState !== undefined) return EndedSpan.of(span, spanContext);
    for (let attempt = 0; attempt < 2; attempt++) {
      const chunk = this.#current;
      const offset = (chunk.used + 7) & ~7;
      try {
        if (!this.#write(span, spanContext, parent, chunk, offset)) return EndedSpan.of(span, spanContext);
      } catch (err) {
        // Anything but a full buffer is a value this form did not expect: the span waits on the heap instead.
        if (err !== NO_ROOM || offset === 0) return EndedSpan.of(span, spanContext);
        this.#next();
        continue;
      }
      chunk.used = this.#pos;
      chunk.live++;
      let held = this.#spare.pop();
      if (held === undefined) {
        held = new HeldSpan(chunk, offset, span.resource, span.instrumentationScope);
      } else {
        held.chunk = chunk;
        held.offset = offset;
        held.resource = span.resource;
        held.instrumentationScope = span.instrumentationScope;
      }
      this.#last = held;
      return held as unknown as ReadableSpan;
    }
    return EndedSpan.of(span, spanContext);
  }

  /**
   * The batch processor dropped the span just held (its queue was full; it says so synchronously, through its
   * self-observability counter: self-metrics.ts): the bytes are given back, so that a buffer is not lost to every
   * dropped span while the backend is slow.
   */
  dropLast(): void {
    const held = this.#last;
    if (held === undefined) return;
    this.#last = undefined;
    const chunk = held.chunk!;
    chunk.live--;
    if (chunk === this.#current) chunk.used = chunk.live === 0 ? 0 : held.offset;
    else if (chunk.live === 0 && chunk.full) this.#recycle(chunk);
    this.#spareHandle(held);
  }

  /** `inner`, given the held spans read back as EndedSpans. */
  exporter(inner: SpanExporter): SpanExporter {
    return {
      export: (spans, resultCallback) => {
        const read = new Array<ReadableSpan>(spans.length);
        try {
          for (let i = 0; i < spans.length; i++) {
            const s = spans[i]!;
            if (s instanceof HeldSpan) {
              read[i] = this.#read(s);
              // The batch processor reads nothing of a span once export() is called (its callback counts the
              // batch's length), so the handle serves a later span.
              if (s === this.#last) this.#last = undefined;
              this.#spareHandle(s);
            } else {
              read[i] = s;
            }
          }
        } catch (error) {
          // Not expected (the store reads what it wrote); the batch fails, and the processor goes on with the next.
          resultCallback({ code: FAILED, error: error as Error });
          return;
        }
        inner.export(read, resultCallback);
        // The exporters behind (Zipkin's and OTLP's, through the counting exporter) translate the batch before
        // export() returns, but keep the array they were given until the backend answers (Zipkin's in a closure):
        // emptied, the spans read back die young instead of surviving a scavenge during the round trip. The
        // integration tests assert that every span reaches each backend.
        read.length = 0;
      },
      shutdown: () => inner.shutdown(),
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    };
  }

  #next(): void {
    const old = this.#current;
    old.full = true;
    if (old.live === 0) this.#recycle(old);
    let next = this.#free.pop();
    if (next === undefined) {
      next = new Chunk();
      this.allocated++;
    }
    this.#current = next;
  }

  #spareHandle(held: HeldSpan): void {
    held.chunk = undefined;
    if (this.#spare.length < MAX_SPARE) this.#spare.push(held);
  }

  #recycle(chunk: Chunk): void {
    chunk.used = 0;
    chunk.full = false;
    if (this.#free.length < MAX_FREE) this.#free.push(chunk);
  }

  /**
   * Writes the span at `offset` (8-byte aligned): nine numbers (times, dropped counts), five bytes (kind, flags,
   * trace flags, parent's trace flags, status code), ids, status message, name, attributes. False when an
   * attribute's value is not a string, number or boolean.
   */
  #write(span: ReadableSpan, ctx: SpanContext, parent: SpanContext | undefined, chunk: Chunk, offset: number): boolean {
    const buf = chunk.buf;
    this.#buf = buf;
    this.#limit = buf.length;
    const fixed = offset + NUMBERS * 8;
    if (fixed + 5 > this.#limit) throw NO_ROOM;
    const numbers = chunk.numbers;
    const n = offset >> 3;
    const start = span.startTime;
    const end = span.endTime;
    const duration = span.duration;
    numbers[n] = start[0];
    numbers[n + 1] = start[1];
    numbers[n + 2] = end[0];
    numbers[n + 3] = end[1];
    numbers[n + 4] = duration[0];
    numbers[n + 5] = duration[1];
    numbers[n + 6] = span.droppedAttributesCount;
    numbers[n + 7] = span.droppedEventsCount;
    numbers[n + 8] = span.droppedLinksCount;
    const status = span.status;
    const message = status.message;
    let flags = remoteBits(ctx.isRemote);
    if (parent !== undefined) flags |= HAS_PARENT | (remoteBits(parent.isRemote) << PARENT_REMOTE_SHIFT);
    if (message !== undefined) flags |= HAS_MESSAGE;
    buf[fixed] = span.kind;
    buf[fixed + 1] = flags;
    buf[fixed + 2] = ctx.traceFlags;
    buf[fixed + 3] = parent === undefined ? 0 : parent.traceFlags;
    buf[fixed + 4] = status.code;
    this.#pos = fixed + 5;
    this.#string(ctx.traceId);
    this.#string(ctx.spanId);
    if (parent !== undefined) {
      this.#string(parent.traceId);
      this.#string(parent.spanId);
    }
    if (message !== undefined) this.#string(message);
    this.#name(span.name);
    const attributes = span.attributes;
    // The count is written after the attributes, here.
    const countAt = this.#pos;
    if (countAt + 2 > this.#limit) throw NO_ROOM;
    this.#pos = countAt + 2;
    let count = 0;
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      const keyId = this.#key(key);
      if (this.#pos + 9 > this.#limit) throw NO_ROOM;
      switch (typeof value) {
        case 'string':
          this.#value(keyId, value);
          break;
        case 'number':
          buf[this.#pos] = NUMBER;
          this.#pos = buf.writeDoubleLE(value, this.#pos + 1);
          break;
        case 'boolean':
          buf[this.#pos++] = value ? TRUE : FALSE;
          break;
        default:
          return false;
      }
      count++;
    }
    if (count > 0xffff) return false;
    buf.writeUInt16LE(count, countAt);
    return true;
  }

  /** A string, after its length (4 bytes, the top bit set for ASCII), as UTF-8. */
  #string(s: string): void {
    const at = this.#pos;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (at + 4 + s.length * 3 > this.#limit) throw NO_ROOM;
    const n = this.#buf.write(s, at + 4, 'utf8');
    this.#buf.writeUInt32LE(n === s.length ? (n | ASCII) >>> 0 : n, at);
    this.#pos = at + 4 + n;
  }

  /**
   * The interned index of `s`, adding it while the table has room and its owner may add more: `owner` is a key's
   * index for that key's values, KEYS for keys, NAMES for span names, NO_KEY for values of a key not interned.
   * Undefined when `s` is not interned.
   */
  #intern(s: string, owner: number): number | undefined {
    const id = this.#ids.get(s);
    if (id !== undefined || owner === NO_KEY) return id;
    if (this.#strings.length >= MAX_INTERNED || s.length > MAX_INTERNED_LENGTH) return undefined;
    if (owner === NAMES) {
      if (this.#names >= MAX_NAMES) return undefined;
      this.#names++;
    } else if (owner >= 0) {
      if (this.#valuesOf[owner]! >= MAX_VALUES_PER_KEY) return undefined;
      this.#valuesOf[owner]!++;
    }
    const added = this.#strings.length;
    this.#strings.push(s);
    this.#ids.set(s, added);
    return added;
  }

  /** 2 bytes: the interned index, or INLINE and the string in full. */
  #indexOrString(id: number | undefined, s: string): void {
    if (this.#pos + 2 > this.#limit) throw NO_ROOM;
    this.#pos = this.#buf.writeUInt16LE(id ?? INLINE, this.#pos);
    if (id === undefined) this.#string(s);
  }

  #name(name: string): void {
    this.#indexOrString(this.#intern(name, NAMES), name);
  }

  /** Writes the key; returns its interned index, or NO_KEY. */
  #key(key: string): number {
    const id = this.#intern(key, KEYS);
    this.#indexOrString(id, key);
    return id ?? NO_KEY;
  }

  #value(keyId: number, value: string): void {
    const id = this.#intern(value, keyId);
    if (id !== undefined) {
      if (this.#pos + 3 > this.#limit) throw NO_ROOM;
      this.#buf[this.#pos] = INTERNED;
      this.#pos = this.#buf.writeUInt16LE(id, this.#pos + 1);
    } else {
      this.#buf[this.#pos++] = STRING;
      this.#string(value);
    }
  }

  #read(held: HeldSpan): EndedSpan {
    const chunk = held.chunk!;
    const buf = chunk.buf;
    const numbers = chunk.numbers;
    const o = held.offset;
    const n = o >> 3;
    const fixed = o + NUMBERS * 8;
    const kind = buf[fixed]!;
    const flags = buf[fixed + 1]!;
    const traceFlags = buf[fixed + 2]!;
    const parentTraceFlags = buf[fixed + 3]!;
    const code = buf[fixed + 4]!;
    this.#pos = fixed + 5;
    this.#buf = buf;
    const traceId = this.#readString();
    const spanId = this.#readString();
    const spanContext = contextOf(traceId, spanId, traceFlags, flags & 3);
    let parentSpanContext: SpanContext | undefined;
    if ((flags & HAS_PARENT) !== 0) {
      const parentTraceId = this.#readString();
      const parentSpanId = this.#readString();
      parentSpanContext = contextOf(parentTraceId, parentSpanId, parentTraceFlags, (flags >> PARENT_REMOTE_SHIFT) & 3);
    }
    let status: SpanStatus;
    if ((flags & HAS_MESSAGE) !== 0) status = { code, message: this.#readString() };
    else status = code === UNSET ? UNSET_STATUS : { code };
    const name = this.#readIndexOrString();
    const count = buf.readUInt16LE(this.#pos);
    this.#pos += 2;
    const attributes: Record<string, string | number | boolean> = {};
    for (let i = 0; i < count; i++) {
      const key = this.#readIndexOrString();
      const type = buf[this.#pos++];
      if (type === INTERNED) {
        attributes[key] = this.#strings[buf.readUInt16LE(this.#pos)]!;
        this.#pos += 2;
      } else if (type === STRING) {
        attributes[key] = this.#readString();
      } else if (type === NUMBER) {
        attributes[key] = buf.readDoubleLE(this.#pos);
        this.#pos += 8;
      } else {
        attributes[key] = type === TRUE;
      }
    }
    if (--chunk.live === 0) {
      if (chunk.full) this.#recycle(chunk);
      else if (chunk === this.#current) chunk.used = 0;
    }
    return new EndedSpan(spanContext, {
      name, kind, parentSpanContext,
      startS: numbers[n]!, startNs: numbers[n + 1]!, endS: numbers[n + 2]!, endNs: numbers[n + 3]!,
      durationS: numbers[n + 4]!, durationNs: numbers[n + 5]!, status, attributes,
      resource: held.resource, instrumentationScope: held.instrumentationScope,
      droppedAttributes: numbers[n + 6]!, droppedEvents: numbers[n + 7]!, droppedLinks: numbers[n + 8]!,
    });
  }

  #readString(): string {
    const at = this.#pos;
    const word = this.#buf.readUInt32LE(at);
    const n = (word & ~ASCII) >>> 0;
    this.#pos = at + 4 + n;
    return this.#buf.toString(word >= ASCII ? 'latin1' : 'utf8', at + 4, at + 4 + n);
  }

  #readIndexOrString(): string {
    const id = this.#buf.readUInt16LE(this.#pos);
    this.#pos += 2;
    return id === INLINE ? this.#readString() : this.#strings[id]!;
  }
}
