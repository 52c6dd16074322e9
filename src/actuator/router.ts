/**
 * The actuator endpoints, independent of any framework: a request (method, path, headers) in, a response out.
 * Express, Fastify, node:http and the management server all serve through this one router.
 *
 *   GET {base}             links to every exposed endpoint (`_links`, as Spring's EndpointLinksResolver)
 *   GET {base}/health      aggregated health (503 when DOWN)
 *   GET {base}/prometheus  the scrape, text 0.0.4 or OpenMetrics 1.0 by Accept
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointId } from './options.js';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import { CONTENT_TYPES, type MeterRegistry } from '../metrics/registry.js';
import { httpStatusOf, type HealthRegistry } from '../health/registry.js';
import { negotiateFormat } from './negotiation.js';

/** A response of the actuator, written by whichever server carries it. @since 0.1.0 */
export interface ActuatorResponse {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json';

/**
 * The actuator endpoints of one handle (`nm.actuator`): for node:http servers, `if (nm.actuator.serve(req, res))
 * return;`. An interface; instrument() creates the one router of its handle.
 * @since 0.1.0
 */
export interface ActuatorRouter {
  /** The base path, e.g. `/actuator`. */
  readonly basePath: string;
  /** Paths this router answers (for frameworks that register routes one by one). */
  paths(): string[];
  /** True when `path` (no query string) belongs to the actuator. Cheap: called on every request. */
  matches(path: string): boolean;
  /** Answers one request; undefined when the path is not the actuator's. Never rejects. */
  handle(method: string, url: string, headers: IncomingHttpHeaders): Promise<ActuatorResponse | undefined>;
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
}

export function createActuatorRouter(options: ActuatorRouterOptions): ActuatorRouter {
  return new ActuatorRouterImpl(options.basePath, options.exposure, options.registry, options.health, options.diag);
}

class ActuatorRouterImpl implements ActuatorRouter {
  readonly #base: string;
  readonly #exposure: ReadonlySet<EndpointId>;
  readonly #registry: MeterRegistry;
  readonly #health: HealthRegistry;
  readonly #diag: Diag;

  constructor(basePath: string, exposure: readonly EndpointId[], registry: MeterRegistry, health: HealthRegistry, diag: Diag) {
    this.#base = basePath === '/' ? '' : basePath;
    this.#exposure = new Set(exposure);
    this.#registry = registry;
    this.#health = health;
    this.#diag = diag;
  }

  /** The base path, e.g. `/actuator`. */
  get basePath(): string {
    return this.#base || '/';
  }

  /** Paths this router answers (for frameworks that register routes one by one). */
  paths(): string[] {
    return [this.#base || '/', ...[...this.#exposure].map((id) => `${this.#base}/${id}`)];
  }

  /** True when `path` (no query string) belongs to the actuator. Cheap: called on every request. */
  matches(path: string): boolean {
    if (!path.startsWith(this.#base)) return false;
    const rest = path.length - this.#base.length;
    return rest === 0 || path.charCodeAt(this.#base.length) === 47; /* '/' */
  }

  /** Answers one request. Never rejects: a failure becomes a 500 with a short message. */
  async handle(method: string, url: string, headers: IncomingHttpHeaders): Promise<ActuatorResponse | undefined> {
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    if (!this.matches(path)) return undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      return { status: 405, contentType: JSON_TYPE, body: JSON.stringify({ error: 'Method Not Allowed' }) };
    }
    const id = path.slice(this.#base.length + 1);
    try {
      if (id === '' || path === this.#base) return this.#links(headers);
      if (id === 'prometheus' && this.#exposure.has('prometheus')) {
        const format = negotiateFormat(headers.accept);
        return { status: 200, contentType: CONTENT_TYPES[format], body: await this.#registry.scrape(format) };
      }
      if (id === 'health' && this.#exposure.has('health')) {
        const health = await this.#health.check();
        return { status: httpStatusOf(health.status), contentType: JSON_TYPE, body: JSON.stringify(health) };
      }
      return { status: 404, contentType: JSON_TYPE, body: JSON.stringify({ error: 'Not Found', path }) };
    } catch (err) {
      this.#diag.warn(Warnings.ACTUATOR_ENDPOINT_FAILED, { path, error: err }, id);
      return { status: 500, contentType: JSON_TYPE, body: JSON.stringify({ error: 'Internal Server Error', path }) };
    }
  }

  /**
   * Serves `req` on a node:http response if it is an actuator request; returns false otherwise, so the caller
   * passes it on. Used by the Express middleware, plain node:http servers and the management server.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!this.matches(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path)) return false;
    this.handle(req.method ?? 'GET', url, req.headers).then(
      (response) => writeResponse(req, res, response ?? { status: 404, contentType: JSON_TYPE, body: '{}' }),
      () => writeResponse(req, res, { status: 500, contentType: JSON_TYPE, body: '{}' }),
    );
    return true;
  }

  #links(headers: IncomingHttpHeaders): ActuatorResponse {
    const proto = typeof headers['x-forwarded-proto'] === 'string' ? headers['x-forwarded-proto'] : 'http';
    const root = headers.host ? `${proto}://${headers.host}` : '';
    const base = `${root}${this.#base}`;
    const links: Record<string, { href: string; templated: boolean }> = {
      self: { href: base, templated: false },
    };
    for (const id of this.#exposure) links[id] = { href: `${base}/${id}`, templated: false };
    return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ _links: links }) };
  }
}

/** Writes an actuator response on a node:http response; HEAD gets the headers only. */
export function writeResponse(req: IncomingMessage, res: ServerResponse, response: ActuatorResponse): void {
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = response.status;
  res.setHeader('Content-Type', response.contentType);
  res.setHeader('Content-Length', Buffer.byteLength(response.body));
  res.end(req.method === 'HEAD' ? undefined : response.body);
}
