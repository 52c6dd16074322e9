/**
 * HTTP as one integration: every node:http server's requests and every outgoing call observed through the
 * diagnostics channels, and the framework entries of the handle (`nm.express()`, `nm.expressErrorHandler()`,
 * `nm.fastify`), each created on first use.
 */
import type { Integration } from '../core/integration.js';
import type { ActuatorRouter } from '../actuator/router.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { HttpClientConvention } from './client-convention.js';
import { observeHttpClients } from './client-observer.js';
import { expressErrorHandler, expressMiddleware, type ExpressErrorMiddleware, type ExpressMiddleware } from './express.js';
import { fastifyPlugin, type FastifyPlugin } from './fastify.js';
import type { ResolvedHttpConfig } from './options.js';
import { HttpServerConvention } from './server-convention.js';
import { observeHttpServers } from './server-observer.js';
import { HttpServerDrain } from './server-drain.js';

/** What the HTTP integration needs. */
export interface HttpDeps {
  readonly options: ResolvedHttpConfig;
  readonly observations: ObservationRegistry;
  /** The actuator, whose requests on the application's port get the endpoint's mapping as `uri`. */
  readonly actuator: ActuatorRouter;
  /** The router the framework entries mount; undefined when a management server serves the actuator. */
  readonly appRouter: ActuatorRouter | undefined;
  /** Servers whose requests are not observed (the management server). */
  readonly isManagementServer: ((server: unknown) => boolean) | undefined;
}

/** What HTTP adds to the handle. @since 0.1.0 */
export interface HttpHandle {
  /** Express middleware, first in the stack: `app.use(nm.express())`. */
  express(): ExpressMiddleware;
  /** Express error middleware, last in the stack, so `exception` carries the error's class name. */
  expressErrorHandler(): ExpressErrorMiddleware;
  /** Fastify plugin: `fastify.register(nm.fastify)`. */
  readonly fastify: FastifyPlugin;
}

export const HTTP: Integration<HttpDeps, HttpHandle> = {
  name: 'http',
  setup({ options, observations, actuator, appRouter, isManagementServer }, closers) {
    if (options.server.enabled) {
      const basePath = actuator.basePath;
      const unsubscribe = observeHttpServers(observations, new HttpServerConvention(), {
        actuatorPrefix: basePath === '/' ? undefined : basePath,
        isExcludedServer: isManagementServer,
        routeResolver: options.server.routeResolver,
      });
      closers.add('http server observer', unsubscribe);
      // Graceful shutdown of the servers the process serves on: only when nodemeter handles the signal (they are
      // the application's; a call of shutdown() alone leaves them open). See server-drain.ts.
      const drain = new HttpServerDrain(isManagementServer);
      closers.add('http server drain handler', observations.addHandler(drain));
      closers.add('http server listen watch', drain.watchListening());
      closers.add('http servers', (deadline) => drain.drain(deadline), 'drain', true);
    }
    if (options.client.enabled) {
      closers.add('http client observer', observeHttpClients(observations, new HttpClientConvention()));
    }

    let express: ExpressMiddleware | undefined;
    let expressErrors: ExpressErrorMiddleware | undefined;
    let fastify: FastifyPlugin | undefined;
    return {
      handle: {
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
      },
    };
  },
};
