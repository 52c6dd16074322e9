/**
 * A destination writing every line to two streams: an application logger's own destination and nodemeter's Loki
 * transport (see instrumentLogger). pino's per-line metadata (`lastLevel`, `lastTime` …, pino's documented protocol
 * for destinations marked with `Symbol.for('pino.metadata')`, as `pino.multistream` uses it) is passed on to the
 * first stream when that one asks for it.
 */
import type { DestinationStream } from 'pino';

/** Written to `lastObj` until the first line. */
const NONE: object = Object.freeze({});

/** A stream writing every line to two streams; pino's metadata (lastLevel …) is passed on to the first. */
export class TeeStream {
  readonly #first: DestinationStream & Record<string | symbol, unknown>;
  readonly #second: DestinationStream & { flush?(cb: (err?: Error) => void): void };
  readonly #metadata: symbol;
  lastLevel = 0;
  lastTime = '';
  lastMsg = '';
  lastObj: object = NONE;
  lastLogger: unknown;

  constructor(first: DestinationStream, second: DestinationStream, metadata: symbol) {
    this.#first = first as DestinationStream & Record<string | symbol, unknown>;
    this.#second = second;
    this.#metadata = metadata;
    if (this.#first[metadata] === true) (this as Record<symbol, unknown>)[metadata] = true;
  }

  write(line: string): void {
    const first = this.#first;
    if (first[this.#metadata] === true) {
      first.lastLevel = this.lastLevel;
      first.lastTime = this.lastTime;
      first.lastMsg = this.lastMsg;
      first.lastObj = this.lastObj;
      first.lastLogger = this.lastLogger;
    }
    first.write(line);
    this.#second.write(line);
  }

  flush(cb?: (err?: Error) => void): void {
    let pending = 2;
    const done = () => {
      if (--pending === 0) cb?.();
    };
    const f = this.#first.flush as ((cb: () => void) => void) | undefined;
    if (typeof f === 'function') f.call(this.#first, done);
    else done();
    if (typeof this.#second.flush === 'function') this.#second.flush(done);
    else done();
  }

  flushSync(): void {
    const f = this.#first.flushSync as (() => void) | undefined;
    if (typeof f === 'function') f.call(this.#first);
  }
}

