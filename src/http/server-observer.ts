/**
 * One observation per incoming HTTP request, for every node:http (and https) server in the process, from Node's
 * `http.server.request.start` diagnostics channel: no monkey-patching, and Express, Fastify, NestJS or a bare
 * server all go through the same code. The observation stops when the response closes; a response that closes
 * before it finished is an aborted request. Start and stop are the registry's lifecycle: this file only says when.
 *
 * Requests to the actuator on the application's port are observed, with the endpoint's mapping as `uri`
 * (actuator-route.ts), as Spring Boot observes its own; requests to the management server are not (Spring does not
 * observe a separate management port either: both measured on Boot 3.5.7 and 4.0.7).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ObservationRegistry } from '../observation/registry.js';
import type { ObservationConvention } from '../observation/convention.js';
import { actuatorRouteResolver } from './actuator-route.js';
import { attachServerContext, HttpServerContext, serverContextOf, type RouteResolver } from './server-context.js';

const CHANNEL = 'http.server.request.start';

/** @since 0.1.0 */
export interface HttpServerObserverOptions {
  /** Paths starting with this prefix are the actuator's (its base path): their `uri` is the endpoint's mapping. */
  actuatorPrefix?: string;
  /** Servers whose requests are not observed (the management server). */
  isExcludedServer?: (server: Server) => boolean;
  /** Route template for requests no framework integration annotates. */
  routeResolver?: RouteResolver;
}

interface StartMessage {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
}

/** Subscribes; returns the function that unsubscribes. */
export function observeHttpServers(
  observations: ObservationRegistry,
  convention: ObservationConvention<HttpServerContext>,
  options: HttpServerObserverOptions = {},
): () => void {
  const prefix = options.actuatorPrefix;
  const actuatorRoute = prefix === undefined ? undefined : actuatorRouteResolver(prefix);
  const excludedServer = options.isExcludedServer;
  // One listener function for every response: no closure per request.
  const onClose = function (this: ServerResponse): void {
    const ctx = serverContextOf(this);
    if (ctx === undefined || ctx.stopped) return;
    ctx.aborted = !this.writableFinished;
    observations.stop(ctx);
  };
  const onStart = (message: unknown): void => {
    const { request, response, server } = message as StartMessage;
    if (excludedServer !== undefined && excludedServer(server)) return;
    if (serverContextOf(request) !== undefined) return; // another copy of nodemeter observes it already
    const ctx = new HttpServerContext(request, response, convention);
    ctx.routeResolver = options.routeResolver;
    if (prefix !== undefined) {
      const url = request.url;
      if (url !== undefined && url.startsWith(prefix) && (url.length === prefix.length || '/?'.includes(url[prefix.length] as string))) {
        ctx.routeResolver = actuatorRoute;
      }
    }
    attachServerContext(request, response, ctx);
    response.on('close', onClose);
    observations.start(ctx);
    // The request's scope for the handler, with or without a framework integration: the server emits 'request'
    // right after this channel returns, in the same synchronous execution, so entering the scope here makes the
    // span current in the handler and in everything it schedules (outgoing calls, log lines).
    observations.enterScope(ctx);
    // Body chunks that arrive later are read in the socket's scope, not the handler's; listeners added to the
    // request run in the request's scope instead. Only requests with a body pay for it.
    const h = request.headers;
    if (h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) observations.bindEmitter(ctx, request);
  };
  diagnosticsChannel.subscribe(CHANNEL, onStart);
  return () => {
    diagnosticsChannel.unsubscribe(CHANNEL, onStart);
  };
}
