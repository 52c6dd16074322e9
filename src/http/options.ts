/**
 * Options of the HTTP area (`http` in instrument()'s options): which side is observed, the `uri` tag guard and the
 * route resolver of servers without a framework integration. No environment variables.
 */
import type { IncomingMessage } from 'node:http';
import { checkKeys, invalid, optBoolean, optInt, optObject, type OptionArea } from '../core/validate.js';

/** Route template of a request, or undefined when no route matched. @since 0.1.0 */
export type HttpRouteResolver = (request: IncomingMessage) => string | undefined;

/** @since 0.1.0 */
export interface HttpOptions {
  server?: {
    /** Observe incoming requests of every node:http server (`http_server_requests_seconds`). Default true. */
    enabled?: boolean;
    /** Distinct `uri` values before new ones are denied (Spring's `max-uri-tags`). Default 100. */
    maxUriTags?: number;
    /**
     * Route template of a request on a server without a framework integration (plain node:http). Return
     * undefined when no route matched; never return raw paths with ids in them.
     */
    routeResolver?: HttpRouteResolver;
  };
  client?: {
    /** Observe outgoing `fetch`/undici and `http.request` calls (`http_client_requests_seconds`). Default true. */
    enabled?: boolean;
    /** Distinct `uri` values before new ones are denied. Default 100. */
    maxUriTags?: number;
  };
}

/** HTTP settings after defaults. @since 0.1.0 */
export interface ResolvedHttpConfig {
  server: { enabled: boolean; maxUriTags: number; routeResolver: HttpRouteResolver | undefined };
  client: { enabled: boolean; maxUriTags: number };
}

function side(path: string, value: unknown, keys: readonly string[]) {
  const o = optObject(path, value) ?? {};
  checkKeys(path, o, keys);
  return {
    o,
    enabled: optBoolean(`${path}.enabled`, o.enabled) ?? true,
    maxUriTags: optInt(`${path}.maxUriTags`, o.maxUriTags, 1, 1_000_000) ?? 100,
  };
}

/** Validates the `http` option and applies the defaults. @since 0.1.0 */
export function resolveHttpOptions(options: unknown, _env: object = {}, path = 'http'): ResolvedHttpConfig {
  const http = optObject(path, options) ?? {};
  checkKeys(path, http, ['server', 'client']);
  const server = side(`${path}.server`, http.server, ['enabled', 'maxUriTags', 'routeResolver']);
  if (server.o.routeResolver !== undefined && typeof server.o.routeResolver !== 'function') {
    throw invalid(`${path}.server.routeResolver`, 'a function', server.o.routeResolver);
  }
  const client = side(`${path}.client`, http.client, ['enabled', 'maxUriTags']);
  return {
    server: {
      enabled: server.enabled,
      maxUriTags: server.maxUriTags,
      routeResolver: server.o.routeResolver as HttpRouteResolver | undefined,
    },
    client: { enabled: client.enabled, maxUriTags: client.maxUriTags },
  };
}

/** The HTTP area, as the composition root folds it. It reads no environment. */
export const HTTP_OPTIONS: OptionArea<ResolvedHttpConfig, object> = {
  key: 'http',
  readEnv: () => ({ config: {}, problems: [] }),
  resolve: resolveHttpOptions,
};
