/**
 * The maximum of the recent past, as Micrometer's TimeWindowMax: a ring of `bufferLength` maxima, each reset in
 * turn every `expiry / bufferLength` ms, so the value read is the max over roughly the last `expiry`.
 * Defaults are Micrometer's (2 minutes, 3 buffers). Stores numbers in place; record() allocates nothing.
 */
export class TimeWindowMax {
  readonly #ring: Float64Array;
  readonly #rotateEveryMs: number;
  #current = 0;
  #lastRotate: number;

  constructor(expiryMs = 120_000, bufferLength = 3, now = Date.now()) {
    this.#ring = new Float64Array(bufferLength);
    this.#rotateEveryMs = expiryMs / bufferLength;
    this.#lastRotate = now;
  }

  record(value: number, now = Date.now()): void {
    this.#rotate(now);
    const ring = this.#ring;
    for (let i = 0; i < ring.length; i++) {
      if (value > (ring[i] as number)) ring[i] = value;
    }
  }

  poll(now = Date.now()): number {
    this.#rotate(now);
    return this.#ring[this.#current] as number;
  }

  #rotate(now: number): void {
    const elapsed = now - this.#lastRotate;
    if (elapsed < this.#rotateEveryMs) return;
    const ring = this.#ring;
    if (elapsed >= this.#rotateEveryMs * ring.length) {
      ring.fill(0);
      this.#current = 0;
      this.#lastRotate = now - (elapsed % this.#rotateEveryMs);
      return;
    }
    let steps = Math.floor(elapsed / this.#rotateEveryMs);
    this.#lastRotate += steps * this.#rotateEveryMs;
    while (steps-- > 0) {
      ring[this.#current] = 0;
      this.#current = (this.#current + 1) % ring.length;
    }
  }
}
