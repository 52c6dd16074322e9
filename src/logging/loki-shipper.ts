/**
 * The bounded buffer, batching and retry in front of the Loki push requests, in the Loki worker thread.
 *
 *   lines from pino ──► accept() ──► queue (≤ maxBufferLines and ≤ maxBufferBytes, batch in flight included)
 *                                      │  full: the OLDEST waiting line is dropped (counted buffer_full)
 *                                      ▼
 *                          one batch in flight (≤ maxBatchLines, ≤ maxBatchBytes) ──► Sink (push request)
 *                                      │  network error, timeout, 408, 429, 5xx: same batch again after a backoff
 *                                      │  other 4xx: batch dropped (counted rejected)
 *                                      ▼
 *                                    sent (counted)
 *
 * One batch at a time keeps the lines of a stream in order (Loki refuses out-of-order entries in older setups) and
 * keeps a slow receiver from piling up requests. Waiting lines are sent when a full batch is ready, when the batch
 * interval has passed, or at once while a flush or the shutdown waits for them.
 *
 * Dropping the oldest (not the newest) line keeps the latest lines, the ones that explain what the service is doing
 * when the receiver comes back or when the process exits. The batch already in flight is never dropped for room:
 * it is the next thing the receiver gets.
 */
import { SLOT, type SharedCounters } from './shared-counters.js';

/** Bounds and timings of the shipper. All plain numbers (they cross the worker boundary). */
export interface ShipperOptions {
  maxBufferLines: number;
  maxBufferBytes: number;
  maxBatchLines: number;
  maxBatchBytes: number;
  batchIntervalMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

/** Outcome of one push attempt. */
export type SendResult =
  | { ok: true; invalid?: number }
  | { ok: false; retry: boolean; status?: number; error?: string };

/** Where batches go: pino-loki (loki-sink.ts) in production, a fake in tests. */
export interface Sink {
  send(lines: readonly string[]): Promise<SendResult>;
}

/** What the shipper tells the main thread about (turned into nodemeter diagnostics there). */
export type ShipperEvent =
  | { type: 'failed'; attempt: number; status?: number; error?: string }
  | { type: 'recovered'; attempts: number }
  | { type: 'rejected'; lines: number; status?: number; error?: string }
  | { type: 'dropped'; reason: 'buffer_full' | 'shutdown'; lines: number };

/** Lines and their UTF-8 sizes, first in first out, without Array#shift's copying. */
class LineQueue {
  #lines: string[] = [];
  #sizes: number[] = [];
  #head = 0;
  bytes = 0;

  get length(): number {
    return this.#lines.length - this.#head;
  }

  push(line: string, size: number): void {
    this.#lines.push(line);
    this.#sizes.push(size);
    this.bytes += size;
  }

  /** Removes the oldest line; returns its size. */
  dropHead(): number {
    const size = this.#sizes[this.#head] as number;
    this.#lines[this.#head] = '';
    this.#head++;
    this.bytes -= size;
    this.#compact();
    return size;
  }

  /** Removes up to maxLines oldest lines, stopping before maxBytes is passed (at least one line). */
  take(maxLines: number, maxBytes: number): { lines: string[]; bytes: number } {
    const start = this.#head;
    const end = Math.min(this.#lines.length, start + maxLines);
    let bytes = 0;
    let i = start;
    for (; i < end; i++) {
      const size = this.#sizes[i] as number;
      if (i > start && bytes + size > maxBytes) break;
      bytes += size;
    }
    const lines = this.#lines.slice(start, i);
    this.#head = i;
    this.bytes -= bytes;
    this.#compact();
    return { lines, bytes };
  }

  clear(): void {
    this.#lines = [];
    this.#sizes = [];
    this.#head = 0;
    this.bytes = 0;
  }

  #compact(): void {
    if (this.#head === this.#lines.length) {
      this.#lines.length = 0;
      this.#sizes.length = 0;
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#lines.length) {
      this.#lines.splice(0, this.#head);
      this.#sizes.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

interface Batch {
  readonly lines: string[];
  readonly bytes: number;
  /** Sequence number of its first line (lines are numbered as accepted). */
  readonly firstSeq: number;
}

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  timer: NodeJS.Timeout | undefined;
}

export class LokiShipper {
  readonly #opts: ShipperOptions;
  readonly #sink: Sink;
  readonly #counters: SharedCounters;
  readonly #report: (event: ShipperEvent) => void;
  readonly #queue = new LineQueue();
  #inflight: Batch | undefined;
  /** Sequence number of the last accepted line. */
  #accepted = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #backoff: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  #failures = 0;
  #dropping = false;
  #waiters: Waiter[] = [];
  #closing: { deadline: number; done: () => void } | undefined;
  #closed = false;

  constructor(opts: ShipperOptions, sink: Sink, counters: SharedCounters, report: (event: ShipperEvent) => void) {
    this.#opts = opts;
    this.#sink = sink;
    this.#counters = counters;
    this.#report = report;
  }

  /** Lines and bytes held (waiting and in flight). */
  get held(): { lines: number; bytes: number } {
    const inflight = this.#inflight;
    return {
      lines: this.#queue.length + (inflight ? inflight.lines.length : 0),
      bytes: this.#queue.bytes + (inflight ? inflight.bytes : 0),
    };
  }

  /**
   * Takes one log line (a JSON object, no newline). Never blocks, never throws. `size` is its UTF-8 length when the
   * caller knows it (the worker does, for a chunk of ASCII lines, without measuring each line).
   */
  accept(line: string, size: number = Buffer.byteLength(line)): void {
    if (this.#closed) {
      this.#drop('shutdown', 1);
      return;
    }
    const { maxBufferLines, maxBufferBytes } = this.#opts;
    const inflight = this.#inflight;
    const inflightLines = inflight ? inflight.lines.length : 0;
    const inflightBytes = inflight ? inflight.bytes : 0;
    const queue = this.#queue;
    if (inflightLines + 1 > maxBufferLines || inflightBytes + size > maxBufferBytes) {
      // No room even with nothing waiting (a line larger than the bound, or the bound taken by the batch in
      // flight): this line is dropped, the waiting ones are not.
      this.#drop('buffer_full', 1);
      return;
    }
    while (queue.length + inflightLines + 1 > maxBufferLines || queue.bytes + inflightBytes + size > maxBufferBytes) {
      queue.dropHead();
      this.#drop('buffer_full', 1);
    }
    queue.push(line, size);
    this.#accepted++;
    this.#publish();
    this.#schedule();
  }

  /**
   * Resolves once every line accepted so far is sent or dropped, or after timeoutMs, whichever is first. Waiting
   * lines go out at once, and a retry waiting for its backoff is tried now.
   */
  flush(timeoutMs: number): Promise<void> {
    const seq = this.#accepted;
    if (this.#oldestHeldSeq() > seq) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = { seq, resolve, timer: undefined };
      waiter.timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      this.#waiters.push(waiter);
      this.#wakeBackoff();
      this.#schedule();
    });
  }

  /**
   * Sends what is held, for at most timeoutMs; what is still held then is dropped (counted `shutdown`). With
   * `discard`, drops it at once. Lines accepted afterwards are dropped too.
   */
  close(timeoutMs: number, discard = false): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (discard || timeoutMs <= 0) {
      this.#dropAll();
      this.#closed = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const deadline = setTimeout(() => {
        this.#dropAll();
        finish();
      }, timeoutMs);
      const finish = () => {
        clearTimeout(deadline);
        this.#closing = undefined;
        this.#closed = true;
        resolve();
      };
      this.#closing = { deadline: Date.now() + timeoutMs, done: finish };
      this.#wakeBackoff();
      this.#schedule();
      this.#checkClosed();
    });
  }

  #drop(reason: 'buffer_full' | 'shutdown' | 'rejected', n: number): void {
    if (n === 0) return;
    if (reason === 'buffer_full') {
      this.#counters.add(SLOT.droppedBufferFull, n);
      if (!this.#dropping) {
        this.#dropping = true;
        this.#report({ type: 'dropped', reason, lines: n });
      }
    } else if (reason === 'shutdown') {
      this.#counters.add(SLOT.droppedShutdown, n);
      this.#report({ type: 'dropped', reason, lines: n });
    } else {
      this.#counters.add(SLOT.droppedRejected, n);
    }
  }

  #dropAll(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#backoff?.wake();
    const held = this.held.lines;
    this.#queue.clear();
    this.#inflight = undefined; // a request still running is abandoned: its outcome is ignored
    this.#drop('shutdown', held);
    this.#publish();
    this.#settleWaiters();
  }

  /** Once per accepted line: no object of its own (unlike `held`). */
  #publish(): void {
    const inflight = this.#inflight;
    this.#counters.set(SLOT.bufferedLines, this.#queue.length + (inflight ? inflight.lines.length : 0));
    this.#counters.set(SLOT.bufferedBytes, this.#queue.bytes + (inflight ? inflight.bytes : 0));
  }

  #oldestHeldSeq(): number {
    if (this.#inflight) return this.#inflight.firstSeq;
    return this.#queue.length > 0 ? this.#accepted - this.#queue.length + 1 : Infinity;
  }

  #settleWaiters(): void {
    if (this.#waiters.length === 0) return;
    const oldest = this.#oldestHeldSeq();
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.seq < oldest) {
        clearTimeout(w.timer);
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.#waiters = still;
  }

  #checkClosed(): void {
    if (this.#closing && this.#inflight === undefined && this.#queue.length === 0) this.#closing.done();
  }

  #schedule(): void {
    if (this.#inflight !== undefined || this.#queue.length === 0) return;
    const o = this.#opts;
    const urgent =
      this.#queue.length >= o.maxBatchLines ||
      this.#queue.bytes >= o.maxBatchBytes ||
      this.#waiters.length > 0 ||
      this.#closing !== undefined;
    if (urgent) {
      // setImmediate, not now: the rest of the chunk being parsed joins this batch.
      this.#immediate ??= setImmediate(this.#sendNext);
    } else {
      // Timers of the shipper do not keep a thread alive by themselves (pino's worker keeps itself alive).
      this.#timer ??= setTimeout(this.#sendNext, o.batchIntervalMs).unref();
    }
  }

  readonly #sendNext = (): void => {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    if (this.#inflight !== undefined || this.#queue.length === 0) return;
    const firstSeq = this.#accepted - this.#queue.length + 1;
    const { lines, bytes } = this.#queue.take(this.#opts.maxBatchLines, this.#opts.maxBatchBytes);
    const batch: Batch = { lines, bytes, firstSeq };
    this.#inflight = batch;
    void this.#deliver(batch);
  };

  async #deliver(batch: Batch): Promise<void> {
    for (;;) {
      let result: SendResult;
      try {
        result = await this.#sink.send(batch.lines);
      } catch (err) {
        result = { ok: false, retry: true, error: err instanceof Error ? err.message : String(err) };
      }
      if (batch !== this.#inflight) return; // dropped at shutdown meanwhile
      if (result.ok) {
        const invalid = result.invalid ?? 0;
        this.#counters.add(SLOT.sent, batch.lines.length - invalid);
        if (invalid > 0) {
          this.#drop('rejected', invalid);
          this.#report({ type: 'rejected', lines: invalid, error: 'lines that are not JSON objects' });
        }
        if (this.#failures > 0) this.#report({ type: 'recovered', attempts: this.#failures });
        this.#failures = 0;
        this.#dropping = false;
        break;
      }
      if (!result.retry) {
        this.#drop('rejected', batch.lines.length);
        this.#report({ type: 'rejected', lines: batch.lines.length, status: result.status, error: result.error });
        break;
      }
      this.#failures++;
      this.#counters.add(SLOT.failedAttempts, 1);
      this.#report({ type: 'failed', attempt: this.#failures, status: result.status, error: result.error });
      if (this.#closing && Date.now() >= this.#closing.deadline) return; // the close deadline drops everything
      await this.#sleep(this.#delay());
      if (batch !== this.#inflight) return;
    }
    this.#inflight = undefined;
    this.#publish();
    this.#settleWaiters();
    this.#checkClosed();
    this.#schedule();
  }

  /** Exponential backoff with jitter: min, 2×min, 4×min … up to max, each ±25%. */
  #delay(): number {
    const { minBackoffMs, maxBackoffMs } = this.#opts;
    const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(30, this.#failures - 1));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#backoff = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms).unref();
      this.#backoff = { timer, wake };
    });
  }

  #wakeBackoff(): void {
    this.#backoff?.wake();
  }
}
