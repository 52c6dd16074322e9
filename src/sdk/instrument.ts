/**
 * instrument(): the one call. Validates options, reads the environment, builds the registry with the `application`
 * and common tags, binds the runtime binders, sets up the actuator (on the app through the Express/Fastify
 * integrations, or on a separate management port) and returns the handle whose shutdown() undoes all of it.
 *
 *   options ─┐
 *   env ─────┼─► ResolvedConfig ─► MeterRegistry ─► binders (each switchable, each unbinds)
 *   pkg name ┘                   └─► ActuatorRouter ─► nm.express() / nm.fastify / management server
 *
 * A second call while a handle is live returns that handle (NMWRN005 if its options differ); so does a call from a
 * second copy of the package. Nothing is registered twice.
 */
import { basename } from 'node:path';
import type { BaseLogger, Logger } from 'pino';
import { setupLogging } from '../logging/index.js';
import { HealthRegistry } from '../health/registry.js';
import { ManagementServer } from '../actuator/management-server.js';
import { ActuatorRouter } from '../actuator/router.js';
import {
  expressErrorHandler,
  expressMiddleware,
  type ExpressErrorMiddleware,
  type ExpressMiddleware,
} from '../http/express.js';
import { HttpClientConvention } from '../http/client-convention.js';
import { observeHttpClients } from '../http/client-observer.js';
import { HttpServerConvention } from '../http/server-convention.js';
import { observeHttpServers } from '../http/server-observer.js';
import { MeterObservationHandler } from '../observation/handlers/meter.js';
import { TracingObservationHandler } from '../observation/handlers/tracing.js';
import { setupTracing, type TracingSetup } from '../tracing/provider.js';
import { KafkaInstrumentation } from '../kafka/index.js';
import { bindPool, type DbBindOptions } from '../db/index.js';
import type { Unbind } from '../metrics/binder.js';
import { ObservationRegistry } from '../observation/registry.js';
import { fastifyPlugin, type FastifyPlugin } from '../http/fastify.js';
import { RUNTIME_BINDERS } from '../metrics/binders/index.js';
import type { BinderContext } from '../metrics/binder.js';
import { MeterRegistry, type ExpositionFormat } from '../metrics/registry.js';
import { resolveConfig, type NodemeterOptions, type ResolvedConfig } from './config.js';
import { readEnv } from './config-env.js';
import { Diag } from '../core/diag.js';
import { globalSlot } from '../core/global.js';
import { Lifecycle } from '../core/lifecycle.js';
import { defaultServiceName } from './service-name.js';

/** What instrument() returns. @since 0.1.0 */
export interface Nodemeter {
  /** The `application` tag and the service name everywhere. */
  readonly serviceName: string;
  /** The options after environment and defaults. */
  readonly config: ResolvedConfig;
  /** Get-or-create counters, gauges and timers; every series carries the common tags. */
  readonly registry: MeterRegistry;
  /** Health indicators shown at `/actuator/health`. */
  readonly health: HealthRegistry;
  /** The actuator endpoints, for node:http servers: `if (nm.actuator.serve(req, res)) return;`. */
  readonly actuator: ActuatorRouter;
  /**
   * The application's pino logger: `traceId`/`spanId` in every line inside a span, `logback_events_total`, console
   * output and, when configured, shipping to a Loki push receiver. `child()` keeps all of it.
   * @experimental
   */
  readonly logger: Logger;
  /** Returns a child of an application's own pino logger with trace ids, counting and shipping. @experimental */
  instrumentLogger<L extends BaseLogger>(logger: L): L;
  /** nodemeter's own diagnostics. */
  readonly diag: Diag;
  /** The observation registry: adapters start observations here, handlers (meters, tracing) react. */
  readonly observations: ObservationRegistry;
  /** Express middleware, first in the stack: `app.use(nm.express())`. */
  express(): ExpressMiddleware;
  /** Express error middleware, last in the stack, so `exception` carries the error's class name. */
  expressErrorHandler(): ExpressErrorMiddleware;
  /** Fastify plugin: `fastify.register(nm.fastify)`. */
  readonly fastify: FastifyPlugin;
  /** The management server's address once it listens; undefined if none is configured or it could not listen. */
  managementAddress(): Promise<{ address: string; port: number } | undefined>;
  /** The exposition, as `/actuator/prometheus` serves it. */
  scrape(format?: ExpositionFormat): Promise<string>;
  /** Database pools: `nm.db.bind(pool, { name })` → hikaricp_* series, `db` health, query spans. */
  readonly db: { bind(pool: unknown, options?: DbBindOptions): Unbind };
  /** kafkajs integration: `nm.kafka.instrument(new Kafka(…))`, or `nm.kafka.producer(p)` / `consumer(c, …)`. */
  readonly kafka: KafkaInstrumentation;
  /** The tracing setup (tracer, flush); undefined when tracing is off. */
  readonly tracing: TracingSetup | undefined;
  /** Unbinds every binder, closes the management server, flushes; never rejects. Safe to call twice. */
  shutdown(): Promise<void>;
  /** True after shutdown() was called. */
  readonly isShutDown: boolean;
}

interface LiveHandle extends Nodemeter {
  readonly fingerprint: string;
}

/**
 * Instruments this process. Throws a NodemeterError (NM_ERR_CONFIG_*) for invalid options; never throws for
 * anything in the environment.
 * @since 0.1.0
 */
export function instrument(options: NodemeterOptions = {}): Nodemeter {
  const { config: envConfig, problems } = readEnv();
  const config = resolveConfig(options, envConfig, defaultServiceName);
  const slot = globalSlot<LiveHandle>();
  const fingerprint = JSON.stringify(config);
  const live = slot.handle;
  if (live && !live.isShutDown) {
    if (live.fingerprint !== fingerprint) {
      live.diag.warnOnce(
        'NMWRN005',
        'NMWRN005 instrument() was called again with other options; the first call\'s handle is returned unchanged',
      );
    }
    return live;
  }

  const diag = new Diag(config.diagLevel);
  for (const problem of problems) diag.warnOnce(`NMWRN001:${problem.variable}`, `NMWRN001 ${problem.message}`);

  const handle = createHandle(config, diag, fingerprint);
  slot.handle = handle;
  return handle;
}

function createHandle(config: ResolvedConfig, diag: Diag, fingerprint: string): LiveHandle {
  const lifecycle = new Lifecycle(diag);
  const registry = new MeterRegistry(
    { application: config.serviceName, ...config.commonTags },
    diag,
    config.metrics.distribution,
  );
  const observations = new ObservationRegistry(diag);
  // Logging first, so it is shut down last (closers run in reverse) and ships what the others log while closing.
  const logging = setupLogging(config.logging, {
    serviceName: config.serviceName,
    registry: config.metrics.enabled ? registry : new MeterRegistry({}, diag),
    diag,
  });
  lifecycle.add('logging', () => logging.shutdown());
  const health = new HealthRegistry();
  const actuator = new ActuatorRouter(config.actuator.basePath, config.actuator.exposure, registry, health, diag);

  if (config.metrics.enabled) {
    const context: BinderContext = {
      diag,
      diskSpacePaths: config.metrics.diskSpacePaths,
      eventLoopResolutionMs: config.metrics.eventLoopResolutionMs,
      mainApplicationClass: process.argv[1] ? basename(process.argv[1]) : 'node',
      instrumentedAt: Date.now(),
    };
    for (const binder of RUNTIME_BINDERS) {
      if (!config.metrics.binders[binder.name]) continue;
      try {
        const unbind = binder.bindTo(registry, context);
        lifecycle.add(`binder ${binder.name}`, unbind);
      } catch (err) {
        diag.warnOnce(`NMWRN006:${binder.name}`, `NMWRN006 binder ${binder.name} failed to bind, its series are left out: ${String(err)}`);
      }
    }
  }

  let management: ManagementServer | undefined;
  if (config.management.port !== undefined) {
    management = new ManagementServer(actuator, config.management.port, config.management.host, diag);
    const server = management;
    lifecycle.add('management server', () => server.close());
  }
  if (config.metrics.enabled) {
    const serverMeter = 'http.server.requests';
    observations.addHandler(
      new MeterObservationHandler(registry, diag, {
        limits: {
          [serverMeter]: { uri: config.http.server.maxUriTags },
          'http.client.requests': { uri: config.http.client.maxUriTags },
        },
      }),
    );
  }
  let tracing: TracingSetup | undefined;
  if (config.tracing.enabled) {
    // With metrics off, the tracer's own counters go to a registry nobody scrapes.
    const selfMetrics = config.metrics.enabled ? registry : new MeterRegistry({}, diag);
    const setup = setupTracing(config.tracing, config.serviceName, selfMetrics, diag);
    tracing = setup;
    lifecycle.add('tracing', () => setup.shutdown());
    observations.addHandler(new TracingObservationHandler(setup.tracer));
  }
  if (config.http.server.enabled) {
    const unsubscribe = observeHttpServers(observations, new HttpServerConvention(), {
      excludePrefix: config.actuator.basePath === '/' ? undefined : config.actuator.basePath,
      isExcludedServer: management ? (server) => management!.isServer(server) : undefined,
      routeResolver: config.http.server.routeResolver,
    });
    lifecycle.add('http server observer', unsubscribe);
  }
  if (config.http.client.enabled) {
    lifecycle.add('http client observer', observeHttpClients(observations, new HttpClientConvention()));
  }

  // As Spring: with a separate management port, the actuator is not served on the application's port.
  const appRouter = management ? undefined : actuator;

  const kafka = new KafkaInstrumentation({ registry, observations, health, diag });
  const dbDeps = { registry, health, observations, diag };
  const db = {
    bind(pool: unknown, options?: DbBindOptions): Unbind {
      if (lifecycle.isShutDown) return () => {};
      const unbind = bindPool(dbDeps, pool, options);
      lifecycle.add('db pool', unbind);
      return unbind;
    },
  };
  lifecycle.add('kafka', () => kafka.close());

  let express: ExpressMiddleware | undefined;
  let expressErrors: ExpressErrorMiddleware | undefined;
  let fastify: FastifyPlugin | undefined;

  const handle: LiveHandle = {
    fingerprint,
    serviceName: config.serviceName,
    config,
    registry,
    health,
    actuator,
    logger: logging.logger,
    instrumentLogger: (l) => logging.instrumentLogger(l),
    diag,
    observations,
    tracing,
    kafka,
    db,
    express() {
      express ??= expressMiddleware(appRouter, observations);
      return express;
    },
    expressErrorHandler() {
      expressErrors ??= expressErrorHandler(observations);
      return expressErrors;
    },
    get fastify() {
      fastify ??= fastifyPlugin(appRouter, observations);
      return fastify;
    },
    async managementAddress() {
      const address = await management?.listening;
      return address ? { address: address.address, port: address.port } : undefined;
    },
    scrape(format) {
      return registry.scrape(format);
    },
    shutdown() {
      const slot = globalSlot<LiveHandle>();
      if (slot.handle === handle) slot.handle = undefined;
      return lifecycle.shutdown();
    },
    get isShutDown() {
      return lifecycle.isShutDown;
    },
  };
  return handle;
}
