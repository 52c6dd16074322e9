/**
 * The main-thread side of the Loki transport: starts pino's worker transport with nodemeter's worker
 * (loki-worker.ts), turns the counters it shares into meters, and its events into diagnostics.
 *
 *   nodemeter_logs_sent_total                   lines the receiver accepted
 *   nodemeter_logs_dropped_total{reason}        buffer_full | rejected | shutdown | transport_failed
 *   nodemeter_logs_buffer_lines / _bytes        held right now in the worker
 *   nodemeter_logs_push_failures_total          push attempts that failed and were retried
 *
 * The main thread never waits for the network: writes go to pino's shared ring buffer; flush() waits for the worker
 * asynchronously. Only the process's own exit (pino's exit hook) blocks, for at most flushTimeoutMs, while the
 * worker sends what it holds.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import type { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import type { MeterRegistry } from '../metrics/registry.js';
import type { ShipperEvent } from './loki-shipper.js';
import type { SinkVersionEvent } from './loki-sink.js';
import { loadPino } from './load-pino.js';
import { LOKI_EVENT, type LokiWorkerOptions } from './loki-protocol.js';
import { createSharedCounters, SharedCounters, SLOT } from './shared-counters.js';
import type { CorrelationKeys, ResolvedLokiConfig } from './options.js';
import { currentThreadName } from './spring-format.js';

/** A started Loki transport. */
export interface LokiTransport {
  /** Where the logger writes (pino's thread-stream to the worker). */
  readonly stream: DestinationStream & { flush(cb: (err?: Error) => void): void; readonly writable: boolean };
  /** Lines the main thread could not hand to the worker (the worker had failed). */
  lostOnMainThread: number;
  /** Resolves when what was logged so far is shipped, or after flushTimeoutMs. Never rejects. */
  flush(): Promise<void>;
  /** Flushes (bounded), drops what is still held, stops the worker, removes the meters. Never rejects. */
  close(): Promise<void>;
}

type ThreadStreamLike = DestinationStream & {
  flush(cb: (err?: Error) => void): void;
  end(): void;
  ref(): void;
  readonly writable: boolean;
  readonly closed: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
};

/** The directory of this module: dist/ when built (ESM or CJS bundle), src/logging/ when run from sources. */
function moduleDir(): string {
  // CJS bundles have __dirname; ESM has import.meta.url. `typeof` keeps the ESM case from throwing.
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/**
 * The worker file: the compiled loki-worker.js next to this module in the built package; from the TypeScript
 * sources (nodemeter's own tests, benchmarks and examples under tsx), a small loader of loki-worker.ts.
 */
function workerTarget(): string {
  const dir = moduleDir();
  for (const file of ['loki-worker.js', 'loki-worker.mjs', 'loki-worker.dev.cjs']) {
    const path = join(dir, file);
    if (existsSync(path)) return path;
  }
  throw new Error(`nodemeter's Loki worker (loki-worker.js) is missing in ${dir}`);
}

/** Reports a worker event: trouble as a declared warning, recovery at info. */
function report(diag: Diag, event: ShipperEvent | SinkVersionEvent, url: string): void {
  switch (event.type) {
    case 'unsupported':
      diag.warn(Warnings.LIBRARY_VERSION_UNSUPPORTED, {
        package: event.package,
        version: event.version,
        range: event.range,
        without: 'the outcome of each Loki push (lines count as sent once handed to pino-loki; failed pushes are not retried)',
      });
      return;
    case 'failed':
      // Once per URL: the first attempt of the first outage warns; retries, and later outages, go to debug.
      diag.warn(Warnings.LOKI_PUSH_FAILED, { url, reason: event.error ?? `HTTP ${event.status}` }, url);
      return;
    case 'recovered':
      diag.info(`pushing logs to ${url} works again after ${event.attempts} failed attempts`);
      return;
    case 'rejected':
      diag.warn(
        Warnings.LOKI_REJECTED,
        { url, lines: event.lines, reason: event.error ?? `HTTP ${event.status}` },
        `rejected:${event.status ?? 'invalid'}`,
      );
      return;
    case 'dropped':
      if (event.reason === 'shutdown') diag.warn(Warnings.LOKI_UNSENT_AT_SHUTDOWN, event.lines);
      else diag.warn(Warnings.LOKI_BUFFER_FULL, undefined, 'buffer_full');
  }
}

/** Starts the worker and registers the shipping meters. */
export function startLokiTransport(
  config: ResolvedLokiConfig,
  deps: { serviceName: string; registry: MeterRegistry; diag: Diag; keys?: CorrelationKeys },
): LokiTransport {
  const { registry, diag } = deps;
  const shared = createSharedCounters();
  const counters = new SharedCounters(shared);
  const headers: Record<string, string> = {};
  if (config.tenant !== undefined) headers['X-Scope-OrgID'] = config.tenant;
  const options: LokiWorkerOptions = {
    sink: {
      url: config.url,
      labels: { app: deps.serviceName, host: hostname(), ...config.labels },
      ...(config.basicAuth ? { basicAuth: { ...config.basicAuth } } : {}),
      headers,
      timeoutMs: config.timeoutMs,
      format: config.format,
      keys: deps.keys ?? 'spring',
      thread: currentThreadName(),
    },
    buffer: {
      maxBufferLines: config.maxBufferLines,
      maxBufferBytes: config.maxBufferBytes,
      maxBatchLines: config.maxBatchLines,
      maxBatchBytes: config.maxBatchBytes,
      batchIntervalMs: config.batchIntervalMs,
      minBackoffMs: config.minBackoffMs,
      maxBackoffMs: config.maxBackoffMs,
    },
    flushTimeoutMs: config.flushTimeoutMs,
    counters: shared,
  };
  const stream = loadPino().transport({ target: workerTarget(), options }) as unknown as ThreadStreamLike;

  const redactedUrl = config.url.replace(/\/\/[^/@]*@/, '//');
  stream.on(LOKI_EVENT, (event: ShipperEvent | SinkVersionEvent) => report(diag, event, redactedUrl));
  let failed = false;
  stream.on('error', (err: Error) => {
    failed = true;
    diag.warn(Warnings.LOKI_WORKER_FAILED, err, 'worker');
  });

  const transport: LokiTransport = {
    stream,
    lostOnMainThread: 0,
    flush,
    close,
  };

  const dropped = registry.functionCounter('nodemeter.logs.dropped', {
    description: 'Log lines that were not shipped to Loki, by reason',
    labelNames: ['reason'],
    read(emit) {
      emit(counters.get(SLOT.droppedBufferFull), { reason: 'buffer_full' });
      emit(counters.get(SLOT.droppedRejected), { reason: 'rejected' });
      emit(counters.get(SLOT.droppedShutdown), { reason: 'shutdown' });
      emit(transport.lostOnMainThread, { reason: 'transport_failed' });
    },
  });
  const sent = registry.functionCounter('nodemeter.logs.sent', {
    description: 'Log lines the Loki receiver accepted',
    read: (emit) => emit(counters.get(SLOT.sent)),
  });
  const failures = registry.functionCounter('nodemeter.logs.push.failures', {
    description: 'Loki push attempts that failed (network error, timeout, 408, 429, 5xx) and were retried',
    read: (emit) => emit(counters.get(SLOT.failedAttempts)),
  });
  const bufferLines = registry.gauge('nodemeter.logs.buffer', {
    baseUnit: 'lines',
    description: 'Log lines held for Loki (waiting or being sent)',
    collect: (g) => g.set(counters.get(SLOT.bufferedLines)),
  });
  const bufferBytes = registry.gauge('nodemeter.logs.buffer', {
    baseUnit: 'bytes',
    description: 'UTF-8 bytes of the log lines held for Loki',
    collect: (g) => g.set(counters.get(SLOT.bufferedBytes)),
  });

  function flush(): Promise<void> {
    if (failed || !stream.writable) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // The worker bounds its own wait by flushTimeoutMs; this timer only covers a worker that stopped answering.
      const timer = setTimeout(resolve, config.flushTimeoutMs + 2000);
      timer.unref();
      try {
        stream.flush(() => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      await flush();
      // What the flush could not send within its bound is dropped now rather than making end() below, which
      // blocks this thread until the worker is done, wait for the network once more.
      counters.set(SLOT.discard, 1);
      if (!failed && !stream.closed) {
        // Keep the process alive until the worker is gone (pino unrefs it once it is ready), as pino's own exit
        // hook does; bounded, in case the worker never closes.
        stream.ref();
        const closed = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          stream.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        try {
          stream.end();
        } catch {
          // already ended or failed
        }
        await closed;
      }
      for (const meter of [dropped, sent, failures, bufferLines, bufferBytes]) registry.remove(meter);
    })();
    return closing;
  }

  return transport;
}
