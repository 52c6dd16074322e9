/**
 * nodemeter: Micrometer + Spring Boot Actuator for Node.js.
 *
 * ```ts
 * import { instrument } from 'nodemeter';
 * const nm = instrument({ serviceName: 'order-service' });
 * app.use(nm.express());            // /actuator/prometheus, /actuator/health
 * ```
 * @packageDocumentation
 */
export { instrument } from './sdk/instrument.js';
export type { Nodemeter } from './sdk/instrument.js';
export type {
  ActuatorOptions,
  EndpointId,
  ManagementOptions,
  MetricsOptions,
  NodemeterOptions,
  ResolvedConfig,
} from './sdk/config.js';
export { ErrorCodes, NodemeterError, isNodemeterError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export { WarningCodes } from './core/warnings.js';
export type { WarningCode } from './core/warnings.js';
export { Diag } from './core/diag.js';
export type { DiagLevel, DiagSink } from './core/diag.js';
export { VERSION } from './core/version.js';
export { MeterRegistry, CONTENT_TYPES } from './metrics/registry.js';
export type {
  CounterOptions,
  ExpositionFormat,
  FunctionCounterOptions,
  GaugeOptions,
  Meter,
  MeterOptions,
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
export { HealthRegistry } from './health/registry.js';
export type { Health, HealthIndicator, HealthResponse, HealthStatus } from './health/registry.js';
export { ActuatorRouter } from './actuator/router.js';
export type { ActuatorResponse } from './actuator/router.js';
export type { ExpressMiddleware, ExpressErrorMiddleware } from './http/express.js';
export { withUriTemplate } from './http/uri-template.js';
export { ObservationRegistry } from './observation/registry.js';
export { ObservationContext } from './observation/context.js';
export type { ObservationKind } from './observation/context.js';
export type { ObservationConvention, KeyValues } from './observation/convention.js';
export type { ObservationHandler } from './observation/handler.js';
export { HttpServerContext } from './http/server-context.js';
export { HttpClientContext } from './http/client-context.js';
export type { HttpOptions, DistributionOptions, TracingOptions } from './sdk/config.js';
export { KafkaInstrumentation } from './kafka/index.js';
export type { ConsumerOptions, InstrumentKafkaOptions, KafkaLike, ProducerOptions, TracedEachBatchPayload } from './kafka/index.js';
export type { PropagationType } from './tracing/propagation.js';
export type { DbBindOptions, DbHealthOptions, PoolKind } from './db/index.js';
export { sanitizeSql } from './db/index.js';
export type { LoggingOptions, LokiOptions, LogLevelName, CorrelationKeys } from './logging/options.js';
export type { FastifyPlugin } from './http/fastify.js';
