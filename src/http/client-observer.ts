/**
 * One observation per outgoing HTTP call, from Node's diagnostics channels (no monkey-patching):
 *
 *   node:http / https   http.client.request.start → http.client.response.finish | http.client.request.error | close
 *   fetch / undici      undici:request:create     → undici:request:headers      | undici:request:error
 *
 * The observation stops when the response headers arrive (or the call fails). Calls whose start was not seen
 * (made before instrument()) are ignored.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { ObservationConvention } from '../observation/convention.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { HttpClientContext } from './client-context.js';
import { currentUriTemplate } from './uri-template.js';

const kContext = Symbol('nodemeter.http.clientContext');

type WithContext = { [kContext]?: HttpClientContext };

interface UndiciRequest {
  origin: string | URL;
  method: string;
  path: string;
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
    if (error !== undefined) observations.error(ctx, error);
    observations.stop(ctx);
  };

  const onHttpClose = function (this: ClientRequest): void {
    stop(this as WithContext, undefined, undefined);
  };

  const subscriptions: [string, (message: unknown) => void][] = [
    [
      'http.client.request.start',
      (message) => {
        const request = (message as { request: ClientRequest & WithContext }).request;
        if (request[kContext] !== undefined) return;
        const protocol = request.protocol ?? 'http:';
        const host = request.host ?? 'localhost';
        const ctx = new HttpClientContext(
          request.method,
          `${protocol}//${host}`,
          request.path,
          currentUriTemplate(),
          convention,
          request,
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
        if (request[kContext] !== undefined) return;
        const ctx = new HttpClientContext(
          request.method,
          String(request.origin).replace(/\/$/, ''),
          request.path,
          currentUriTemplate(),
          convention,
          request,
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
