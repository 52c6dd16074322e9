/**
 * The graceful shutdown of the application's HTTP servers (Spring's `server.shutdown=graceful`), as the drain step
 * of shutdown (core/lifecycle.ts):
 *
 *   every node:http server seen listening (net.server.listen channel) or serving an observed request
 *     └─ drain: server.close()            no new connections; idle keep-alive connections closed
 *               in-flight responses       answered with `Connection: close`, so their sockets end after them
 *               every 50 ms               connections that became idle are closed (a response whose headers
 *                                         were already out still said keep-alive)
 *               resolved                  when every server emitted 'close' (all connections ended)
 *               at the phase deadline     what is left is closed (closeAllConnections), as Spring aborts then
 *
 * In-flight responses are known from the observations themselves (this is an observation handler): one entry per
 * request in flight (an array, not a Set: core/in-flight.ts), no closure. The management server is not drained
 * here: it keeps answering the readiness probe (503) until the close phase.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Server, ServerResponse } from 'node:http';
import { InFlight } from '../core/in-flight.js';
import type { ObservationContext } from '../observation/context.js';
import type { ObservationHandler } from '../observation/handler.js';
import { HttpServerContext } from './server-context.js';

const LISTEN_CHANNEL = 'tracing:net.server.listen:asyncEnd';
const IDLE_POLL_MS = 50;

function isHttpServer(server: unknown): server is Server {
  return typeof (server as Partial<Server> | undefined)?.closeIdleConnections === 'function';
}

export class HttpServerDrain implements ObservationHandler {
  readonly name = 'http server drain';
  readonly #inflight = new InFlight<ServerResponse>();
  readonly #servers = new Set<Server>();
  readonly #excluded: ((server: unknown) => boolean) | undefined;
  #draining = false;

  constructor(isExcluded?: (server: unknown) => boolean) {
    this.#excluded = isExcluded;
  }

  /** Requests in flight now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  supportsContext(context: ObservationContext): boolean {
    return context instanceof HttpServerContext;
  }

  onStart(context: ObservationContext): void {
    const { request, response } = context as HttpServerContext;
    this.#inflight.add(response);
    if (this.#draining) response.shouldKeepAlive = false;
    this.#track((request.socket as { server?: unknown } | null)?.server);
  }

  onStop(context: ObservationContext): void {
    this.#inflight.delete((context as HttpServerContext).response);
  }

  #track(server: unknown): void {
    if (!isHttpServer(server) || this.#servers.has(server)) return;
    if (this.#excluded !== undefined && this.#excluded(server)) return;
    this.#servers.add(server);
  }

  /** Also knows servers before their first request; returns the function that stops listening. */
  watchListening(): () => void {
    const onListen = (message: unknown): void => this.#track((message as { server?: unknown }).server);
    diagnosticsChannel.subscribe(LISTEN_CHANNEL, onListen);
    return () => {
      diagnosticsChannel.unsubscribe(LISTEN_CHANNEL, onListen);
    };
  }

  /**
   * Stops every known server and waits until its connections ended; `deadline` aborting closes what is left (it
   * is aborted already under Spring's `server.shutdown=immediate`).
   */
  async drain(deadline: AbortSignal): Promise<void> {
    this.#draining = true;
    for (const response of this.#inflight) if (!response.headersSent) response.shouldKeepAlive = false;
    const servers = [...this.#servers].filter((s) => s.listening);
    this.#servers.clear();
    if (servers.length === 0) return;
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    const force = (): void => {
      for (const s of servers) s.closeAllConnections();
    };
    if (deadline.aborted) force();
    else deadline.addEventListener('abort', force, { once: true });
    const poll = setInterval(() => {
      for (const s of servers) s.closeIdleConnections();
    }, IDLE_POLL_MS);
    poll.unref();
    try {
      await Promise.all(closed);
    } finally {
      clearInterval(poll);
      deadline.removeEventListener('abort', force);
    }
  }
}
