/**
 * The actuator as one integration: the router every server serves through, and, when a management port is
 * configured, the separate management server (Spring's `management.server.port`). With a separate port the
 * actuator is not served on the application's port, as in Spring; later integrations (HTTP) receive the router to
 * mount (`appRouter`, undefined then) and a way to recognise the management server, whose requests are not observed.
 */
import type { Diag } from '../core/diag.js';
import type { Integration } from '../core/integration.js';
import type { HealthRegistry } from '../health/registry.js';
import type { MeterRegistry } from '../metrics/registry.js';
import { ManagementServer } from './management-server.js';
import type { ResolvedActuatorConfig, ResolvedManagementConfig } from './options.js';
import { createActuatorRouter, type ActuatorRouter } from './router.js';

/** What the actuator needs. */
export interface ActuatorDeps {
  readonly options: { readonly actuator: ResolvedActuatorConfig; readonly management: ResolvedManagementConfig };
  readonly registry: MeterRegistry;
  readonly health: HealthRegistry;
  readonly diag: Diag;
}

/** What the actuator adds to the handle. */
export interface ActuatorHandle {
  readonly actuator: ActuatorRouter;
  managementAddress(): Promise<{ address: string; port: number } | undefined>;
}

/** What later integrations receive from the actuator. */
export interface ActuatorShares {
  /** The router, for its base path. */
  readonly actuator: ActuatorRouter;
  /** The router to mount on the application's servers; undefined when a management server serves it instead. */
  readonly appRouter: ActuatorRouter | undefined;
  /** True for the management server (its requests are not observed); undefined without one. */
  readonly isManagementServer: ((server: unknown) => boolean) | undefined;
}

export const ACTUATOR: Integration<ActuatorDeps, ActuatorHandle, ActuatorShares> = {
  name: 'actuator',
  setup({ options, registry, health, diag }, closers) {
    const actuator = createActuatorRouter({ ...options.actuator, registry, health, diag });
    const { port, host } = options.management;
    const management = port === undefined ? undefined : new ManagementServer(actuator, port, host, diag);
    if (management) closers.add('management server', () => management.close());
    return {
      handle: {
        actuator,
        async managementAddress() {
          const address = await management?.listening;
          return address ? { address: address.address, port: address.port } : undefined;
        },
      },
      shares: {
        actuator,
        appRouter: management ? undefined : actuator,
        isManagementServer: management ? (server) => management.isServer(server) : undefined,
      },
    };
  },
};
