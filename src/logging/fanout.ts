/**
 * The destination of nodemeter's logger: the console (JSON or pretty, on the main thread, as pino's default
 * destination) and the Loki transport (to its worker thread). A line the worker can no longer take (it failed) is
 * counted instead of raising an error per line.
 */
import type { DestinationStream } from 'pino';
import { PINO_METADATA } from './load-pino.js';

type Flushable = DestinationStream & {
  flush?(cb?: (err?: Error) => void): void;
  flushSync?(): void;
  lastLevel?: number;
  lastTime?: string;
  lastMsg?: string | undefined;
  lastObj?: object;
  lastLogger?: unknown;
};

/** Where a line that could not be handed to the worker is counted. */
export interface LostLines {
  lostOnMainThread: number;
}

export class Fanout {
  readonly #console: Flushable | undefined;
  readonly #loki: (Flushable & { readonly writable: boolean }) | undefined;
  readonly #lost: LostLines | undefined;
  readonly #consoleNeedsMetadata: boolean;
  lastLevel = 0;
  lastTime = '';
  lastMsg: string | undefined = undefined;
  lastObj: object = {};
  lastLogger: unknown;

  constructor(
    consoleStream: DestinationStream | undefined,
    loki: (DestinationStream & { readonly writable: boolean }) | undefined,
    lost: LostLines | undefined,
  ) {
    this.#console = consoleStream as Flushable | undefined;
    this.#loki = loki as (Flushable & { readonly writable: boolean }) | undefined;
    this.#lost = lost;
    const meta = PINO_METADATA;
    this.#consoleNeedsMetadata = (consoleStream as Record<symbol, unknown> | undefined)?.[meta] === true;
    // Ask pino for the line's parts only when the console (pretty) uses them.
    if (this.#consoleNeedsMetadata) (this as Record<symbol, unknown>)[meta] = true;
  }

  write(line: string): void {
    const c = this.#console;
    if (c !== undefined) {
      if (this.#consoleNeedsMetadata) {
        c.lastLevel = this.lastLevel;
        c.lastTime = this.lastTime;
        c.lastMsg = this.lastMsg;
        c.lastObj = this.lastObj;
        c.lastLogger = this.lastLogger;
      }
      c.write(line);
    }
    const l = this.#loki;
    if (l !== undefined) {
      if (l.writable) l.write(line);
      else if (this.#lost) this.#lost.lostOnMainThread++;
    }
  }

  flush(cb?: (err?: Error) => void): void {
    let pending = 2;
    const done = () => {
      if (--pending === 0) cb?.();
    };
    for (const s of [this.#console, this.#loki]) {
      if (s !== undefined && typeof s.flush === 'function' && (s !== this.#loki || this.#loki.writable)) {
        try {
          s.flush(done);
        } catch {
          done();
        }
      } else {
        done();
      }
    }
  }

  flushSync(): void {
    for (const s of [this.#console, this.#loki]) {
      try {
        if (s !== undefined && (s !== this.#loki || this.#loki.writable)) s.flushSync?.();
      } catch {
        // a worker that cannot flush synchronously (busy, failed) must not break a fatal() call
      }
    }
  }
}
