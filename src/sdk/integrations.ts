/**
 * Every integration, in the order instrument() sets them up. Shutdown runs their steps in reverse, so this order
 * is also the shutdown order read backwards:
 *
 *   logging           first, so it is shut down last and ships what the others log while closing
 *   runtime metrics   the binders
 *   cluster           under node:cluster, scrapes answer with the aggregate of every worker (before the actuator,
 *                     which may ask the workers' health over the same exchange)
 *   cluster health    /actuator/health and its probes merge every worker's health over that exchange
 *   actuator          router and management server; shares the router with HTTP
 *   meter handler     observations → timers (before the tracing handler: handlers run in the order added)
 *   tracing           OpenTelemetry provider and the tracing handler (the SDK is loaded only when tracing is on)
 *   http, kafka, db
 *
 * Adding an integration: its `setup.ts` in its own folder (an `Integration` with its own deps interface), one
 * entry here, and its members on the `Nodemeter` handle type. instrument.ts does not change.
 */
import type { Closers, Integration, IntegrationParts } from '../core/integration.js';
import type { Diag } from '../core/diag.js';
import { ACTUATOR } from '../actuator/setup.js';
import type { ActuatorRouter } from '../actuator/router.js';
import type { Availability } from '../health/availability.js';
import { AUTO } from '../auto/setup.js';
import { DB } from '../db/setup.js';
import type { HealthRegistry } from '../health/registry.js';
import { HTTP } from '../http/setup.js';
import { KAFKA } from '../kafka/setup.js';
import { setupLogging } from '../logging/index.js';
import { createLoggingLevels, type LoggingLevels } from '../logging/levels.js';
import { UnhandledErrorLogHandler } from '../logging/unhandled-errors.js';
import type { NodemeterLogger } from '../logging/public-types.js';
import type { MeterRegistry } from '../metrics/registry.js';
import { RUNTIME_METRICS } from '../metrics/setup.js';
import { CLUSTER_METRICS } from '../metrics/cluster/setup.js';
import { CLUSTER_HEALTH } from '../health/cluster.js';
import type { ClusterExchange } from '../metrics/cluster/exchange.js';
import { MeterObservationHandler } from '../observation/handlers/meter.js';
import { TracingObservationHandler } from '../observation/handlers/tracing.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { setupTracing, type TracingSetup } from '../tracing/provider.js';
import type { ResolvedConfig } from './config.js';

/**
 * What the root gives every setup: the handle's registries, and what earlier entries shared. Each integration asks
 * for a part of it through its own deps interface (declared in its folder); the compiler checks this satisfies it.
 */
export interface SetupDeps {
  readonly config: ResolvedConfig;
  readonly serviceName: string;
  readonly registry: MeterRegistry;
  /** Where nodemeter's own counters go: the registry, or, with metrics off, one nobody scrapes. */
  readonly ownMetrics: MeterRegistry;
  readonly observations: ObservationRegistry;
  readonly health: HealthRegistry;
  readonly diag: Diag;
  // Shared by the actuator.
  readonly actuator: ActuatorRouter;
  readonly appRouter: ActuatorRouter | undefined;
  readonly isManagementServer: ((server: unknown) => boolean) | undefined;
  // Shared by cluster mode: questions to every process of a node:cluster (aggregate scrape; health may use it).
  readonly cluster: ClusterExchange;
  readonly availability: Availability;
  // Shared by logging.
  readonly loggerLevels: LoggingLevels;
}

/** One entry of the list: an integration with the options it is given. */
export interface Entry {
  readonly name: string;
  readonly setup: (deps: SetupDeps, closers: Closers) => IntegrationParts;
}

/** Gives `integration` its own options, picked from the resolved configuration. */
function entry<O>(integration: Integration<SetupDeps & { readonly options: O }>, options: (config: ResolvedConfig) => O): Entry {
  return {
    name: integration.name,
    setup: (deps, closers) => integration.setup({ ...deps, options: options(deps.config) }, closers),
  };
}

const LOGGING: Integration<SetupDeps> = {
  name: 'logging',
  setup({ config, serviceName, ownMetrics, observations, diag }, closers) {
    // The logs are flushed by the whole ordered shutdown, which the root runs on signals (sdk/shutdown.ts): the
    // logging setup must not listen to them itself.
    const logging = setupLogging({ ...config.logging, flushOnSignals: false }, { serviceName, registry: ownMetrics, diag });
    closers.add('logging', () => logging.shutdown());
    // Errors escaping request handlers and Kafka listeners are logged once, at ERROR (logging/unhandled-errors.ts).
    const unhandled = new UnhandledErrorLogHandler(() => logging.logger, config.logging.keys);
    closers.add('unhandled error log', observations.addHandler(unhandled));
    // And the uncaught exception or unhandled rejection ending the process (a bare node:http listener's).
    closers.add('uncaught error log', unhandled.monitorProcess());
    // /actuator/loggers reads and sets the levels of the application logger and its named children.
    const loggerLevels = createLoggingLevels(() => logging.logger);
    return {
      shares: { loggerLevels },
      handle: {
        // A getter: the logger (and pino) is created on first read, not here (logging/index.ts).
        get logger(): NodemeterLogger {
          const logger = logging.logger;
          loggerLevels.attach(logger);
          return logger as NodemeterLogger;
        },
        // The public signature takes any object; what reaches here is a pino logger (docs say so).
        instrumentLogger: (logger: object) => logging.instrumentLogger(logger as never),
      },
    };
  },
};

/**
 * Observations become Micrometer timers; the `uri` guard of HTTP's meters comes from the HTTP options. Always on:
 * `metrics.enabled=false` only skips the runtime binders (RUNTIME_METRICS), as Spring's `management.metrics.enable.*`
 * for JVM/system meters does; HTTP, Kafka and DB timers and the application's own meters stay in the scrape.
 */
const METER_HANDLER: Integration<SetupDeps> = {
  name: 'meter handler',
  setup({ config, registry, observations, diag }) {
    observations.addHandler(
      new MeterObservationHandler(registry, diag, {
        limits: {
          'http.server.requests': { uri: config.http.server.maxUriTags },
          'http.client.requests': { uri: config.http.client.maxUriTags },
        },
        exemplars: config.tracing.enabled,
      }),
    );
    return {};
  },
};

const TRACING: Integration<SetupDeps, { readonly tracing: TracingSetup | undefined }> = {
  name: 'tracing',
  setup({ config, serviceName, ownMetrics, observations, diag }, closers) {
    if (!config.tracing.enabled) return { handle: { tracing: undefined } };
    const tracing = setupTracing(config.tracing, serviceName, ownMetrics, diag);
    closers.add('tracing', () => tracing.shutdown());
    observations.addHandler(new TracingObservationHandler(tracing.tracer, tracing.enterContext, tracing.headSampler));
    return { handle: { tracing } };
  },
};

/** The list instrument() folds. */
export const INTEGRATIONS: readonly Entry[] = [
  LOGGING,
  entry(RUNTIME_METRICS, (c) => c.metrics),
  CLUSTER_METRICS,
  CLUSTER_HEALTH,
  entry(ACTUATOR, (c) => ({ actuator: c.actuator, management: c.management })),
  METER_HANDLER,
  TRACING,
  entry(HTTP, (c) => c.http),
  entry(KAFKA, (c) => ({ springBoot: c.springBoot })),
  DB,
  // Last: it hands the application's objects to the integrations above.
  entry(AUTO, (c) => c.auto),
];
