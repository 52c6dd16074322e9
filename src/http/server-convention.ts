/**
 * Spring's DefaultServerRequestObservationConvention: `http.server.requests` with tags exception, method, outcome,
 * status, uri (+ error from the meter handler); `http.url` for spans only.
 *
 * Aborted requests (the connection closed before the response was complete) get status and outcome `UNKNOWN`, as
 * Spring does for a request whose connection was aborted.
 */
import type { KeyValues, ObservationConvention } from '../observation/convention.js';
import { errorTag } from '../observation/convention.js';
import type { HttpServerContext } from './server-context.js';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']);
const STATUS = new Map<number, string>();

export function statusTag(code: number): string {
  let s = STATUS.get(code);
  if (s === undefined) {
    s = String(code);
    if (STATUS.size < 1000) STATUS.set(code, s);
  }
  return s;
}

export function outcomeOf(code: number): string {
  if (code >= 100 && code < 200) return 'INFORMATIONAL';
  if (code >= 200 && code < 300) return 'SUCCESS';
  if (code >= 300 && code < 400) return 'REDIRECTION';
  if (code >= 400 && code < 500) return 'CLIENT_ERROR';
  if (code >= 500 && code < 600) return 'SERVER_ERROR';
  return 'UNKNOWN';
}

export function methodTag(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : 'UNKNOWN';
}

/**
 * `uri` as Spring: the template; `root` for `/`; NOT_FOUND / REDIRECTION / UNKNOWN without one. While the request
 * runs (the `.active` timer's tags, taken at start) no route has been matched yet, so it is UNKNOWN, as in Spring.
 */
export function uriTag(ctx: HttpServerContext): string {
  const route = ctx.stopped ? ctx.resolveRoute() : ctx.route;
  if (route !== undefined) return route === '' || route === '/' ? 'root' : route;
  const code = ctx.response.statusCode;
  if (code === 404) return 'NOT_FOUND';
  if (code >= 300 && code < 400) return 'REDIRECTION';
  return 'UNKNOWN';
}

/** @since 0.1.0 */
export class HttpServerConvention implements ObservationConvention<HttpServerContext> {
  readonly lowCardinalityKeyNames = ['exception', 'method', 'outcome', 'status', 'uri'] as const;
  readonly description = 'Duration of HTTP server request handling';

  constructor(readonly name = 'http.server.requests') {}

  lowCardinalityValues(ctx: HttpServerContext, out: string[]): void {
    const unknown = ctx.aborted && !ctx.response.writableFinished;
    out[0] = errorTag(ctx.error);
    out[1] = methodTag(ctx.request.method);
    out[2] = unknown ? 'UNKNOWN' : outcomeOf(ctx.response.statusCode);
    out[3] = unknown ? 'UNKNOWN' : statusTag(ctx.response.statusCode);
    out[4] = uriTag(ctx);
  }

  highCardinality(ctx: HttpServerContext): KeyValues {
    const url = ctx.request.url ?? '/';
    const q = url.indexOf('?');
    return { 'http.url': q === -1 ? url : url.slice(0, q) };
  }

  /** Spans of 5xx responses and of failed handlers end in error. */
  isError(ctx: HttpServerContext): boolean {
    return ctx.error !== undefined || ctx.response.statusCode >= 500;
  }

  contextualName(ctx: HttpServerContext): string {
    const method = (ctx.request.method ?? 'GET').toLowerCase();
    const route = ctx.resolveRoute();
    return route === undefined ? `http ${method}` : `http ${method} ${route === '' ? '/' : route}`;
  }
}
