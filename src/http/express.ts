/**
 * Express integration (4 and 5, and any connect-style stack).
 *
 *   app.use(nm.express());              first: actuator endpoints, route templates, request scope
 *   … your routes …
 *   app.use(nm.expressErrorHandler());  last: gives the `exception` tag the error's class name, and logs an
 *                                       unanswered error at ERROR once (logging/unhandled-errors.ts)
 *
 * Timing and status come from the request observation every node:http server gets (server-observer.ts); this
 * middleware only adds what Express alone knows: the matched route (the patterns of the mounted routers along
 * `req.baseUrl`, then `req.route.path`, read when the response closes, so nested routers count; express-route.ts)
 * and the error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActuatorRouter } from '../actuator/router.js';
import { UNHANDLED_ERROR } from '../observation/events.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { expressRouteTemplate, type ExpressRequestLike } from './express-route.js';
import { serverContextOf } from './server-context.js';

/** A connect/Express middleware. @since 0.1.0 */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** An Express error-handling middleware (four arguments). @since 0.1.0 */
export type ExpressErrorMiddleware = (err: unknown, req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

function expressRoute(req: IncomingMessage): string | undefined {
  return expressRouteTemplate(req as IncomingMessage & ExpressRequestLike);
}

export function expressMiddleware(router: ActuatorRouter | undefined, observations: ObservationRegistry): ExpressMiddleware {
  return function nodemeter(req, res, next) {
    if (router !== undefined && router.serve(req, res)) return;
    const ctx = serverContextOf(req);
    if (ctx === undefined) {
      next();
      return;
    }
    ctx.routeResolver = expressRoute;
    // Body parsers read the request in 'data'/'end' listeners, whose callbacks would lose the trace context; bound,
    // they keep it. Only requests with a body need it, and binding costs, so GETs skip it.
    const h = req.headers;
    if (h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) observations.bindEmitter(ctx, req);
    observations.inScope(ctx, next);
  };
}

/**
 * The status Express's final handler answers an error with: the error's own 4xx/5xx `status`/`statusCode`, else
 * the response's if it is already 4xx/5xx, else 500 (finalhandler's rule).
 */
function finalStatus(err: unknown, res: ServerResponse): number {
  if (err !== null && typeof err === 'object') {
    const s = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
    if (typeof s === 'number' && s >= 400 && s < 600) return s;
  }
  return res.statusCode >= 400 && res.statusCode < 600 ? res.statusCode : 500;
}

export function expressErrorHandler(observations: ObservationRegistry): ExpressErrorMiddleware {
  return function nodemeterErrors(err, req, res, next) {
    const ctx = serverContextOf(req);
    if (ctx !== undefined) {
      observations.error(ctx, err);
      // Only errors no handler of the application answered reach here; a 5xx is logged at ERROR, as Spring does
      // (Express itself prints the stack to stderr only).
      if (finalStatus(err, res) >= 500) observations.event(ctx, UNHANDLED_ERROR);
    }
    next(err);
  };
}
