/**
 * Ordered shutdown: everything nodemeter starts registers a closer here; shutdown() runs them in reverse order,
 * each bounded by a timeout, and never rejects. Things handed to us (pools, servers, clients) are never closed.
 */
import type { Diag } from './diag.js';
import { Warnings } from './warnings.js';

/** @since 0.1.0 */
export type Closer = () => void | Promise<void>;

export class Lifecycle {
  readonly #closers: { name: string; close: Closer }[] = [];
  readonly #diag: Diag;
  #shutdown: Promise<void> | undefined;

  constructor(diag: Diag) {
    this.#diag = diag;
  }

  get isShutDown(): boolean {
    return this.#shutdown !== undefined;
  }

  add(name: string, close: Closer): void {
    this.#closers.push({ name, close });
  }

  /** Runs every closer once, last added first. The same promise is returned to every caller. */
  shutdown(timeoutMs = 10_000): Promise<void> {
    this.#shutdown ??= this.#run(timeoutMs);
    return this.#shutdown;
  }

  async #run(timeoutMs: number): Promise<void> {
    for (const { name, close } of this.#closers.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(close),
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              this.#diag.warn(Warnings.SHUTDOWN_SLOW, { step: name, timeoutMs });
              resolve();
            }, timeoutMs);
            timer.unref();
          }),
        ]);
      } catch (err) {
        this.#diag.warn(Warnings.SHUTDOWN_FAILED, { step: name, error: err });
      } finally {
        if (timer) clearTimeout(timer);
      }
    }
    this.#closers.length = 0;
  }
}
