/**
 * The tracer behind the tracing handler: OpenTelemetry's NodeTracerProvider with a parent-based ratio sampler,
 * a batch span processor with a bounded queue, and the Zipkin exporter; AsyncLocalStorage context; propagation as
 * configured (produce/consume).
 *
 * If the application registered its own OpenTelemetry tracer provider first, nodemeter does not fight it: it uses
 * that provider (and its exporter, sampler, propagator and context manager) for its spans and says so once.
 */
import type { Context, Tracer } from '@opentelemetry/api';
import { otelApi } from '../core/otel-api.js';
import type { BatchSpanProcessor, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ResolvedTracingConfig } from './options.js';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import { VERSION } from '../core/version.js';
import type { MeterRegistry } from '../metrics/registry.js';
import { sendInBraveShape } from './compat/exporter-zipkin.js';
import { EndedSpanProcessor } from './ended-span.js';
import { HeldSpanStore } from './held-spans.js';
import { CountingExporter, FAILED } from './exporter.js';
import { createHeadSampling, type HeadSampler } from './head-sampler.js';
import { zipkinOverKafka } from './kafka-sender.js';
import { createOtlpExporter } from './otlp.js';
import { ProduceConsumePropagator } from './propagation.js';
import { loadOtelSdk } from './sdk.js';
import { selfObservabilityMeterProvider } from './self-metrics.js';
import type { NodemeterTracer } from './tracer-types.js';

/** @since 0.1.0 */
export interface TracingSetup {
  /**
   * nodemeter's tracer. Typed structurally (the published types import no package); it is an OpenTelemetry
   * `Tracer`, and `trace.getTracer()` from `@opentelemetry/api` gives one with the API's full types.
   */
  readonly tracer: NodemeterTracer;
  /** True when nodemeter's own provider is the global one (false: the application's is used). */
  readonly ownProvider: boolean;
  /** Exports every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes pending spans, then unregisters what nodemeter registered. */
  shutdown(): Promise<void>;
}

/**
 * What setupTracing() gives the composition root: the public setup, with the tracer also typed as OpenTelemetry's
 * `Tracer` for the tracing handler (the public type only promises the structural shape).
 */
export interface TracingRuntime extends TracingSetup {
  readonly tracer: Tracer & NodemeterTracer;
  /**
   * Makes a context current for the rest of the synchronous execution (the request handler of a node:http server
   * runs after the channel that starts its observation); undefined when the context manager is not nodemeter's.
   */
  readonly enterContext: ((ctx: Context) => void) | undefined;
  /**
   * Sampling of new traces decided before a span is asked for (the same decision as the provider's sampler for
   * the same trace id); undefined when the provider is the application's.
   */
  readonly headSampler: HeadSampler | undefined;
}

export function setupTracing(
  config: ResolvedTracingConfig,
  serviceName: string,
  registry: MeterRegistry,
  diag: Diag,
): TracingRuntime {
  // The SDK is read from disk here, the first time tracing is set up, and never when tracing is off.
  const { contextAsyncHooks, exporterZipkin, exporterZipkinVersion, resources, sdkTraceBase, sdkTraceNode } = loadOtelSdk();
  const spans = registry.counter('nodemeter.spans', {
    description: 'Finished spans by what became of them: exported, or dropped (queue full, export failed, backend slow)',
    labelNames: ['result', 'reason'],
  });
  const endpoint = config.zipkin.endpoint;
  // Export failures already reported as SPAN_EXPORT_FAILED: the flush at shutdown fails with the same error, and a
  // service without a Zipkin should see one warning that says what to do, not a second one without advice.
  const reported = new WeakSet<object>();
  const spanProcessors: SpanProcessor[] = [];
  const timeoutMs = config.export.exportTimeoutMs;
  // One bounded, counting batch processor per exporter (Zipkin over HTTP or Kafka, OTLP): a slow one never holds
  // the other's spans. `target` names the destination in warnings; `url` gets the HTTP socket timeout.
  const addExporter = (target: string, url: string | undefined, create: () => SpanExporter, what: string): void => {
    let inner: SpanExporter;
    try {
      inner = create();
    } catch (error) {
      // An optional package missing: said once here; the spans are then dropped and counted, not silently lost.
      diag.warn(Warnings.SPAN_EXPORTER_UNAVAILABLE, { exporter: what, error }, what);
      if (error !== null && typeof error === 'object') reported.add(error);
      inner = { export: (_spans, done) => done({ code: FAILED, error: error as Error }), shutdown: () => Promise.resolve() };
    }
    const exporter = new CountingExporter(
      inner,
      spans,
      (error) => {
        if (error !== null && typeof error === 'object') {
          if (reported.has(error)) return;
          reported.add(error);
        }
        diag.warn(Warnings.SPAN_EXPORT_FAILED, { endpoint: target, error }, target);
      },
      { endpoint: url, timeoutMs },
    );
    // Sampled spans wait for export outside V8's heap (held-spans.ts); the exporter reads them back.
    const held = new HeldSpanStore();
    spanProcessors.push(new EndedSpanProcessor(
      new sdkTraceBase.BatchSpanProcessor(held.exporter(exporter), {
        maxQueueSize: config.export.maxQueueSize,
        maxExportBatchSize: config.export.maxExportBatchSize,
        scheduledDelayMillis: config.export.scheduledDelayMs,
        exportTimeoutMillis: config.export.exportTimeoutMs,
        selfObsMeterProvider: selfObservabilityMeterProvider(registry, spans, () => held.dropLast()),
      } as ConstructorParameters<typeof BatchSpanProcessor>[1]),
      held,
    ));
  };
  if (config.zipkin.enabled && config.zipkin.transport === 'kafka') {
    const { bootstrapServers, topic } = config.zipkin.kafka;
    addExporter(`kafka://${bootstrapServers.join(',')}/${topic}`, undefined, () => {
      const zipkin = new exporterZipkin.ZipkinExporter({ url: endpoint, serviceName });
      return zipkinOverKafka(zipkin, exporterZipkinVersion, config.zipkin.kafka, serviceName, timeoutMs, diag);
    }, 'Zipkin over Kafka');
  } else if (config.zipkin.enabled) {
    addExporter(endpoint, endpoint, () => {
      const zipkin = new exporterZipkin.ZipkinExporter({ url: endpoint, serviceName });
      sendInBraveShape(zipkin, exporterZipkinVersion, diag);
      return zipkin;
    }, 'Zipkin');
  }
  if (config.otlp.enabled) {
    // OTLP backends name the service by the resource (the provider's is empty for Zipkin's sake: otlp.ts).
    const resource = resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': serviceName }));
    addExporter(config.otlp.endpoint, config.otlp.endpoint, () => createOtlpExporter(config.otlp, resource, timeoutMs), 'OTLP');
  }
  // The tracing handler decides sampling of new traces before it asks for a span and hands a sampled trace's id
  // to this id generator, so the SDK span carries the id the decision was taken on (head-sampler.ts).
  const headSampling = createHeadSampling(
    config.samplingProbability,
    new sdkTraceBase.RandomIdGenerator(),
    otelApi().trace.isSpanContextValid,
  );
  const provider = new sdkTraceNode.NodeTracerProvider({
    idGenerator: headSampling.idGenerator,
    // No resource attributes: the Zipkin exporter copies every one into every span's tags (`service.name`, which
    // Spring's spans do not carry); the service's name reaches Zipkin as the local endpoint, from the exporter's
    // `serviceName`. (Without a resource the provider would add its defaults, telemetry.sdk.*, as tags too.)
    resource: resources.emptyResource(),
    sampler: new sdkTraceBase.ParentBasedSampler({
      root: new sdkTraceBase.TraceIdRatioBasedSampler(config.samplingProbability),
    }),
    spanProcessors,
  });

  const { context, propagation, trace } = otelApi();
  if (!trace.setGlobalTracerProvider(provider)) {
    diag.warn(Warnings.FOREIGN_TRACER_PROVIDER);
    void provider.shutdown();
    return {
      tracer: trace.getTracer('nodemeter', VERSION),
      ownProvider: false,
      enterContext: undefined,
      headSampler: undefined,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  }
  const contextManager = new contextAsyncHooks.AsyncLocalStorageContextManager();
  const ownContext = context.setGlobalContextManager(contextManager.enable());
  if (!ownContext) contextManager.disable();
  const ownPropagator = propagation.setGlobalPropagator(
    new ProduceConsumePropagator(config.propagation.produce, config.propagation.consume),
  );
  return {
    tracer: provider.getTracer('nodemeter', VERSION),
    ownProvider: true,
    enterContext: ownContext ? enterWith(contextManager) : undefined,
    headSampler: headSampling,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      try {
        await provider.shutdown();
      } catch (err) {
        if (!(err !== null && typeof err === 'object' && reported.has(err))) throw err;
        diag.debug(`tracing shut down; the last spans were not exported: ${String(err)}`);
      } finally {
        trace.disable();
        if (ownContext) context.disable();
        if (ownPropagator) propagation.disable();
      }
    },
  };
}

/**
 * The manager's `attach()` (context-async-hooks 2.x, experimental: AsyncLocalStorage `enterWith`, or `withScope`
 * on Node 25.9+), without its restore token: the context stays current until the execution ends or another is
 * entered. Undefined if this version of the manager has no attach.
 */
function enterWith(manager: object): ((ctx: Context) => void) | undefined {
  const attach = (manager as { attach?: (ctx: Context) => unknown }).attach;
  if (typeof attach !== 'function') return undefined;
  return (ctx) => {
    attach.call(manager, ctx);
  };
}
