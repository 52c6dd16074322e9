/**
 * The actuator as one integration: the router every server serves through, the availability states and their
 * health indicators (with `ping` and `diskSpace`), and, when a management port is configured, the separate
 * management server (Spring's `management.server.port`). With a separate port the actuator is not served on the
 * application's port, as in Spring, unless that port cannot be listened on: then the application's routes serve it
 * (fallback, see management-server.ts). Later integrations (HTTP) receive the router to mount (`appRouter`: it
 * answers only while no management server serves) and a way to recognise the management server, whose requests are
 * not observed.
 */
import type { Diag } from '../core/diag.js';
import type { Integration } from '../core/integration.js';
import { Warnings } from '../core/warnings.js';
import { createAvailability, registerAvailabilityIndicators, type Availability } from '../health/availability.js';
import { diskSpaceIndicator } from '../health/disk-space.js';
import type { HealthRegistry } from '../health/registry.js';
import type { MeterRegistry } from '../metrics/registry.js';
import type { InfoRegistry } from './endpoints/info.js';
import type { LoggerLevels } from './endpoints/loggers.js';
import { ManagementServer } from './management-server.js';
import { ENDPOINT_IDS, type ResolvedActuatorConfig, type ResolvedManagementConfig } from './options.js';
import { createActuatorRouter, type ActuatorRouter } from './router.js';

/** What the actuator needs. */
export interface ActuatorDeps {
  readonly options: { readonly actuator: ResolvedActuatorConfig; readonly management: ResolvedManagementConfig };
  readonly registry: MeterRegistry;
  readonly health: HealthRegistry;
  readonly diag: Diag;
  /** The application logger's levels (from logging), for `/actuator/loggers`. */
  readonly loggerLevels?: LoggerLevels;
}

/** What the actuator adds to the handle. */
export interface ActuatorHandle {
  readonly actuator: ActuatorRouter;
  /** Liveness and readiness, as Spring's ApplicationAvailability. */
  readonly availability: Availability;
  /** Contributions to `/actuator/info`. */
  readonly info: InfoRegistry;
  managementAddress(): Promise<{ address: string; port: number } | undefined>;
}

/** What later integrations receive from the actuator. */
export interface ActuatorShares {
  /** The router, for its base path. */
  readonly actuator: ActuatorRouter;
  /** The router to mount on the application's servers; it answers only while no management server serves. */
  readonly appRouter: ActuatorRouter | undefined;
  /** True for the management server (its requests are not observed); undefined without one. */
  readonly isManagementServer: ((server: unknown) => boolean) | undefined;
  /** Liveness and readiness (graceful shutdown turns readiness to REFUSING_TRAFFIC). */
  readonly availability: Availability;
}

/** The router as the application's routes see it: silent while `active()` is false. */
function appView(router: ActuatorRouter, active: () => boolean): ActuatorRouter {
  return {
    get basePath() {
      return router.basePath;
    },
    paths: () => router.paths(),
    matches: (path) => active() && router.matches(path),
    handle: (method, url, headers, body) => (active() ? router.handle(method, url, headers, body) : Promise.resolve(undefined)),
    serve: (req, res) => active() && router.serve(req, res),
  };
}

export const ACTUATOR: Integration<ActuatorDeps, ActuatorHandle, ActuatorShares> = {
  name: 'actuator',
  setup({ options, registry, health, diag, loggerLevels }, closers) {
    const config = options.actuator;
    for (const id of config.unknownEndpoints) diag.warn(Warnings.ACTUATOR_UNKNOWN_ENDPOINT, { id, known: ENDPOINT_IDS.join(', ') }, id);

    const availability = createAvailability();
    const removeDisk = health.register('diskSpace', diskSpaceIndicator());
    closers.add('disk space health', removeDisk);
    // Not removed at shutdown (they hold nothing): health answers OUT_OF_SERVICE during and after the shutdown.
    if (config.health.probes) registerAvailabilityIndicators(health, availability);
    // Shutdown's first step, as Spring on context close: the readiness probe answers 503 before anything closes.
    closers.add('readiness', () => availability.setReadiness('REFUSING_TRAFFIC'), 'refuse');

    const actuator = createActuatorRouter({
      basePath: config.basePath,
      exposure: config.exposure,
      registry,
      health,
      diag,
      config,
      loggers: loggerLevels,
      // nodemeter's registry knows its common tags (`application`, …); a user's own registry may not.
      commonTags: (registry as { readonly commonTags?: Readonly<Record<string, string>> }).commonTags,
    });
    const { port, host, onPortTaken } = options.management;
    const management = port === undefined ? undefined : new ManagementServer(actuator, port, host, diag, onPortTaken);
    if (management) closers.add('management server', () => management.close());
    return {
      handle: {
        actuator,
        availability,
        info: actuator.info,
        async managementAddress() {
          const address = await management?.listening;
          return address ? { address: address.address, port: address.port } : undefined;
        },
      },
      shares: {
        actuator,
        appRouter: management ? appView(actuator, () => management.failed) : actuator,
        isManagementServer: management ? (server) => management.isServer(server) : undefined,
        availability,
      },
    };
  },
};
