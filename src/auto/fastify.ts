/**
 * Fastify without `fastify.register(nm.fastify)`: Fastify 4 and 5 publish each new instance on the
 * `fastify.initialization` diagnostics channel from inside `fastify()`, before the application registers anything;
 * nodemeter registers its plugin there (not encapsulated, so its hooks see every route), which gives route
 * templates (`routeOptions.url`), the request scope around hooks and handlers, and errors for the `exception` tag.
 * An application that also registers `nm.fastify` itself runs its hooks twice (same route, same scope: harmless,
 * but `NODEMETER_AUTO_FASTIFY=false` saves the work).
 */
import diagnosticsChannel from 'node:diagnostics_channel';

const CHANNEL = 'fastify.initialization';
const kRegistered = Symbol.for('nodemeter.0.fastify.registered');

interface FastifyInstanceLike {
  register(plugin: unknown): unknown;
  [kRegistered]?: boolean;
}

/** Registers `plugin()` on every Fastify instance created from now on; returns the unsubscribe function. */
export function registerOnFastify(plugin: () => unknown, report: (what: string, error: unknown) => void): () => void {
  const onInit = (message: unknown): void => {
    const fastify = (message as { fastify?: FastifyInstanceLike }).fastify;
    if (fastify === undefined || fastify[kRegistered] === true) return;
    try {
      const p = plugin();
      if (p === undefined) return; // nodemeter shut down
      fastify[kRegistered] = true;
      fastify.register(p);
    } catch (err) {
      report('fastify instance', err);
    }
  };
  diagnosticsChannel.subscribe(CHANNEL, onInit);
  return () => diagnosticsChannel.unsubscribe(CHANNEL, onInit);
}
