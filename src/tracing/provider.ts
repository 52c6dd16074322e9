/**
 * The tracer behind the tracing handler: OpenTelemetry's NodeTracerProvider with a parent-based ratio sampler,
 * a batch span processor with a bounded queue, and the Zipkin exporter; AsyncLocalStorage context; propagation as
 * configured (produce/consume).
 *
 * If the application registered its own OpenTelemetry tracer provider first, nodemeter does not fight it: it uses
 * that provider (and its exporter, sampler, propagator and context manager) for its spans and says so once.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ResolvedConfig } from '../sdk/config.js';
import type { Diag } from '../core/diag.js';
import { VERSION } from '../core/version.js';
import type { MeterRegistry } from '../metrics/registry.js';
import { CountingExporter } from './exporter.js';
import { ProduceConsumePropagator } from './propagation.js';
import { selfObservabilityMeterProvider } from './self-metrics.js';

/** @since 0.1.0 */
export interface TracingSetup {
  readonly tracer: Tracer;
  /** True when nodemeter's own provider is the global one (false: the application's is used). */
  readonly ownProvider: boolean;
  /** Exports every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes pending spans, then unregisters what nodemeter registered. */
  shutdown(): Promise<void>;
}

export function setupTracing(
  config: ResolvedConfig['tracing'],
  serviceName: string,
  registry: MeterRegistry,
  diag: Diag,
): TracingSetup {
  const spans = registry.counter('nodemeter.spans', {
    description: 'Finished spans by what became of them: exported, or dropped (queue full, export failed, backend slow)',
    labelNames: ['result', 'reason'],
  });
  const endpoint = config.zipkin.endpoint;
  const spanProcessors = [];
  if (config.zipkin.enabled) {
    const exporter = new CountingExporter(new ZipkinExporter({ url: endpoint, serviceName }), spans, (error) => {
      diag.warnOnce(
        `NMWRN008:${endpoint}`,
        `NMWRN008 span export to ${endpoint} failed (${error instanceof Error ? error.message : String(error)}); ` +
          'the service keeps running, lost spans are counted in nodemeter_spans_total{result="dropped"}',
      );
    });
    spanProcessors.push(
      new BatchSpanProcessor(exporter, {
        maxQueueSize: config.export.maxQueueSize,
        maxExportBatchSize: config.export.maxExportBatchSize,
        scheduledDelayMillis: config.export.scheduledDelayMs,
        exportTimeoutMillis: config.export.exportTimeoutMs,
        selfObsMeterProvider: selfObservabilityMeterProvider(registry, spans),
      } as ConstructorParameters<typeof BatchSpanProcessor>[1]),
    );
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplingProbability) }),
    spanProcessors,
  });

  if (!trace.setGlobalTracerProvider(provider)) {
    diag.warnOnce(
      'NMWRN009',
      'NMWRN009 the application registered its own OpenTelemetry tracer provider; nodemeter creates its spans with it ' +
        '(its exporter, sampler and propagator apply, nodemeter\'s Zipkin settings do not)',
    );
    void provider.shutdown();
    return {
      tracer: trace.getTracer('nodemeter', VERSION),
      ownProvider: false,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  }
  const contextManager = new AsyncLocalStorageContextManager();
  const ownContext = context.setGlobalContextManager(contextManager.enable());
  if (!ownContext) contextManager.disable();
  const ownPropagator = propagation.setGlobalPropagator(
    new ProduceConsumePropagator(config.propagation.produce, config.propagation.consume),
  );
  return {
    tracer: provider.getTracer('nodemeter', VERSION),
    ownProvider: true,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        if (ownContext) context.disable();
        if (ownPropagator) propagation.disable();
      }
    },
  };
}
