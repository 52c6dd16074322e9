/**
 * The service under load, in its own process (run with `node --import tsx`): a plain node:http server instrumented
 * with 100% sampling, exporting spans to ZIPKIN_ENDPOINT and shipping one log line per request to LOKI_URL.
 * The load generator and the broken backends are other processes, so what this process spends is the service's
 * own cost.
 *
 * Talks to its parent over IPC: `{ cmd: 'stats' }` → one `ServiceStats`; `{ cmd: 'flush' }` → spans flushed;
 * `{ cmd: 'shutdown' }` → nm.shutdown(), then `{ done: true }` and exit.
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { instrument } from '../../../src/index.js';

const unhandled: string[] = [];
process.on('unhandledRejection', (e) => unhandled.push(`unhandledRejection: ${String(e)}`));
process.on('uncaughtException', (e) => unhandled.push(`uncaughtException: ${String(e)}`));

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} must be set`);
  return v;
};

const nm = instrument({
  serviceName: 'hardening-load',
  diagLevel: 'silent',
  shutdown: { onSignals: false },
  tracing: {
    samplingProbability: 1,
    zipkin: { endpoint: env('ZIPKIN_ENDPOINT') },
    export: {
      maxQueueSize: Number(process.env.SPAN_QUEUE ?? 2048),
      scheduledDelayMs: 500,
      exportTimeoutMs: Number(process.env.EXPORT_TIMEOUT_MS ?? 3000),
    },
  },
  logging: {
    console: false,
    flushOnSignals: false,
    loki: {
      url: env('LOKI_URL'),
      format: 'json',
      batchIntervalMs: 250,
      maxBufferLines: Number(process.env.LOG_BUFFER_LINES ?? 5000),
      timeoutMs: Number(process.env.LOKI_TIMEOUT_MS ?? 3000),
      maxBackoffMs: 1000,
      flushTimeoutMs: 8000,
    },
  },
});

let requests = 0;
const server = createServer((req, res) => {
  requests++;
  nm.logger.info({ path: req.url }, 'handled');
  res.setHeader('content-type', 'text/plain');
  res.end('ok');
});
server.keepAliveTimeout = 60_000;
const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();

export interface ServiceStats {
  requests: number;
  rssBytes: number;
  heapUsedBytes: number;
  cpuMicros: number;
  /** Event-loop delay since the previous stats call, in ms. */
  eldP99Ms: number;
  eldMaxMs: number;
  unhandled: string[];
  /** `name{labels} value` lines of the nodemeter_* families and logback_events_total. */
  counters: string[];
}

process.on('message', (m: { cmd: string }) => {
  void (async () => {
    if (m.cmd === 'stats') {
      const cpu = process.cpuUsage();
      const text = await nm.scrape();
      const stats: ServiceStats = {
        requests,
        rssBytes: process.memoryUsage.rss(),
        heapUsedBytes: process.memoryUsage().heapUsed,
        cpuMicros: cpu.user + cpu.system,
        eldP99Ms: eld.percentile(99) / 1e6,
        eldMaxMs: eld.max / 1e6,
        unhandled,
        counters: text.split('\n').filter((l) => /^(nodemeter_(spans|logs)_|logback_events_total)/.test(l)),
      };
      eld.reset();
      process.send!(stats);
    } else if (m.cmd === 'flush') {
      // Bounded, so that a flush that never returns is reported as such instead of hanging the run.
      const t0 = performance.now();
      let bound: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        // Rejects when a batch was lost (OpenTelemetry's batch processor passes the export error on); the loss is
        // counted in nodemeter_spans_total, which is what the run compares.
        (nm.tracing?.forceFlush() ?? Promise.resolve()).then(() => true, () => true),
        new Promise<false>((r) => (bound = setTimeout(() => r(false), 15_000))),
      ]);
      clearTimeout(bound);
      process.send!({ flushed: ok, ms: performance.now() - t0 });
    } else if (m.cmd === 'shutdown') {
      await new Promise<void>((r) => server.close(() => r()));
      await nm.shutdown();
      process.send!({ done: true, unhandled }, () => process.exit(0));
    }
  })().catch((e: unknown) => unhandled.push(`ipc: ${String(e)}`));
});

server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.send!({ port: typeof a === 'object' && a ? a.port : 0 });
});
