/**
 * Fastify integration (4 and 5): `fastify.register(nm.fastify)`. Marked the way fastify-plugin marks a plugin
 * (see PLUGIN_MARKS) so it is not encapsulated: its hooks see every route of the application, including those in
 * child contexts and prefixes.
 * It serves the actuator routes (unless a management port is configured), gives each request observation its
 * route template (`request.routeOptions.url`, prefix included), runs the request in the observation's scope, and
 * records errors for the `exception` tag.
 */
import type { ActuatorRouter } from '../actuator/router.js';
import { UNHANDLED_ERROR } from '../observation/events.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { toRouteTemplate } from './route.js';
import { serverContextOf } from './server-context.js';

interface FastifyRequestLike {
  method: string;
  body?: unknown;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  raw: object;
  routeOptions?: { url?: string };
  /** Fastify's request logger (abstract-logging's no-op object, without a level, when Fastify's logger is off). */
  log?: unknown;
  routerPath?: string;
}

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body?: unknown): FastifyReplyLike;
}

/** The parts of a Fastify instance nodemeter uses (structural, so fastify stays an optional peer). */
interface FastifyLike {
  route(options: {
    method: string | string[];
    url: string;
    logLevel?: string;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>;
  }): unknown;
  addHook(name: 'onRequest' | 'preHandler', hook: (request: FastifyRequestLike, reply: unknown, done: () => void) => void): unknown;
  addHook(name: 'onError', hook: (this: unknown, request: FastifyRequestLike, reply: unknown, error: unknown, done: () => void) => void): unknown;
  register(plugin: (instance: FastifyLike, options: unknown, done: (err?: Error) => void) => void): unknown;
  removeAllContentTypeParsers(): unknown;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'string' },
    parser: (request: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => void,
  ): unknown;
}

/**
 * Methods the actuator's routes take, so the router answers Spring's 405 (with `Allow`) instead of Fastify's 404.
 * HEAD comes with GET; OPTIONS is left to the application (CORS plugins answer it).
 */
const ACTUATOR_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/**
 * A Fastify plugin, as `fastify.register()` takes it. The instance is typed loosely on purpose: fastify stays an
 * optional peer, and any Fastify 4 or 5 instance type must be accepted.
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FastifyPlugin = ((instance: any, options: any, done: (err?: Error) => void) => void) & {
  [key: symbol]: unknown;
};

/**
 * What fastify-plugin 5 does to a function, without the dependency: Fastify reads these registry symbols itself.
 * `skip-override` shares the plugin's hooks and routes with the parent context (no encapsulation); `display-name`
 * names it in errors and `printPlugins()`; `plugin-meta` carries the Fastify versions Fastify checks at register
 * time. `default` and the camel-cased name are fastify-plugin's conveniences for transpiled default imports.
 */
const SKIP_OVERRIDE = Symbol.for('skip-override');
const DISPLAY_NAME = Symbol.for('fastify.display-name');
const PLUGIN_META = Symbol.for('plugin-meta');
const PLUGIN_NAME = 'nodemeter';

function markAsSharedPlugin(fn: FastifyPlugin): FastifyPlugin {
  const marked = fn as FastifyPlugin & { default?: unknown; [PLUGIN_NAME]?: unknown };
  marked[SKIP_OVERRIDE] = true;
  marked[DISPLAY_NAME] = PLUGIN_NAME;
  marked[PLUGIN_META] = { name: PLUGIN_NAME, fastify: '4.x || 5.x' };
  marked.default = fn;
  marked[PLUGIN_NAME] = fn;
  return fn;
}

/**
 * The status the default error handler will answer with (onError runs before it): a 4xx/5xx the reply already
 * has, else the error's `statusCode`/`status` if 4xx/5xx, else 500 (Fastify's setErrorStatusCode).
 */
function errorStatus(reply: unknown, error: unknown): number {
  const current = (reply as { statusCode?: unknown }).statusCode;
  if (typeof current === 'number' && current >= 400 && current < 600) return current;
  if (error !== null && typeof error === 'object') {
    const e = error as { statusCode?: unknown; status?: unknown };
    const s = e.statusCode ?? e.status;
    if (typeof s === 'number' && s >= 400 && s < 600) return s;
  }
  return 500;
}

/**
 * A 5xx error that no logger of Fastify's logs: Fastify's default error handler logs 5xx errors at error through
 * its own logger when that logger is on (an application that passes `loggerInstance: nm.logger` gets them there,
 * correlated); a custom error handler (`setErrorHandler`) is the application's own, which logs what it wants. So
 * nodemeter logs only under the default handler with Fastify's logger off.
 */
function unloggedServerError(instance: unknown, request: FastifyRequestLike, reply: unknown, error: unknown): boolean {
  if (errorStatus(reply, error) < 500) return false;
  const handler = (instance as { errorHandler?: { name?: unknown } } | undefined)?.errorHandler;
  if (handler !== undefined && handler.name !== 'defaultErrorHandler') return false;
  const log = request.log as { level?: unknown; isLevelEnabled?: (level: string) => boolean } | undefined;
  const level = log?.level;
  if (typeof level !== 'string' || level === 'silent') return true;
  return typeof log?.isLevelEnabled === 'function' ? !log.isLevelEnabled('error') : false;
}

/**
 * The actuator's routes, in a child context whose one body parser reads every media type as text: Spring's
 * `application/vnd.spring-boot.actuator.v3+json` (and v2), which Fastify would refuse with 415, and a body that is
 * not JSON, which the router answers with Spring's 400 instead of Fastify's own. The application's routes keep
 * their parsers. Besides the endpoints' paths, `{base}/*` sends an unknown endpoint to the router too (Spring's
 * 404 body); with the base path `/` that would take every path of the application, so it is left out then.
 */
function actuatorRoutes(router: ActuatorRouter): (scope: FastifyLike, options: unknown, done: (err?: Error) => void) => void {
  return function nodemeterActuator(scope, _options, done) {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, parsed) => parsed(null, body));
    for (const url of actuatorUrls(router)) {
      scope.route({
        method: ACTUATOR_METHODS,
        url,
        // Scrapes every few seconds should not fill the application's request log.
        logLevel: 'warn',
        handler: async (request, reply) => {
          const body = typeof request.body === 'string' ? request.body : '';
          const response = await router.handle(request.method, request.url, request.headers, body);
          if (!response) return reply.code(404).send();
          reply.code(response.status);
          if (response.contentType !== '') reply.header('content-type', response.contentType);
          if (response.headers) for (const [k, v] of Object.entries(response.headers)) reply.header(k, v);
          // A Buffer, so Fastify sends the content type as given (a string would get "; charset=utf-8", which Spring does not add).
          return reply.send(response.body === '' ? undefined : Buffer.from(response.body));
        },
      });
    }
    done();
  };
}

/** The Fastify route URLs of the actuator's routes (see actuatorRoutes). */
function actuatorUrls(router: ActuatorRouter): Set<string> {
  const urls = router.paths();
  if (router.basePath !== '/') urls.push(`${router.basePath}/*`);
  return new Set(urls);
}

export function fastifyPlugin(router: ActuatorRouter | undefined, observations: ObservationRegistry): FastifyPlugin {
  // The actuator's requests keep the `uri` the server observer gave them (Spring's endpoint mappings, such as
  // `/actuator/health/{*path}`), not the Fastify route they were registered under (`/actuator/health/*`).
  const ownUrls = router === undefined ? undefined : actuatorUrls(router);
  function nodemeter(fastify: FastifyLike, _options: unknown, done: (err?: Error) => void): void {
    // The actuator's routes live in a child context of their own (plugin encapsulation): see actuatorRoutes. The
    // hooks below go on the application's context before that child is created (avvio loads it after this plugin's
    // done()), so they apply to its routes too.
    if (router) fastify.register(actuatorRoutes(router));
    fastify.addHook('onRequest', (request, _reply, next) => {
      const ctx = serverContextOf(request.raw);
      if (ctx === undefined) return next();
      // Fastify 4.10+ and 5: routeOptions.url; older 4.x: routerPath. Undefined when no route matched (404).
      const url = request.routeOptions?.url ?? request.routerPath;
      if (url !== undefined && ownUrls?.has(url) !== true) ctx.route = toRouteTemplate(url);
      observations.inScope(ctx, next);
    });
    // After body parsing the handler runs from the parser's callback; enter the scope again right before it.
    fastify.addHook('preHandler', (request, _reply, next) => {
      const ctx = serverContextOf(request.raw);
      if (ctx === undefined) return next();
      observations.inScope(ctx, next);
    });
    fastify.addHook('onError', function onError(this: unknown, request, reply, error, next) {
      const ctx = serverContextOf(request.raw);
      if (ctx !== undefined) {
        observations.error(ctx, error);
        if (unloggedServerError(this, request, reply, error)) observations.event(ctx, UNHANDLED_ERROR);
      }
      next();
    });
    done();
  }
  return markAsSharedPlugin(nodemeter as unknown as FastifyPlugin);
}
