/**
 * Fastify integration: `fastify.register(nm.fastify)`. Wrapped with fastify-plugin so it is not encapsulated:
 * the routes and (in later versions) the hooks apply to the whole application. Fastify 4 and 5.
 */
import fp from 'fastify-plugin';
import type { ActuatorRouter } from '../actuator/router.js';

/** The parts of a Fastify instance nodemeter uses (kept structural so fastify stays an optional peer). */
interface FastifyLike {
  route(options: {
    method: string;
    url: string;
    logLevel?: string;
    handler: (request: { method: string; url: string; headers: Record<string, string | string[] | undefined> }, reply: FastifyReplyLike) => Promise<unknown>;
  }): unknown;
}

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body?: unknown): FastifyReplyLike;
}

/** A Fastify plugin, as `fastify.register()` takes it. @since 0.1.0 */
export type FastifyPlugin = ((instance: never, options: unknown, done: (err?: Error) => void) => void) & {
  [key: symbol]: unknown;
};

export function fastifyPlugin(router: ActuatorRouter | undefined): FastifyPlugin {
  function nodemeter(fastify: FastifyLike, _options: unknown, done: (err?: Error) => void): void {
    if (router) {
      for (const url of router.paths()) {
        fastify.route({
          method: 'GET',
          url,
          // Scrapes every few seconds should not fill the application's request log.
          logLevel: 'warn',
          handler: async (request, reply) => {
            const response = await router.handle(request.method, request.url, request.headers);
            if (!response) return reply.code(404).send();
            return reply.code(response.status).header('content-type', response.contentType).send(response.body);
          },
        });
      }
    }
    done();
  }
  return fp(nodemeter as never, { name: 'nodemeter', fastify: '4.x || 5.x' }) as unknown as FastifyPlugin;
}
