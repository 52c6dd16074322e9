/**
 * instrument(): the one call. Validates options, reads the environment, creates the handle's registries, then sets
 * up every integration of INTEGRATIONS in order and folds what each gives into the handle, whose shutdown() undoes
 * all of it in reverse order.
 *
 *   options ─┐
 *   env ─────┼─► ResolvedConfig ─► registry, observations, health, diag
 *   pkg name ┘                         │
 *                                      ▼
 *              for each integration: setup(deps, closers) ─► handle members, shares for the next, shutdown steps
 *
 * A second call while a handle is live returns that handle (Warnings.INSTRUMENT_AGAIN if its options differ); so does a call from a
 * second copy of the package. Nothing is registered twice.
 */
import { Diag } from '../core/diag.js';
import { globalSlot } from '../core/global.js';
import { Lifecycle, type ShutdownCause } from '../core/lifecycle.js';
import { Warnings } from '../core/warnings.js';
import { createHealthRegistry, type HealthRegistry } from '../health/registry.js';
import type { ActuatorRouter } from '../actuator/router.js';
import type { InfoRegistry } from '../actuator/endpoints/info.js';
import type { Availability } from '../health/availability.js';
import type { DbInstrumentation } from '../db/setup.js';
import type { HttpHandle } from '../http/setup.js';
import type { KafkaInstrumentation } from '../kafka/index.js';
import type { NodemeterLogger } from '../logging/public-types.js';
import { reportPromClientLoad } from '../metrics/compat/prom-client.js';
import { PrometheusMeterRegistry, type ExpositionFormat, type MeterRegistry } from '../metrics/registry.js';
import { currentSampledSpan } from '../observation/handlers/exemplar-sampler.js';
import { createObservationRegistry, type ObservationRegistry } from '../observation/registry.js';
import type { TracingSetup } from '../tracing/provider.js';
import { resolveConfig, type NodemeterOptions, type ResolvedConfig } from './config.js';
import { readEnv } from './config-env.js';
import { INTEGRATIONS, type SetupDeps } from './integrations.js';
import { defaultServiceName } from './service-name.js';
import { shutdownOnSignals } from './shutdown.js';

/** What instrument() returns. @since 0.1.0 */
export interface Nodemeter extends HttpHandle {
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
  /** Liveness and readiness, as Spring's ApplicationAvailability (`/actuator/health/liveness`, `/readiness`). */
  readonly availability: Availability;
  /** Contributions to `/actuator/info`: `nm.info.register('team', () => ({ name: 'orders' }))`. */
  readonly info: InfoRegistry;
  /**
   * The application's logger (pino): `traceId`/`spanId` in every line inside a span, `logback_events_total`,
   * console output and, when configured, shipping to a Loki push receiver. `child()` keeps all of it.
   * @experimental
   */
  readonly logger: NodemeterLogger;
  /**
   * Returns a child of an application's own pino logger (pino 7+) with trace ids, counting and shipping.
   * @experimental
   */
  instrumentLogger<L extends object>(logger: L): L;
  /** nodemeter's own diagnostics. */
  readonly diag: Diag;
  /** The observation registry: adapters start observations here, handlers (meters, tracing) react. */
  readonly observations: ObservationRegistry;
  /** The management server's address once it listens; undefined if none is configured or it could not listen. */
  managementAddress(): Promise<{ address: string; port: number } | undefined>;
  /** The exposition, as `/actuator/prometheus` serves it. */
  scrape(format?: ExpositionFormat): Promise<string>;
  /** Database pools: `nm.db.bind(pool, { name })` → hikaricp_* series, `db` health, query spans. */
  readonly db: DbInstrumentation;
  /** kafkajs integration: `nm.kafka.instrument(new Kafka(…))`, or `nm.kafka.producer(p)` / `consumer(c, …)`. */
  readonly kafka: KafkaInstrumentation;
  /** The tracing setup (tracer, flush); undefined when tracing is off. */
  readonly tracing: TracingSetup | undefined;
  /**
   * The ordered shutdown (docs/guides/shutdown.md): readiness answers 503, Kafka handlers in flight finish, spans
   * and log lines are flushed, binders unbound, the management server closed; each phase bounded by
   * `shutdown.timeoutPerPhaseMs`. The application's HTTP servers are closed gracefully only when the shutdown comes
   * from a signal nodemeter handles. Never rejects; a second call (or a signal) gets the same promise.
   */
  shutdown(): Promise<void>;
  /** True after shutdown() was called. */
  readonly isShutDown: boolean;
}

interface LiveHandle extends Nodemeter {
  readonly fingerprint: string;
}

/** The handle's members that integrations give (the rest the root creates itself). */
type IntegrationMembers = Pick<
  Nodemeter,
  keyof HttpHandle | 'actuator' | 'availability' | 'info' | 'logger' | 'instrumentLogger' | 'managementAddress' | 'db' | 'kafka' | 'tracing'
>;

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
    if (live.fingerprint !== fingerprint) live.diag.warn(Warnings.INSTRUMENT_AGAIN, undefined);
    return live;
  }

  const diag = new Diag(config.diagLevel);
  for (const problem of problems) diag.warn(Warnings.ENV_VALUE_IGNORED, problem, problem.variable);

  const handle = createHandle(config, diag, fingerprint);
  slot.handle = handle;
  return handle;
}

function createHandle(config: ResolvedConfig, diag: Diag, fingerprint: string): LiveHandle {
  const lifecycle = new Lifecycle(diag, config.shutdown);
  // The shutdown, by a call or a signal; whichever comes first, the other gets the same promise.
  let stopSignals = (): void => {};
  const shutdown = (cause: ShutdownCause): Promise<void> => {
    const slot = globalSlot<LiveHandle>();
    if (slot.handle === handle) slot.handle = undefined;
    const done = lifecycle.isShutDown;
    const running = lifecycle.shutdown(cause);
    // Signals stay ours until the shutdown is over: a second one meanwhile must not find Node's default.
    return done ? running : running.then(() => stopSignals());
  };
  // With tracing on, counters and timers carry the ids of sampled spans as OpenMetrics exemplars.
  const registry = new PrometheusMeterRegistry(
    { application: config.serviceName, ...config.commonTags },
    diag,
    config.metrics.distribution,
    config.tracing.enabled ? currentSampledSpan : undefined,
  );
  reportPromClientLoad(diag);
  const observations = createObservationRegistry(diag);
  const health = createHealthRegistry();
  const handle: Omit<LiveHandle, keyof IntegrationMembers> = {
    fingerprint,
    serviceName: config.serviceName,
    config,
    registry,
    health,
    diag,
    observations,
    scrape: (format?: ExpositionFormat) => registry.scrape(format),
    shutdown: () => shutdown('call'),
    get isShutDown() {
      return lifecycle.isShutDown;
    },
  };

  // Each setup sees the registries and what earlier entries shared; what it gives goes on the handle. Descriptors
  // are copied so lazy getters (nm.fastify) stay lazy.
  const deps = {
    config,
    serviceName: config.serviceName,
    registry,
    // With metrics off, nodemeter's own counters (logs, spans) go to a registry nobody scrapes.
    ownMetrics: config.metrics.enabled ? registry : new PrometheusMeterRegistry({}, diag),
    observations,
    health,
    diag,
  } as Partial<SetupDeps> as SetupDeps;
  for (const integration of INTEGRATIONS) {
    const parts = integration.setup(deps, lifecycle);
    if (parts.handle) Object.defineProperties(handle, Object.getOwnPropertyDescriptors(parts.handle));
    if (parts.shares) Object.assign(deps, parts.shares);
  }
  stopSignals = shutdownOnSignals(config, shutdown);
  return handle as LiveHandle;
}
