/**
 * The Loki transport, as pino runs it in a worker thread (`pino.transport({ target: <this file> })`).
 *
 *   main thread: pino ──► ring buffer (pino's thread-stream) ──► this worker: split lines ──► LokiShipper
 *                                                                  ──► pino-loki (one push request per batch) ──► Loki
 *                                          outcome of each request ◄── Node's fetch diagnostics channels (loki-sink.ts)
 *
 * The options are plain data (they are structured-cloned into the worker): URL, labels, auth, bounds, and a
 * SharedArrayBuffer for the counters the main thread reads at scrape time. Diagnostics go back as thread-stream
 * events (`nodemeter:loki`).
 *
 * pino's thread-stream calls `flush()` of the returned stream for `logger.flush()`, and ends it when the main thread
 * ends the transport or exits; `final` then sends what is held, within `flushTimeoutMs` (the main thread waits for
 * it when it is exiting), unless the main thread asked to discard it.
 */
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { LOKI_EVENT, type LokiWorkerOptions } from './loki-protocol.js';
import { LokiShipper, type ShipperEvent } from './loki-shipper.js';
import { createLokiSink, type SinkVersionEvent } from './loki-sink.js';
import { SharedCounters, SLOT } from './shared-counters.js';

/**
 * How long the worker leaves the ring buffer alone after reading it. thread-stream wakes this thread for every
 * write the main thread makes (one per event-loop turn that logged: about one per request in a server), and at
 * realistic rates the wake-ups cost both threads more than shipping the lines does. Lines written meanwhile wait in
 * the ring buffer (4 MiB: seconds of logging at any realistic rate) and are read in one chunk: at most 40 wake-ups
 * a second whatever the rate. Measured (benchmarks/logging/run.mjs, Node 24, lines in bursts every 1 ms), CPU of
 * both threads per shipped line: 88 → 36 µs at 1,000 lines/s, 24 → 15 µs at 5,000 lines/s (with the batch handed to
 * pino-loki as objects, compat/pino-loki.ts); the main thread's share fell too (a write wakes no waiting thread).
 * In a server on one core (benchmarks/logging/threads.mjs, one shipped line per request) the worker was woken once
 * every 3 requests and preempted the main thread about as often; with the pause it wakes 0.01 times a request, and
 * its CPU per line fell from 22 to 13 µs.
 * Nothing waits longer for it than this: a flush waits for the read, then for the shipper; `fatal()` and the exit
 * hook wait for the read (at most this long).
 */
const READ_PAUSE_MS = 25;

function post(event: ShipperEvent | SinkVersionEvent): void {
  try {
    parentPort?.postMessage({ code: 'EVENT', name: LOKI_EVENT, args: [event] });
  } catch {
    // The main thread is gone: nobody left to tell.
  }
}

/** Builds the destination stream; the default export of a pino transport. */
export default async function lokiTransport(options: LokiWorkerOptions): Promise<Writable> {
  const counters = new SharedCounters(options.counters);
  const sink = createLokiSink(options.sink, post);
  const shipper = new LokiShipper(options.buffer, sink, counters, post);

  let partial = '';
  const destination = new Writable({
    decodeStrings: false,
    // Every chunk is "not done" for READ_PAUSE_MS (see there): write() returns false, and thread-stream reads the
    // ring buffer again only on 'drain'.
    highWaterMark: 1,
    write(chunk: string | Buffer, _encoding, callback) {
      const text = partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      // One measurement per chunk: when it is all ASCII (most log lines are), a line's UTF-8 size is its length;
      // otherwise the shipper measures each line.
      const ascii = Buffer.byteLength(text) === text.length;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) break;
        let end = nl;
        if (end > start && text.charCodeAt(end - 1) === 13) end--; // \r\n (pino's crlf option)
        if (end > start) {
          if (ascii) shipper.accept(text.slice(start, end), end - start);
          else shipper.accept(text.slice(start, end));
        }
        start = nl + 1;
      }
      partial = start === text.length ? '' : text.slice(start);
      setTimeout(callback, READ_PAUSE_MS);
    },
    final(callback) {
      if (partial !== '') shipper.accept(partial);
      partial = '';
      const discard = counters.get(SLOT.discard) !== 0;
      shipper.close(options.flushTimeoutMs, discard).then(() => {
        const lost = counters.get(SLOT.droppedShutdown);
        if (lost > 0 && !discard) {
          // The main thread may be blocked in its exit handler and unable to print for us: write to stderr directly.
          try {
            writeSync(2, `[nodemeter] WARN ${lost} log lines could not be shipped to Loki before exit\n`);
          } catch {
            // stderr closed.
          }
        }
        sink.close();
        callback();
      }, callback);
    },
  });
  // thread-stream calls this for logger.flush(): resolve once what was logged so far is sent (or the timeout).
  (destination as Writable & { flush(): Promise<void> }).flush = () => shipper.flush(options.flushTimeoutMs);
  return destination;
}
