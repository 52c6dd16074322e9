/**
 * The separate management server, as Spring's `management.server.port`: a plain node:http server that answers only
 * actuator requests. If it cannot listen (port taken, no permission), the actuator is never served nowhere: by
 * default (`onPortTaken: 'fallback'`) it warns once (Warnings.MANAGEMENT_LISTEN_FAILED) and `failed` turns true, so
 * the application's routes serve the actuator instead; with `'fail'` it throws NM_ERR_MANAGEMENT_PORT_UNAVAILABLE
 * from the listen callback, ending the process as a Spring application whose management port is taken.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Diag } from '../core/diag.js';
import { NodemeterError } from '../core/errors.js';
import { Warnings } from '../core/warnings.js';
import type { PortTakenPolicy } from './options.js';
import type { ActuatorRouter } from './router.js';

export class ManagementServer {
  readonly #server: Server;
  readonly listening: Promise<AddressInfo | undefined>;
  /** True once listening failed: the application's routes serve the actuator from then on. */
  failed = false;

  constructor(router: ActuatorRouter, port: number, host: string, diag: Diag, onPortTaken: PortTakenPolicy = 'fallback') {
    // node:http is required here, not imported at the top: an ESM import of it builds its ESM facade, which reads
    // every export, and its lazy `WebSocket`/`EventSource` getters load undici: about 20 ms of every start-up
    // (Node 22 and 24), for a server most applications do not configure. `require` reads none of them.
    const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');
    this.#server = createServer((req, res) => {
      if (!router.serve(req, res)) {
        res.statusCode = 404;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: 'Not Found', actuator: router.basePath }));
      }
    });
    // The management server must never keep a finished process alive.
    this.#server.unref();
    this.listening = new Promise((resolve) => {
      this.#server.once('error', (err: NodeJS.ErrnoException) => {
        const reason = err.code ?? err.message;
        if (onPortTaken === 'fail') {
          throw new NodemeterError(
            'NM_ERR_MANAGEMENT_PORT_UNAVAILABLE',
            `the management server could not listen on ${host}:${port} (${reason}) and management.onPortTaken is "fail"`,
          );
        }
        this.failed = true;
        diag.warn(Warnings.MANAGEMENT_LISTEN_FAILED, { host, port, reason, basePath: router.basePath }, `${host}:${port}`);
        resolve(undefined);
      });
      this.#server.listen(port, host, () => {
        const address = this.#server.address() as AddressInfo;
        diag.info(`management server listening on http://${address.address}:${address.port}${router.basePath}`);
        resolve(address);
      });
    });
  }

  isServer(server: unknown): boolean {
    return server === this.#server;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections?.();
    });
  }
}
