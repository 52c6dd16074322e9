/**
 * What the main thread and the Loki worker agree on: the worker's options (plain data: they are structured-cloned
 * into the worker) and the name of the thread-stream event that carries the worker's diagnostics back.
 */
import type { ShipperOptions } from './loki-shipper.js';
import type { SinkOptions } from './loki-sink.js';

/** Everything the worker gets. Plain data only. */
export interface LokiWorkerOptions {
  sink: SinkOptions;
  buffer: ShipperOptions;
  /** Upper bound of a flush, and of sending what is held at the end. */
  flushTimeoutMs: number;
  /** The counters the worker updates and the main thread reads (see shared-counters.ts). */
  counters: SharedArrayBuffer;
}

/** The thread-stream event name of diagnostics sent to the main thread. */
export const LOKI_EVENT = 'nodemeter:loki';
