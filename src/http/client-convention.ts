/**
 * Spring's DefaultClientRequestObservationConvention: `http.client.requests` with tags client_name (Micrometer's
 * `client.name`), exception, method, outcome, status, uri (+ error from the meter handler).
 *
 * - uri: the caller's template (withUriTemplate), scheme and host stripped, or `none`.
 * - status: the code; `IO_ERROR` when the call failed without a response (refused, reset, timeout); `CLIENT_ERROR`
 *   when it ended without a response nor an error (aborted by the caller).
 */
import type { KeyValues, ObservationConvention } from '../observation/convention.js';
import { errorTag } from '../observation/convention.js';
import type { HttpClientContext } from './client-context.js';
import { outcomeOf, statusTag } from './server-convention.js';

const templates = new Map<string, string>();

function uriTag(template: string | undefined): string {
  if (template === undefined || template === '') return 'none';
  let t = templates.get(template);
  if (t === undefined) {
    t = template.replace(/^https?:\/\/[^/]+/, '');
    if (!t.startsWith('/')) t = `/${t}`;
    if (templates.size < 10_000) templates.set(template, t);
  }
  return t;
}

/** @since 0.1.0 */
export class HttpClientConvention implements ObservationConvention<HttpClientContext> {
  readonly lowCardinalityKeyNames = ['client_name', 'exception', 'method', 'outcome', 'status', 'uri'] as const;
  readonly description = 'Duration of HTTP client requests';
  readonly spanKeyNames = ['client.name', 'exception', 'method', 'outcome', 'status', 'uri'] as const;

  constructor(readonly name = 'http.client.requests') {}

  lowCardinalityValues(ctx: HttpClientContext, out: string[]): void {
    out[0] = ctx.host || 'none';
    out[1] = errorTag(ctx.error);
    out[2] = ctx.method || 'none';
    if (ctx.status !== undefined) {
      out[3] = outcomeOf(ctx.status);
      out[4] = statusTag(ctx.status);
    } else {
      out[3] = 'UNKNOWN';
      out[4] = !ctx.stopped ? 'CLIENT_ERROR' : ctx.error !== undefined ? 'IO_ERROR' : 'CLIENT_ERROR';
    }
    out[5] = uriTag(ctx.uriTemplate);
  }

  highCardinality(ctx: HttpClientContext): KeyValues {
    const q = ctx.path.indexOf('?');
    return { 'http.url': ctx.origin + (q === -1 ? ctx.path : ctx.path.slice(0, q)) };
  }

  /** Calls that failed without a response, and 5xx responses, end in error. */
  isError(ctx: HttpClientContext): boolean {
    return ctx.error !== undefined || (ctx.status !== undefined && ctx.status >= 500);
  }

  contextualName(ctx: HttpClientContext): string {
    return `http ${(ctx.method || 'get').toLowerCase()}`;
  }
}
