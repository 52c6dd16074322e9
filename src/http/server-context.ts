/**
 * The observation context of one incoming HTTP request. Created for every request of every node:http server (see
 * server-observer.ts); framework integrations add what only they know: the route template and the error.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { ReceiverContext, type CarrierGetter } from '../observation/context.js';
import type { ObservationConvention } from '../observation/convention.js';

const kServerContext = Symbol('nodemeter.http.serverContext');

/** Incoming headers: node:http lower-cases their names, as propagators ask for them. */
const HEADERS_GETTER: CarrierGetter<IncomingHttpHeaders> = {
  get: (headers, key) => headers[key],
  keys: (headers) => Object.keys(headers),
};

/** Resolves the route template of a request after routing (Express knows it only then). */
export type RouteResolver = (req: IncomingMessage) => string | undefined;

/** @since 0.1.0 */
export class HttpServerContext extends ReceiverContext<IncomingHttpHeaders> {
  readonly kind = 'server' as const;
  /** The route template in Spring form, once known. */
  route: string | undefined = undefined;
  routeResolver: RouteResolver | undefined = undefined;
  /** The connection closed before the response was complete. */
  aborted = false;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly convention: ObservationConvention<HttpServerContext>,
  ) {
    super(request.headers, HEADERS_GETTER);
  }

  /**
   * The route template: set, or resolved now, or undefined when no route matched. A resolver's answer is kept only
   * once the observation stopped: before that it may not know the response yet (the actuator's resolver gives an
   * unknown endpoint no mapping only once its 404 is written), and a sampled span asks for its name at start.
   */
  resolveRoute(): string | undefined {
    if (this.route !== undefined || this.routeResolver === undefined) return this.route;
    let route: string | undefined;
    try {
      route = this.routeResolver(this.request);
    } catch {
      route = undefined;
    }
    if (this.stopped) this.route = route;
    return route;
  }
}

export function attachServerContext(req: IncomingMessage, res: ServerResponse, ctx: HttpServerContext): void {
  (req as unknown as Record<symbol, unknown>)[kServerContext] = ctx;
  (res as unknown as Record<symbol, unknown>)[kServerContext] = ctx;
}

/** The context of a request (or its response), if nodemeter observes it. @since 0.1.0 */
export function serverContextOf(reqOrRes: IncomingMessage | ServerResponse | object): HttpServerContext | undefined {
  return (reqOrRes as Record<symbol, HttpServerContext | undefined>)[kServerContext];
}
