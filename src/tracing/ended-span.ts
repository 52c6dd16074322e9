/**
 * A sampled span in the form the exporters read: the fields they read, and nothing else. Most sampled spans wait
 * for export outside the heap (held-spans.ts) and are read back into this form just before export; those that
 * form cannot hold (a `tracestate`, links, events, array attributes) wait in this one.
 *
 * A sampled span waits in the batch for tens of milliseconds (a batch of 128 fills in 30–80 ms at the rates the
 * benchmarks serve), long enough to survive a scavenge or two. What survives is copied, and V8 grows the young
 * generation after the bytes that survived, never shrinking it while the process stays busy: the spans waiting
 * for export were most of what made a traced server's young generation grow (docs/benchmarks.md, "Sixth look").
 * The SDK's span object is large for that: its processor, limits, attribute counters, a closure for the SDK's own
 * span metrics, three time arrays and fresh arrays for links and events. An EndedSpan keeps the same attribute,
 * span context, link and event objects (no copies), times as numbers, and shares one frozen empty array and one
 * unset status among all spans that have none; the SDK's object dies young. 965 → 419 bytes a held span (Node 24,
 * an HTTP server span with four tags and its URL; benchmarks/tracing/held-span.mjs); held outside the heap, 67.
 *
 * Plain fields, not private ones: the OTLP exporter reads spans through objects whose prototype is the span
 * (otlp.ts).
 */
import type { Context, HrTime, Link, SpanAttributes, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';

const SAMPLED = 1;
const UNSET = 0;
const NONE: never[] = Object.freeze([]) as unknown as never[];
const UNSET_STATUS: SpanStatus = Object.freeze({ code: UNSET });

/** An EndedSpan's fields: from the SDK's span (EndedSpan.of), or read back from a held span (held-spans.ts). */
export interface EndedSpanFields {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startS: number;
  readonly startNs: number;
  readonly endS: number;
  readonly endNs: number;
  readonly durationS: number;
  readonly durationNs: number;
  readonly status: SpanStatus;
  readonly attributes: SpanAttributes;
  /** Absent: none (one shared frozen empty array stands in). */
  readonly links?: Link[];
  readonly events?: TimedEvent[];
  readonly resource: ReadableSpan['resource'];
  readonly instrumentationScope: ReadableSpan['instrumentationScope'];
  readonly droppedAttributes: number;
  readonly droppedEvents: number;
  readonly droppedLinks: number;
}

export class EndedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly _spanContext: SpanContext;
  readonly parentSpanContext: SpanContext | undefined;
  readonly _startS: number;
  readonly _startNs: number;
  readonly _endS: number;
  readonly _endNs: number;
  readonly _durationS: number;
  readonly _durationNs: number;
  readonly status: SpanStatus;
  readonly attributes: SpanAttributes;
  readonly links: Link[];
  readonly events: TimedEvent[];
  readonly resource: ReadableSpan['resource'];
  readonly instrumentationScope: ReadableSpan['instrumentationScope'];
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;

  constructor(spanContext: SpanContext, f: EndedSpanFields) {
    this.name = f.name;
    this.kind = f.kind;
    this._spanContext = spanContext;
    this.parentSpanContext = f.parentSpanContext;
    this._startS = f.startS;
    this._startNs = f.startNs;
    this._endS = f.endS;
    this._endNs = f.endNs;
    this._durationS = f.durationS;
    this._durationNs = f.durationNs;
    this.status = f.status;
    this.attributes = f.attributes;
    this.links = f.links ?? NONE;
    this.events = f.events ?? NONE;
    this.resource = f.resource;
    this.instrumentationScope = f.instrumentationScope;
    this.droppedAttributesCount = f.droppedAttributes;
    this.droppedEventsCount = f.droppedEvents;
    this.droppedLinksCount = f.droppedLinks;
  }

  /** The SDK's span as an EndedSpan: the same attribute, span context, link and event objects. */
  static of(span: ReadableSpan, spanContext: SpanContext): EndedSpan {
    const start = span.startTime;
    const end = span.endTime;
    const duration = span.duration;
    const status = span.status;
    return new EndedSpan(spanContext, {
      name: span.name,
      kind: span.kind,
      parentSpanContext: span.parentSpanContext,
      startS: start[0],
      startNs: start[1],
      endS: end[0],
      endNs: end[1],
      durationS: duration[0],
      durationNs: duration[1],
      status: status.code === UNSET && status.message === undefined ? UNSET_STATUS : status,
      attributes: span.attributes,
      links: span.links.length === 0 ? undefined : span.links,
      events: span.events.length === 0 ? undefined : span.events,
      resource: span.resource,
      instrumentationScope: span.instrumentationScope,
      droppedAttributes: span.droppedAttributesCount,
      droppedEvents: span.droppedEventsCount,
      droppedLinks: span.droppedLinksCount,
    });
  }

  spanContext(): SpanContext {
    return this._spanContext;
  }

  /** The times as the SDK gave them, as new arrays: read once, when the batch is exported. */
  get startTime(): HrTime {
    return [this._startS, this._startNs];
  }

  get endTime(): HrTime {
    return [this._endS, this._endNs];
  }

  get duration(): HrTime {
    return [this._durationS, this._durationNs];
  }

  get ended(): boolean {
    return true;
  }
}

/**
 * In front of a batch span processor: hands it each sampled span when the span ends, in the form `holder` keeps it
 * (held-spans.ts: outside the heap; the batch processor's exporter must then be `holder.exporter(…)`). Unsampled
 * spans are not passed on (the batch processor would drop them too).
 */
export class EndedSpanProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly holder: SpanHolder,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const spanContext = span.spanContext();
    if ((spanContext.traceFlags & SAMPLED) === 0) return;
    this.inner.onEnd(this.holder.hold(span, spanContext));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** What keeps a sampled span until export (held-spans.ts). */
export interface SpanHolder {
  hold(span: ReadableSpan, spanContext: SpanContext): ReadableSpan;
}
