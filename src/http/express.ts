/**
 * Express integration: `app.use(nm.express())`. Serves the actuator endpoints on the application's own port
 * (unless a separate management port is configured, as Spring does). Works with Express 4 and 5 and any
 * connect-style stack, because it only uses node:http's request and response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActuatorRouter } from '../actuator/router.js';

/** A connect/Express middleware. @since 0.1.0 */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export function expressMiddleware(router: ActuatorRouter | undefined): ExpressMiddleware {
  return function nodemeter(req, res, next) {
    if (router === undefined || !router.serve(req, res)) next();
  };
}
