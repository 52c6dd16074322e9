/**
 * The tracer nodemeter hands out, typed by its shape. The published types import no package, so that a TypeScript
 * project compiles against nodemeter whatever it has installed (as OpenTelemetry's own kafkajs instrumentation
 * declares the kafkajs shapes it needs). These are the parts of `@opentelemetry/api`'s `Tracer` and `Span` an
 * application uses for its own spans; the object behind them is the OpenTelemetry tracer itself, and
 * `trace.getTracer()` from `@opentelemetry/api` gives the same tracer with the API's complete types.
 */

/** An attribute value, as OpenTelemetry's `AttributeValue`. @since 0.2.0 */
export type NodemeterAttributeValue =
  | string
  | number
  | boolean
  | Array<string | null | undefined>
  | Array<number | null | undefined>
  | Array<boolean | null | undefined>;

/** Attributes, as OpenTelemetry's `Attributes`. @since 0.2.0 */
export interface NodemeterAttributes {
  [key: string]: NodemeterAttributeValue | undefined;
}

/** A point in time: epoch milliseconds, a `Date`, or a high-resolution `[seconds, nanoseconds]` pair. @since 0.2.0 */
export type NodemeterTimeInput = number | Date | [number, number];

/** The identity of a span, as OpenTelemetry's `SpanContext`. @since 0.2.0 */
export interface NodemeterSpanContext {
  readonly traceId: string;
  readonly spanId: string;
  /** W3C trace flags: 1 = sampled. */
  readonly traceFlags: number;
}

/** Options of a new span; `kind` is OpenTelemetry's `SpanKind` (0 internal … 4 consumer). @since 0.2.0 */
export interface NodemeterSpanOptions {
  kind?: number;
  attributes?: NodemeterAttributes;
  startTime?: NodemeterTimeInput;
  /** Start a new trace even if a span is active. */
  root?: boolean;
}

/** A span, as OpenTelemetry's `Span`. @since 0.2.0 */
export interface NodemeterSpan {
  spanContext(): NodemeterSpanContext;
  setAttribute(key: string, value: NodemeterAttributeValue): this;
  setAttributes(attributes: NodemeterAttributes): this;
  addEvent(name: string, attributes?: NodemeterAttributes, startTime?: NodemeterTimeInput): this;
  /** `code`: OpenTelemetry's `SpanStatusCode` (0 unset, 1 ok, 2 error). */
  setStatus(status: { code: number; message?: string }): this;
  updateName(name: string): this;
  recordException(exception: Error | string, time?: NodemeterTimeInput): void;
  isRecording(): boolean;
  end(endTime?: NodemeterTimeInput): void;
}

/** A tracer, as OpenTelemetry's `Tracer` (without its `Context` parameters). @since 0.2.0 */
export interface NodemeterTracer {
  startSpan(name: string, options?: NodemeterSpanOptions): NodemeterSpan;
  /** Runs `fn` with the new span active; `fn` ends the span. */
  startActiveSpan<F extends (span: NodemeterSpan) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: NodemeterSpan) => unknown>(
    name: string,
    options: NodemeterSpanOptions,
    fn: F,
  ): ReturnType<F>;
}
