/**
 * Express integration (4 and 5, and any connect-style stack).
 *
 *   app.use(nm.express());              first: actuator endpoints, route templates, request scope
 *   … your routes …
 *   app.use(nm.expressErrorHandler());  last: gives the `exception` tag the error's class name
 *
 * Timing and status come from the request observation every node:http server gets (server-observer.ts); this
 * middleware only adds what Express alone knows: the matched route (`req.baseUrl + req.route.path`, read when the
 * response closes, so nested routers count) and the error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActuatorRouter } from '../actuator/router.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { toRouteTemplate } from './route.js';
import { serverContextOf } from './server-context.js';

/** A connect/Express middleware. @since 0.1.0 */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** An Express error-handling middleware (four arguments). @since 0.1.0 */
export type ExpressErrorMiddleware = (err: unknown, req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
  params?: Record<string, string>;
}

/**
 * `req.baseUrl` is the path the routers matched, not their mount patterns: a router mounted at
 * `/users/:userId/orders` gives `/users/42/orders`. Segments equal to a parameter value become `{name}` again.
 * Express only shows a parent router's parameters with `mergeParams: true`; without it the matched path stays
 * (bounded by maxUriTags, as any other cardinality leak).
 */
function baseTemplate(base: string, params: Record<string, string> | undefined): string {
  if (base === '' || params === undefined) return base;
  const names = Object.keys(params);
  if (names.length === 0) return base;
  const segments = base.split('/');
  let changed = false;
  for (let i = 1; i < segments.length; i++) {
    let segment = segments[i] as string;
    try {
      segment = decodeURIComponent(segment);
    } catch {
      // Not percent-encoded text: compare as is.
    }
    for (const name of names) {
      if (params[name] === segment && segment !== '') {
        segments[i] = `{${name}}`;
        changed = true;
        break;
      }
    }
  }
  return changed ? segments.join('/') : base;
}

// baseUrl → route path → template: two Map lookups per request, no string built once a route has been seen.
const templates = new Map<string, Map<unknown, string>>();

function expressRoute(req: IncomingMessage): string | undefined {
  const r = req as ExpressRequest;
  const path = r.route?.path;
  if (path === undefined) return undefined;
  const base = baseTemplate(r.baseUrl ?? '', r.params);
  let byPath = templates.get(base);
  if (byPath === undefined) {
    byPath = new Map();
    if (templates.size < 10_000) templates.set(base, byPath);
  }
  let t = byPath.get(path);
  if (t === undefined) {
    const p = typeof path === 'string' ? path : String(path);
    // A router mounted at /orders with a route '/' serves /orders, not /orders/.
    t = toRouteTemplate(base !== '' && p === '/' ? base : base + p);
    if (byPath.size < 10_000) byPath.set(path, t);
  }
  return t;
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

export function expressErrorHandler(observations: ObservationRegistry): ExpressErrorMiddleware {
  return function nodemeterErrors(err, req, _res, next) {
    const ctx = serverContextOf(req);
    if (ctx !== undefined) observations.error(ctx, err);
    next(err);
  };
}
