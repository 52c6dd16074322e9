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
import { pino, type DestinationStream } from 'pino';
import type { Diag } from '../core/diag.js';
import type { MeterRegistry } from '../metrics/registry.js';
import type { ShipperEvent } from './loki-shipper.js';
import { LOKI_EVENT, type LokiWorkerOptions } from './loki-protocol.js';
import { createSharedCounters, SharedCounters, SLOT } from './shared-counters.js';
import type { ResolvedLokiConfig } from './options.js';

/** The warning code of everything that goes wrong while shipping logs (proposed; see docs/guides/logging.md). */
export const WARN_LOKI = 'NMWRN020';

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

function describeEvent(event: ShipperEvent, url: string): { level: 'warn' | 'info' | 'debug'; key: string; text: string } {
  switch (event.type) {
    case 'failed':
      return {
        level: event.attempt === 1 ? 'warn' : 'debug',
        key: `${WARN_LOKI}:${url}`,
        text:
          `${WARN_LOKI} pushing logs to ${url} failed (${event.error ?? `HTTP ${event.status}`}); lines are kept up ` +
          'to the buffer bound and retried with backoff; lines beyond it are dropped and counted in ' +
          'nodemeter_logs_dropped_total{reason="buffer_full"}',
      };
    case 'recovered':
      return { level: 'info', key: '', text: `pushing logs to ${url} works again after ${event.attempts} failed attempts` };
    case 'rejected':
      return {
        level: 'warn',
        key: `${WARN_LOKI}:rejected:${event.status ?? 'invalid'}`,
        text:
          `${WARN_LOKI} ${url} refused ${event.lines} log lines (${event.error ?? `HTTP ${event.status}`}); they are not ` +
          'retried and are counted in nodemeter_logs_dropped_total{reason="rejected"}',
      };
    case 'dropped':
      return event.reason === 'shutdown'
        ? { level: 'warn', key: '', text: `${WARN_LOKI} ${event.lines} log lines were still unsent at shutdown and are dropped` }
        : {
            level: 'warn',
            key: `${WARN_LOKI}:buffer_full`,
            text: `${WARN_LOKI} the log buffer is full; the oldest waiting lines are dropped and counted in nodemeter_logs_dropped_total{reason="buffer_full"}`,
          };
  }
}

/** Starts the worker and registers the shipping meters. */
export function startLokiTransport(
  config: ResolvedLokiConfig,
  deps: { serviceName: string; registry: MeterRegistry; diag: Diag },
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
  const stream = pino.transport({ target: workerTarget(), options }) as unknown as ThreadStreamLike;

  const redactedUrl = config.url.replace(/\/\/[^/@]*@/, '//');
  stream.on(LOKI_EVENT, (event: ShipperEvent) => {
    const { level, key, text } = describeEvent(event, redactedUrl);
    if (level === 'warn' && key !== '') diag.warnOnce(key, text);
    else if (level === 'warn') diag.warn(text);
    else if (level === 'info') diag.info(text);
    else diag.debug(text);
  });
  let failed = false;
  stream.on('error', (err: Error) => {
    failed = true;
    diag.warnOnce(`${WARN_LOKI}:worker`, `${WARN_LOKI} the Loki transport worker failed (${err.message}); log lines are no longer shipped and are counted in nodemeter_logs_dropped_total{reason="transport_failed"}`);
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
