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
    // thread-stream hands over whole chunks of the ring buffer (up to its 4 MiB); the shipper takes every line at
    // once, so there is never anything to wait for here. (Holding chunks back to read the ring less often was
    // measured: cheaper per line with the threads on two cores, dearer in a server sharing one core with its
    // worker, where the worker's bursts delay requests; see docs/guides/logging.md.)
    highWaterMark: 64 * 1024 * 1024,
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
      callback();
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
