/**
 * nodemeter: Micrometer + Spring Boot Actuator for Node.js.
 *
 * ```ts
 * import { instrument } from 'nodemeter';
 * const nm = instrument({ serviceName: 'order-service' });
 * app.use(nm.express());            // /actuator/prometheus, /actuator/health
 * ```
 *
 * The public surface: explicit named exports only, functions and constants as values, everything else as types.
 * Registries, routers and integrations are interfaces; their implementations (and constructors) stay internal,
 * and the few a user may create alone have a factory (`createMeterRegistry`, `createHealthRegistry`).
 * @packageDocumentation
 */
// The one call, and its options.
export { instrument } from './sdk/instrument.js';
export type { Nodemeter } from './sdk/instrument.js';
export type { NodemeterOptions, ResolvedConfig } from './sdk/config.js';
export type { MetricsOptions, DistributionOptions, ResolvedMetricsConfig } from './metrics/options.js';
export type {
  ActuatorOptions,
  ActuatorAuthOptions,
  ActuatorHealthOptions,
  ActuatorInfoOptions,
  EndpointId,
  ExposureOptions,
  ManagementOptions,
  PortTakenPolicy,
  ShowDetails,
  ResolvedActuatorConfig,
  ResolvedManagementConfig,
} from './actuator/options.js';
export type { HttpOptions, HttpRouteResolver, ResolvedHttpConfig } from './http/options.js';
export type { TracingOptions, ResolvedTracingConfig, ResolvedExportConfig } from './tracing/options.js';
export type {
  LoggingOptions,
  LokiOptions,
  LogLevelName,
  CorrelationKeys,
  ResolvedLoggingConfig,
  ResolvedLokiConfig,
} from './logging/options.js';

// Errors, warnings, diagnostics.
export { ErrorCodes, NodemeterError, isNodemeterError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export { WarningCodes } from './core/warnings.js';
export type { WarningCode } from './core/warnings.js';
export { Diag } from './core/diag.js';
export type { DiagLevel, DiagSink } from './core/diag.js';
export { VERSION } from './core/version.js';

// Metrics.
export { CONTENT_TYPES, createMeterRegistry } from './metrics/registry.js';
export type {
  CounterOptions,
  ExpositionFormat,
  FunctionCounterOptions,
  GaugeOptions,
  Meter,
  MeterOptions,
  MeterRegistry,
  MeterRegistryOptions,
  TimerMeterOptions,
} from './metrics/registry.js';
export type { Counter, CounterChild } from './metrics/counter.js';
export type { Gauge, GaugeChild, GaugeCollect } from './metrics/gauge.js';
export type { Timer, TimerChild, TimerOptions } from './metrics/timer.js';
export type { FunctionCounter, EmitValue } from './metrics/function-counter.js';
export type { Labels } from './metrics/family.js';
export { defaultTimerBuckets } from './metrics/buckets.js';
export type { MeterBinder, BinderContext, Unbind } from './metrics/binder.js';
export { BINDER_NAMES } from './metrics/binders/names.js';
export type { BinderName } from './metrics/binders/names.js';

// Health and the actuator.
export { createHealthRegistry } from './health/registry.js';
export type { Health, HealthIndicator, HealthRegistry, HealthResponse, HealthStatus } from './health/registry.js';
export type { ActuatorResponse, ActuatorRouter } from './actuator/router.js';
export { createAvailability } from './health/availability.js';
export type { Availability, LivenessState, ReadinessState } from './health/availability.js';
export type { HealthCheckOptions } from './health/registry.js';
export type { InfoContributor, InfoRegistry } from './actuator/endpoints/info.js';
export type { LoggerLevel, LoggerLevelName, LoggerLevels } from './actuator/endpoints/loggers.js';

// HTTP.
export type { ExpressMiddleware, ExpressErrorMiddleware } from './http/express.js';
export type { FastifyPlugin } from './http/fastify.js';
export { withUriTemplate } from './http/uri-template.js';
export type { HttpServerContext } from './http/server-context.js';
export type { HttpClientContext } from './http/client-context.js';

// Observations: contexts are extended (their constructors are public); registries come from the factory.
export { createObservationRegistry } from './observation/registry.js';
export type { ObservationRegistry } from './observation/registry.js';
export { ObservationContext, ReceiverContext, SenderContext, handlerKey } from './observation/context.js';
export type { CarrierGetter, CarrierSetter, HandlerKey, ObservationKind } from './observation/context.js';
export type { ObservationConvention, KeyValues } from './observation/convention.js';
export type { NodeCallback, ObservationHandler } from './observation/handler.js';

// Tracing.
export type { PropagationType } from './tracing/propagation.js';
export type { TracingSetup } from './tracing/provider.js';
export { currentSpan, currentTraceContext } from './tracing/current.js';
export type { CurrentTraceContext } from './tracing/current.js';
export type {
  NodemeterAttributes,
  NodemeterAttributeValue,
  NodemeterSpan,
  NodemeterSpanContext,
  NodemeterSpanOptions,
  NodemeterTimeInput,
  NodemeterTracer,
} from './tracing/tracer-types.js';

// Logging.
export type { NodemeterLogFn, NodemeterLogger } from './logging/public-types.js';

// Kafka.
export type {
  ConsumerOptions,
  InstrumentKafkaOptions,
  KafkaAdminLike,
  KafkaConsumedMessageLike,
  KafkaConsumerLike,
  KafkaConsumerRunConfigLike,
  KafkaEachBatchPayloadLike,
  KafkaEachMessagePayloadLike,
  KafkaHeaders,
  KafkaInstrumentation,
  KafkaLike,
  KafkaMessageToSend,
  KafkaProducerBatchLike,
  KafkaProducerLike,
  KafkaProducerRecordLike,
  KafkaSenderLike,
  KafkaSubscriptionLike,
  ProducerOptions,
  TracedEachBatchPayload,
} from './kafka/index.js';
export type { SpringBootLine } from './core/fleet.js';

// DB pools.
export type { DbBindOptions, DbHealthOptions, PoolKind } from './db/index.js';
export type { DbInstrumentation } from './db/setup.js';
export { sanitizeSql } from './db/index.js';
