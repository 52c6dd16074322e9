/**
 * Express without `app.use(nm.express())`:
 * - route templates: the request observation of every node:http server asks a route resolver when it stops; for
 *   requests that Express routed (`req.route` and `req.app` set by Express itself) it gets the template from the
 *   mounted routers' own patterns (http/express-route.ts), exactly as the middleware does. Subscribed to the same
 *   `http.server.request.start` channel after the HTTP integration, so the observation exists; a resolver the
 *   application configured (`http.server.routeResolver`) is kept.
 * - errors: Express 4 and 5 hand an unhandled error to `finalhandler` (its last handler, the one that answers
 *   500); the factory is wrapped (hooks.ts) so the error reaches the observation (`exception` tag, span status),
 *   as `nm.expressErrorHandler()` does.
 * - the request's span is current in every handler: the server observer enters it for every request.
 * The actuator is not mounted on the application's routes: under nodemeter/register it has its own port.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { ObservationRegistry } from '../observation/registry.js';
import { expressRouteTemplate, type ExpressRequestLike } from '../http/express-route.js';
import { serverContextOf } from '../http/server-context.js';

const CHANNEL = 'http.server.request.start';

function expressRoute(req: IncomingMessage): string | undefined {
  const r = req as IncomingMessage & ExpressRequestLike;
  // Not an Express request (Fastify's, a plain handler's): no template from here.
  if (r.route === undefined || r.app === undefined) return undefined;
  return expressRouteTemplate(r);
}

/** Gives every observed request Express's route resolver unless it has one; returns the unsubscribe function. */
export function resolveExpressRoutes(): () => void {
  const onStart = (message: unknown): void => {
    const ctx = serverContextOf((message as { request: IncomingMessage }).request);
    if (ctx !== undefined && ctx.routeResolver === undefined) ctx.routeResolver = expressRoute;
  };
  diagnosticsChannel.subscribe(CHANNEL, onStart);
  return () => diagnosticsChannel.unsubscribe(CHANNEL, onStart);
}

type FinalHandler = (req: IncomingMessage, res: unknown, options?: unknown) => (err?: unknown) => void;

/** finalhandler's factory, wrapped: the error it is called with is recorded on the request's observation. */
export function wrapFinalHandler(mod: { exports: unknown }, observations: () => ObservationRegistry | undefined): boolean {
  const original = mod.exports as FinalHandler;
  if (typeof original !== 'function') return false;
  const finalhandler: FinalHandler = function (this: unknown, req, res, options) {
    const done = original.call(this, req, res, options);
    return function (this: unknown, err?: unknown): void {
      if (err !== undefined && err !== null && err !== false) {
        const ctx = serverContextOf(req);
        const registry = observations();
        if (ctx !== undefined && registry !== undefined) registry.error(ctx, err);
      }
      done.call(this, err);
    };
  };
  Object.assign(finalhandler, original);
  mod.exports = finalhandler;
  return true;
}
