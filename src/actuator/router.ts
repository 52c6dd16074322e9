/**
 * The actuator endpoints, independent of any framework: a request (method, path, headers, body) in, a response out.
 * Express, Fastify, node:http and the management server all serve through this one router.
 *
 *   GET  {base}                     links to every exposed endpoint (`_links`, as Spring's EndpointLinksResolver)
 *   GET  {base}/health[/…]          health, groups liveness/readiness, components (endpoints/health.ts)
 *   GET  {base}/info                build, git, node, os, process, user contributions (endpoints/info.ts)
 *   GET  {base}/metrics[/{name}]    Micrometer names and statistics (endpoints/metrics.ts)
 *   GET  {base}/loggers[/{name}]    levels; POST changes one when writes are enabled (endpoints/loggers.ts)
 *   GET  {base}/prometheus          the scrape, text 0.0.4 or OpenMetrics 1.0 by Accept
 *
 * Order of the checks, as Spring with Spring Security in front: path not the actuator's → not ours; endpoint not
 * exposed → 404; protected endpoint without credentials → 401; method not served → 405 (POST without writes
 * enabled, too); Accept not satisfiable → 406; then the endpoint. JSON endpoints answer Spring's v3 media type, or
 * `application/json` when asked (media.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import type { HealthRegistry } from '../health/registry.js';
import { CONTENT_TYPES, type MeterRegistry } from '../metrics/registry.js';
import { healthEndpoint } from './endpoints/health.js';
import { InfoEndpoint, type InfoRegistry } from './endpoints/info.js';
import { loggersGet, loggersPost, type LoggerLevels } from './endpoints/loggers.js';
import { metricsEndpoint } from './endpoints/metrics.js';
import type { EndpointResult } from './endpoints/result.js';
import { JSON_TYPE, negotiateJson } from './media.js';
import { negotiateFormat } from './negotiation.js';
import type { EndpointId, ResolvedActuatorConfig } from './options.js';
import { createGuard, type Guard } from './security.js';

/** A response of the actuator, written by whichever server carries it. @since 0.1.0 */
export interface ActuatorResponse {
  status: number;
  /** Empty for a response without a body. */
  contentType: string;
  body: string;
  /** Extra headers (`WWW-Authenticate`, `Allow`). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The actuator endpoints of one handle (`nm.actuator`): for node:http servers, `if (nm.actuator.serve(req, res))
 * return;`. An interface; instrument() creates the one router of its handle.
 * @since 0.1.0
 */
export interface ActuatorRouter {
  /** The base path, e.g. `/actuator`. */
  readonly basePath: string;
  /** Paths this router answers, `*` standing for the rest of a path (for frameworks that register routes). */
  paths(): string[];
  /** True when `path` (no query string) belongs to the actuator. Cheap: called on every request. */
  matches(path: string): boolean;
  /** Answers one request; undefined when the path is not the actuator's. Never rejects. */
  handle(method: string, url: string, headers: IncomingHttpHeaders, body?: string): Promise<ActuatorResponse | undefined>;
  /** Serves `req` if it is an actuator request and returns true; returns false otherwise, so the caller passes it on. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

/** What a router serves. */
export interface ActuatorRouterOptions {
  readonly basePath: string;
  readonly exposure: readonly EndpointId[];
  readonly registry: MeterRegistry;
  readonly health: HealthRegistry;
  readonly diag: Diag;
  /** The rest of the actuator settings; defaults as resolveActuatorOptions() gives them. */
  readonly config?: Partial<ResolvedActuatorConfig>;
  /** Levels for `/loggers`; without them the endpoint lists no loggers. */
  readonly loggers?: LoggerLevels;
  /** Tags on every series (shown among `availableTags` of `/metrics/{name}`). */
  readonly commonTags?: Readonly<Record<string, string>>;
}

/** The router of a handle, and the registry of its `/info` contributions. */
export interface ActuatorRouterWithInfo extends ActuatorRouter {
  readonly info: InfoRegistry;
}

const OPEN: ReadonlySet<string> = new Set(['health', 'prometheus']);
const MAX_BODY = 64 * 1024;

export function createActuatorRouter(options: ActuatorRouterOptions): ActuatorRouterWithInfo {
  return new ActuatorRouterImpl(options);
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
};

function errorBody(status: number, path: string): string {
  return JSON.stringify({ timestamp: new Date().toISOString(), status, error: REASONS[status] ?? 'Error', path });
}

/**
 * A rejected request, as Spring Boot's error handling answers it: `{timestamp,status,error,path}` as
 * `application/json` when the client accepts JSON (no Accept, `*\/*`, `application/json`…), else no body at all
 * (Spring's answer to `Accept: text/plain` on an unknown path, or to a JSON endpoint asked for `text/plain`: 406).
 */
export function errorResponse(status: number, path: string, accept: string | undefined, headers?: Record<string, string>): ActuatorResponse {
  const json = negotiateJson(accept) !== undefined;
  return { status, contentType: json ? JSON_TYPE : '', body: json ? errorBody(status, path) : '', headers };
}

class ActuatorRouterImpl implements ActuatorRouterWithInfo {
  readonly #base: string;
  readonly #exposure: ReadonlySet<EndpointId>;
  readonly #order: readonly EndpointId[];
  readonly #registry: MeterRegistry;
  readonly #health: HealthRegistry;
  readonly #diag: Diag;
  readonly #healthConfig: ResolvedActuatorConfig['health'];
  readonly #write: boolean;
  readonly #guard: Guard;
  readonly #info: InfoEndpoint;
  readonly #loggers: LoggerLevels | undefined;
  readonly #commonTags: Readonly<Record<string, string>>;

  constructor(o: ActuatorRouterOptions) {
    this.#base = o.basePath === '/' ? '' : o.basePath;
    this.#order = o.exposure;
    this.#exposure = new Set(o.exposure);
    this.#registry = o.registry;
    this.#health = o.health;
    this.#diag = o.diag;
    this.#healthConfig = {
      showDetails: 'never',
      showComponents: o.config?.health?.showDetails ?? 'never',
      probes: true,
      timeoutMs: o.health.timeoutMs,
      ...o.config?.health,
    };
    this.#write = o.config?.write ?? false;
    this.#guard = createGuard(o.config?.auth);
    this.#info = new InfoEndpoint({ build: true, git: true, node: false, os: false, process: false, ...o.config?.info });
    this.#loggers = o.loggers;
    this.#commonTags = o.commonTags ?? {};
  }

  get basePath(): string {
    return this.#base || '/';
  }

  get info(): InfoRegistry {
    return this.#info;
  }

  paths(): string[] {
    const out = [this.#base || '/'];
    for (const id of this.#order) {
      out.push(`${this.#base}/${id}`);
      if (id === 'health' || id === 'metrics' || id === 'loggers') out.push(`${this.#base}/${id}/*`);
    }
    return out;
  }

  matches(path: string): boolean {
    if (!path.startsWith(this.#base)) return false;
    const rest = path.length - this.#base.length;
    return rest === 0 || path.charCodeAt(this.#base.length) === 47; /* '/' */
  }

  /** Answers one request. Never rejects: a failure becomes a 500 with a short message. */
  async handle(method: string, url: string, headers: IncomingHttpHeaders, body = ''): Promise<ActuatorResponse | undefined> {
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    if (!this.matches(path)) return undefined;
    const rest = path.length > this.#base.length ? path.slice(this.#base.length + 1) : '';
    let segments: string[];
    try {
      segments = rest === '' ? [] : rest.split('/').map((s) => decodeURIComponent(s));
    } catch {
      return errorResponse(400, path, headers.accept);
    }
    const id = segments[0] ?? '';
    if (id !== '' && !this.#exposure.has(id as EndpointId)) return errorResponse(404, path, headers.accept);
    if (!OPEN.has(id) && this.#guard.enabled && !this.#guard.authenticated(headers)) {
      return errorResponse(401, path, headers.accept, { 'WWW-Authenticate': this.#guard.challenge });
    }
    const isRead = method === 'GET' || method === 'HEAD';
    const isWrite = method === 'POST' && id === 'loggers' && segments.length === 2;
    if (!isRead && !(isWrite && this.#write)) {
      return errorResponse(405, path, headers.accept, {
        Allow: id === 'loggers' && segments.length === 2 && this.#write ? 'GET, HEAD, POST' : 'GET, HEAD',
      });
    }
    try {
      if (id === 'prometheus') {
        if (segments.length > 1) return errorResponse(404, path, headers.accept);
        const format = negotiateFormat(headers.accept);
        if (format === undefined) return errorResponse(406, path, headers.accept);
        return { status: 200, contentType: CONTENT_TYPES[format], body: await this.#registry.scrape(format) };
      }
      const contentType = negotiateJson(headers.accept);
      // No body at all: the client accepts no JSON (Spring MVC's HttpMediaTypeNotAcceptableException).
      if (contentType === undefined) return { status: 406, contentType: '', body: '' };
      const result = await this.#dispatch(id, segments, headers, method, body, q === -1 ? '' : url.slice(q + 1));
      if (result === undefined) return errorResponse(404, path, headers.accept);
      if (result.error !== undefined) {
        this.#diag.debug(`actuator: ${method} ${path} answered ${result.status}: ${result.error}`);
        return errorResponse(result.status, path, headers.accept);
      }
      return {
        status: result.status,
        contentType: result.body === undefined ? '' : contentType,
        body: result.body === undefined ? '' : JSON.stringify(result.body),
        headers: result.headers,
      };
    } catch (err) {
      this.#diag.warn(Warnings.ACTUATOR_ENDPOINT_FAILED, { path, error: err }, id);
      return errorResponse(500, path, headers.accept);
    }
  }

  async #dispatch(
    id: string,
    segments: readonly string[],
    headers: IncomingHttpHeaders,
    method: string,
    body: string,
    query: string,
  ): Promise<EndpointResult | undefined> {
    switch (id) {
      case '':
        return this.#links(headers);
      case 'health':
        return healthEndpoint(this.#health, this.#healthConfig, segments.slice(1), this.#guard.authenticated(headers));
      case 'info':
        return segments.length === 1 ? this.#info.answer() : undefined;
      case 'metrics':
        return segments.length <= 2 ? metricsEndpoint(this.#registry, this.#commonTags, segments[1], new URLSearchParams(query)) : undefined;
      case 'loggers':
        if (segments.length > 2) return undefined;
        if (method === 'POST') return loggersPost(this.#loggers, segments[1] as string, body);
        return loggersGet(this.#loggers, segments[1]);
      default:
        return undefined;
    }
  }

  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!this.matches(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path)) return false;
    const method = req.method ?? 'GET';
    const answer = (body: string | undefined): void => {
      if (body === undefined) {
        writeResponse(req, res, errorResponse(413, path, req.headers.accept));
        return;
      }
      this.handle(method, url, req.headers, body).then(
        (response) => writeResponse(req, res, response ?? errorResponse(404, path, req.headers.accept)),
        () => writeResponse(req, res, errorResponse(500, path, req.headers.accept)),
      );
    };
    if (method === 'POST') readBody(req, answer);
    else answer('');
    return true;
  }

  #links(headers: IncomingHttpHeaders): EndpointResult {
    const proto = typeof headers['x-forwarded-proto'] === 'string' ? headers['x-forwarded-proto'] : 'http';
    const root = headers.host ? `${proto}://${headers.host}` : '';
    const base = `${root}${this.#base}`;
    const links: Record<string, { href: string; templated: boolean }> = { self: { href: base, templated: false } };
    for (const id of this.#order) {
      links[id] = { href: `${base}/${id}`, templated: false };
      // Selector operations, named endpointId-selectorName as Spring's DiscoveredWebOperation.
      if (id === 'health') links['health-path'] = { href: `${base}/health/{*path}`, templated: true };
      if (id === 'metrics') links['metrics-requiredMetricName'] = { href: `${base}/metrics/{requiredMetricName}`, templated: true };
      if (id === 'loggers') links['loggers-name'] = { href: `${base}/loggers/{name}`, templated: true };
    }
    return { status: 200, body: { _links: links } };
  }
}

/** Reads a request body up to 64 KiB; undefined when it is larger (the rest is drained, not kept). */
function readBody(req: IncomingMessage, done: (body: string | undefined) => void): void {
  // A framework may have read it already (a body parser before nm.express()).
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) {
    done(typeof parsed === 'string' ? parsed : JSON.stringify(parsed));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) over = true;
    else chunks.push(chunk);
  });
  req.on('end', () => done(over ? undefined : Buffer.concat(chunks).toString('utf8')));
  req.on('error', () => done(undefined));
}

/** Writes an actuator response on a node:http response; HEAD gets the headers only. */
export function writeResponse(req: IncomingMessage, res: ServerResponse, response: ActuatorResponse): void {
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = response.status;
  if (response.contentType !== '') res.setHeader('Content-Type', response.contentType);
  if (response.headers) for (const [k, v] of Object.entries(response.headers)) res.setHeader(k, v);
  res.setHeader('Content-Length', Buffer.byteLength(response.body));
  res.end(req.method === 'HEAD' ? undefined : response.body);
}
