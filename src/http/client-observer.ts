/**
 * One observation per outgoing HTTP call, from Node's diagnostics channels (no monkey-patching):
 *
 *   node:http / https   http.client.request.start → http.client.response.finish | http.client.request.error | close
 *   fetch / undici      undici:request:create     → undici:request:headers      | undici:request:error
 *
 * The observation starts at the first event and stops, through the registry's lifecycle, when the response headers
 * arrive (or the call fails). Calls whose start was not seen (made before instrument()) are ignored.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { CarrierSetter } from '../observation/context.js';
import type { ObservationConvention } from '../observation/convention.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { HttpClientContext } from './client-context.js';
import { currentUriTemplate } from './uri-template.js';

const kContext = Symbol('nodemeter.http.clientContext');

/**
 * Outgoing node:http request: headers can be set until they are flushed. A propagation header the caller set
 * explicitly is kept: it was put there on purpose, and a second value would make both unreadable.
 */
const CLIENT_REQUEST_SETTER: CarrierSetter<ClientRequest> = {
  set(request, key, value) {
    if (!request.headersSent && !request.hasHeader(key)) request.setHeader(key, value);
  },
};

interface UndiciCarrier {
  headers?: string | string[];
  addHeader?(key: string, value: string): unknown;
}

function undiciHasHeader(headers: string | string[] | undefined, key: string): boolean {
  if (headers === undefined) return false;
  if (typeof headers === 'string') return headers.toLowerCase().includes(`\r\n${key}:`) || headers.toLowerCase().startsWith(`${key}:`);
  for (let i = 0; i < headers.length; i += 2) if ((headers[i] as string).toLowerCase() === key) return true;
  return false;
}

/** undici request: `addHeader` is the diagnostics-channel way to add a header before it is sent. */
const UNDICI_SETTER: CarrierSetter<UndiciCarrier> = {
  set(request, key, value) {
    if (!undiciHasHeader(request.headers, key)) request.addHeader?.(key, value);
  },
};

type WithContext = { [kContext]?: HttpClientContext<ClientRequest> | HttpClientContext<UndiciCarrier> };

interface UndiciRequest {
  origin: string | URL;
  method: string;
  path: string;
}

/**
 * `http://host:port` of a node:http request. ClientRequest exposes the host but not the port; the Host header Node
 * wrote carries the port when it is not the protocol's default, so it is used when it names the same host (a
 * Host header the caller set for another name is not where the call went).
 */
function originOf(request: ClientRequest): string {
  const protocol = request.protocol ?? 'http:';
  const host = request.host ?? 'localhost';
  const header = request.getHeader('host');
  if (typeof header === 'string' && header.length > host.length && header.charCodeAt(host.length) === 58 /* : */ && header.startsWith(host)) {
    return `${protocol}//${header}`;
  }
  if (typeof header === 'string' && header.startsWith(`[${host}]`)) return `${protocol}//${header}`;
  return `${protocol}//${host}`;
}

/** Subscribes; returns the function that unsubscribes. */
export function observeHttpClients(
  observations: ObservationRegistry,
  convention: ObservationConvention<HttpClientContext>,
): () => void {
  const stop = (carrier: WithContext, status: number | undefined, error: unknown): void => {
    const ctx = carrier[kContext];
    if (ctx === undefined || ctx.stopped) return;
    if (status !== undefined) ctx.status = status;
    observations.stop(ctx, error);
  };

  const onHttpClose = function (this: ClientRequest): void {
    stop(this as WithContext, undefined, undefined);
  };

  const subscriptions: [string, (message: unknown) => void][] = [
    [
      'http.client.request.start',
      (message) => {
        const request = (message as { request: ClientRequest & WithContext }).request;
        if (request[kContext] !== undefined || observations.isSuppressed()) return;
        const ctx = new HttpClientContext(
          request.method,
          originOf(request),
          request.path,
          currentUriTemplate(),
          convention,
          request as ClientRequest,
          CLIENT_REQUEST_SETTER,
        );
        request[kContext] = ctx;
        request.on('close', onHttpClose);
        observations.start(ctx);
      },
    ],
    [
      'http.client.response.finish',
      (message) => {
        const { request, response } = message as { request: ClientRequest & WithContext; response: IncomingMessage };
        stop(request, response.statusCode, undefined);
      },
    ],
    [
      'http.client.request.error',
      (message) => {
        const { request, error } = message as { request: ClientRequest & WithContext; error: unknown };
        stop(request, undefined, error);
      },
    ],
    [
      'undici:request:create',
      (message) => {
        const request = (message as { request: UndiciRequest & WithContext }).request;
        if (request[kContext] !== undefined || observations.isSuppressed()) return;
        const ctx = new HttpClientContext(
          request.method,
          String(request.origin).replace(/\/$/, ''),
          request.path,
          currentUriTemplate(),
          convention,
          request as UndiciCarrier,
          UNDICI_SETTER,
        );
        request[kContext] = ctx;
        observations.start(ctx);
      },
    ],
    [
      'undici:request:headers',
      (message) => {
        const { request, response } = message as { request: WithContext; response: { statusCode: number } };
        stop(request, response.statusCode, undefined);
      },
    ],
    [
      'undici:request:error',
      (message) => {
        const { request, error } = message as { request: WithContext; error: unknown };
        stop(request, undefined, error);
      },
    ],
  ];
  for (const [name, fn] of subscriptions) diagnosticsChannel.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subscriptions) diagnosticsChannel.unsubscribe(name, fn);
  };
}
