/**
 * Counters the Loki worker thread writes and the main thread reads, in one SharedArrayBuffer.
 *
 *   worker: Atomics.add/store ──► SharedArrayBuffer ◄── Atomics.load at scrape time: main thread
 *
 * The worker cannot touch the main thread's MeterRegistry, and messages would arrive late or not at all when the
 * main thread is busy or exiting. Shared memory is read at scrape time, always current, and costs the worker one
 * atomic add per event. A SharedArrayBuffer survives the structured clone into the worker as shared memory, so it
 * travels with the other (plain data) transport options.
 */

/** Slot of each value in the shared array. */
export const SLOT = {
  /** Lines the receiver accepted (2xx). */
  sent: 0,
  /** Lines dropped because the buffer bound (lines or bytes) was reached; the oldest held lines go first. */
  droppedBufferFull: 1,
  /** Lines the receiver refused with a 4xx other than 408/429 (not retried), or lines that were not JSON. */
  droppedRejected: 2,
  /** Lines still held when shutdown's deadline passed (receiver down or slow at exit). */
  droppedShutdown: 3,
  /** Lines held right now (waiting or being sent). */
  bufferedLines: 4,
  /** Bytes (UTF-8) of the lines held right now. */
  bufferedBytes: 5,
  /** Set by the main thread before it ends the transport: drop what is still held instead of sending it. */
  discard: 6,
  /** Failed push attempts (network errors, timeouts, 429, 5xx), retried. */
  failedAttempts: 7,
} as const;

export type Slot = (typeof SLOT)[keyof typeof SLOT];

const SLOTS = 8;

/** A fresh shared array for one transport. */
export function createSharedCounters(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * BigInt64Array.BYTES_PER_ELEMENT);
}

/** Typed access to the shared array; the same class on both sides of the worker boundary. */
export class SharedCounters {
  readonly #values: BigInt64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#values = new BigInt64Array(buffer);
  }

  add(slot: Slot, n: number): void {
    if (n !== 0) Atomics.add(this.#values, slot, BigInt(n));
  }

  set(slot: Slot, n: number): void {
    Atomics.store(this.#values, slot, BigInt(n));
  }

  get(slot: Slot): number {
    return Number(Atomics.load(this.#values, slot));
  }
}
