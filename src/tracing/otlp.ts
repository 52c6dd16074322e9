/**
 * OTLP export of spans (OTLP/HTTP, protobuf), beside Zipkin or instead of it, for fleets moving to an OpenTelemetry
 * Collector; configured by the variables OpenTelemetry's SDKs and Spring Boot 4 read (`OTEL_TRACES_EXPORTER=otlp,zipkin`,
 * `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS`; src/tracing/options.ts).
 *
 * The exporter is OpenTelemetry's `@opentelemetry/exporter-trace-otlp-http`, an optional peer dependency loaded
 * only when OTLP export is on. The provider deliberately has an empty resource (Zipkin would turn every resource
 * attribute into a tag on every span, which Spring's spans do not have), but an OTLP backend names the service by
 * the resource's `service.name`: the spans handed to this exporter see a resource of their own (the SDK's defaults
 * and `service.name`), through a thin view that changes nothing else.
 */
import { createRequire } from 'node:module';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';

/** The error export fails with when OTLP export is configured but its exporter package is missing. */
export class OtlpExporterUnavailableError extends Error {
  readonly code = 'NM_OTLP_EXPORTER_UNAVAILABLE';
}

export const OTLP_EXPORTER_PACKAGE = '@opentelemetry/exporter-trace-otlp-http';

interface OtlpModule {
  OTLPTraceExporter: new (config: { url: string; headers: Record<string, string>; timeoutMillis: number; concurrencyLimit: number }) => SpanExporter;
}

/** The exporter package, from nodemeter's location first, then from the application's working directory. */
function loadOtlpModule(): OtlpModule {
  const errors: unknown[] = [];
  for (const from of [import.meta.url, `${process.cwd()}/`]) {
    try {
      const mod = createRequire(from)(OTLP_EXPORTER_PACKAGE) as Partial<OtlpModule>;
      if (typeof mod.OTLPTraceExporter === 'function') return mod as OtlpModule;
    } catch (err) {
      errors.push(err);
    }
  }
  throw new OtlpExporterUnavailableError(
    `OTLP span export needs the ${OTLP_EXPORTER_PACKAGE} package, which is not installed (npm install ${OTLP_EXPORTER_PACKAGE})`,
    { cause: errors[0] },
  );
}

export interface OtlpConfig {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * OpenTelemetry's OTLP/HTTP trace exporter for `config`, giving each span `resource`. Throws an
 * OtlpExporterUnavailableError when the package is not installed.
 */
export function createOtlpExporter(config: OtlpConfig, resource: Resource, timeoutMs: number): SpanExporter {
  const { OTLPTraceExporter } = loadOtlpModule();
  const inner = new OTLPTraceExporter({
    url: config.endpoint,
    headers: { ...config.headers },
    timeoutMillis: timeoutMs,
    // The counting exporter around it already bounds exports in flight; this is the exporter's own bound.
    concurrencyLimit: 2,
  });
  return withResource(inner, resource);
}

/** `inner`, with every span seen through a view whose `resource` is `resource` (the span itself is not changed). */
export function withResource(inner: SpanExporter, resource: Resource): SpanExporter {
  const descriptor = { resource: { value: resource, enumerable: true } };
  return {
    export(spans: ReadableSpan[], resultCallback) {
      const viewed = new Array<ReadableSpan>(spans.length);
      for (let i = 0; i < spans.length; i++) viewed[i] = Object.create(spans[i] as object, descriptor) as ReadableSpan;
      inner.export(viewed, resultCallback);
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}
