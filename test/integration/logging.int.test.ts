// @backends victorialogs zipkin
/**
 * Logs in a real Loki push receiver (VictoriaLogs, started by the stack script) and traces in a real Zipkin:
 * a line logged while handling a request carries the trace id Zipkin holds, under the labels app/level/host (level in
 * logback's names), in Spring Boot's line with `[traceId-spanId]` and as structured metadata (`traceId`, `spanId`,
 * `thread`, `logger`); 100 000 lines at full speed all arrive after shutdown(); logback_events_total (Micrometer's
 * lower-case level values) matches what arrived per level;
 * the receiver stopped for 30 s under load, then restarted: the service never stalls, what the bound held arrives,
 * and the drop counter is exactly the loss.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { trace } from '@opentelemetry/api';
import express from 'express';
import { Diag } from '../../src/core/diag.js';
import { instrument } from '../../src/index.js';
import { resolveLoggingOptions, setupLogging, type LokiOptions } from '../../src/logging/index.js';
import { PrometheusMeterRegistry } from '../../src/metrics/registry.js';
import { close, waitFor } from '../helpers/http.js';
import { find } from '../helpers/series.js';
import { count, forceFlush, lokiPushUrl, query, requireVictoriaLogs, stack, streamLabels } from '../helpers/victorialogs.js';
import { requireZipkin, waitForTrace, ZIPKIN_URL } from '../helpers/zipkin.js';
import { untracedFetch } from '../helpers/untraced.js';

const PID = process.pid;

before(() => {
  requireVictoriaLogs();
  requireZipkin();
});

after(async () => {
  // The outage test restarts VictoriaLogs; make sure it is up for whatever runs next.
  if (!(await stack('status'))) await stack('up');
});

/** A logging setup of its own (registry, diagnostics), shipping to VictoriaLogs. */
function standalone(app: string, loki: Partial<LokiOptions> = {}, level: 'info' | 'trace' = 'info') {
  const messages: string[] = [];
  const diag = new Diag('debug', (lvl, m) => messages.push(`${lvl} ${m}`));
  const registry = new PrometheusMeterRegistry({ application: app }, diag);
  const logging = setupLogging(
    // JSON lines: these tests read fields of the stored lines (seq, i).
    resolveLoggingOptions({ level, console: false, flushOnSignals: false, loki: { url: lokiPushUrl(), format: 'json', ...loki } }),
    { serviceName: app, registry, diag },
  );
  const value = async (name: string, labels: Record<string, string> = {}) => find(await registry.scrape(), name, labels)?.value ?? 0;
  return { logging, registry, messages, value };
}

test('a request handled inside a span logs a line; VictoriaLogs has it with its traceId, the trace is in Zipkin', async () => {
  const app = `orders-${PID}`;
  const nm = instrument({
    serviceName: app,
    diagLevel: 'error',
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${ZIPKIN_URL}/api/v2/spans` }, export: { scheduledDelayMs: 100 } },
    logging: { console: false, flushOnSignals: false, loki: { url: lokiPushUrl(), labels: { env: 'it' } } },
  });
  const web = express();
  web.use(nm.express());
  web.get('/orders/:id', (req, res) => {
    nm.logger.info({ orderId: req.params.id }, 'order looked up');
    const sc = trace.getActiveSpan()?.spanContext();
    res.json({ traceId: sc?.traceId, spanId: sc?.spanId });
  });
  const server: Server = web.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders/42`;
    // The test is not part of the service: its own request is not traced.
    const res = await untracedFetch(url);
    const { traceId, spanId } = (await res.json()) as { traceId: string; spanId: string };
    assert.match(traceId, /^[0-9a-f]{32}$/);

    nm.logger.flush();
    const lines = await waitFor('the line in VictoriaLogs', async () => {
      await forceFlush();
      const found = await query(`{app="${app}"} traceId:="${traceId}"`);
      return found.length > 0 ? found : undefined;
    }, 20_000, 200);
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    // Spring Boot's line (the default format), the ids also as structured metadata, as loki4j ships a Java line.
    assert.match(
      line._msg ?? '',
      new RegExp(String.raw`^\S+  INFO ${process.pid} --- \[${app}\] \[main\] \[${traceId}-${spanId}\] ROOT {36} : order looked up \{"orderId":"42"\}$`),
    );
    assert.equal(line.spanId, spanId);
    assert.equal(line.thread, 'main');
    assert.equal(line.logger, 'ROOT');
    assert.deepEqual(streamLabels(line), { app, env: 'it', host: hostname(), level: 'INFO' });
    assert.ok(!('traceId' in streamLabels(line)), 'trace ids are never labels');

    const spans = await waitForTrace(traceId, 1);
    const serverSpan = spans.find((s) => s.kind === 'SERVER');
    assert.ok(serverSpan, JSON.stringify(spans));
    assert.equal(serverSpan.traceId, traceId, 'the logged trace id is the one Zipkin holds');
    assert.equal(serverSpan.id, spanId, 'and the span id is the server span');
    assert.equal(serverSpan.localEndpoint?.serviceName, app);
  } finally {
    await close(server);
    await nm.shutdown();
  }
});

test('100 000 lines at full speed, then shutdown(): every line arrives', async (t) => {
  const app = `bulk-${PID}`;
  const { logging, value } = standalone(app);
  const N = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) logging.logger.info({ seq: i, order: `o-${i % 977}` }, 'bulk line');
  const logged = performance.now() - t0;
  const dropped = await value('nodemeter_logs_dropped_total', { reason: 'buffer_full' });
  const t1 = performance.now();
  await logging.shutdown();
  const shut = performance.now() - t1;
  t.diagnostic(`logged ${N} lines in ${logged.toFixed(0)} ms (${Math.round(N / (logged / 1000))} lines/s); shutdown() took ${shut.toFixed(0)} ms`);
  assert.equal(dropped, 0);
  const arrived = await waitFor('all lines counted', async () => {
    const n = await count(`{app="${app}"}`);
    return n >= N ? n : undefined;
  }, 30_000, 200).catch(async () => count(`{app="${app}"}`));
  assert.equal(arrived, N);
  const distinct = await query(`{app="${app}"} | stats count_uniq(seq) n`);
  assert.equal(Number(distinct[0]?.n), N, 'each line once');
});

test('logback_events_total matches the lines per level that arrived', async () => {
  const app = `levels-${PID}`;
  const { logging, registry } = standalone(app, {}, 'trace');
  const plan = { trace: 7, debug: 15, info: 30, warn: 20, error: 10, fatal: 5 } as const;
  /** The `level` label: logback's names; pino's fatal is ERROR. */
  const label = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;
  for (const [level, n] of Object.entries(plan) as [keyof typeof plan, number][]) {
    for (let i = 0; i < n; i++) logging.logger[level]({ i }, `${level} line`);
  }
  await logging.flush();
  const counters = Object.fromEntries(
    (await registry.scrape())
      .split('\n')
      .filter((l) => l.startsWith('logback_events_total{'))
      .map((l) => [/level="(\w+)"/.exec(l)![1], Number(l.split(' ').pop())]),
  );
  await forceFlush();
  const stored: Record<string, number> = {};
  for (const [level, name] of Object.entries(label)) stored[level] = await count(`{app="${app}",level="${name}"}`);
  assert.deepEqual(
    stored,
    { trace: plan.trace, debug: plan.debug, info: plan.info, warn: plan.warn, error: plan.error + plan.fatal },
    "every line arrived, labelled with logback's level name (fatal as ERROR)",
  );
  assert.equal(await count(`{app="${app}",level=~"[a-z]+"}`), 0, 'no lower-case level label');
  // Micrometer's LogbackMetrics writes lower-case level values (measured on the running Spring services too).
  assert.deepEqual(counters, stored);
  await logging.shutdown();
});

test('receiver stopped for 30 s under logging load, then restarted: no stall, the bound arrives, drops counted exactly', async (t) => {
  assert.ok(await stack('status'), 'this test stops and starts the VictoriaLogs of scripts/stack; it must be the one running');
  const app = `outage-${PID}`;
  const BOUND = 2000;
  const BATCH = 500;
  const { logging, value, messages } = standalone(app, {
    maxBufferLines: BOUND,
    maxBatchLines: BATCH,
    batchIntervalMs: 200,
    minBackoffMs: 100,
    maxBackoffMs: 1000,
    timeoutMs: 2000,
  });
  logging.logger.info({ seq: 0 }, 'before the outage');
  await logging.flush();

  // Load: 5 lines every 10 ms (about 500 lines/s), timing each call.
  let logged = 1;
  let slowestCall = 0;
  const load = setInterval(() => {
    for (let k = 0; k < 5; k++) {
      const c0 = performance.now();
      logging.logger.info({ seq: logged }, 'under load');
      slowestCall = Math.max(slowestCall, performance.now() - c0);
      logged++;
    }
  }, 10);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  try {
    await stack('down');
    delay.enable();
    const downAt = Date.now();
    // The first failed push proves the worker saw the receiver go; every success before it is counted by now.
    await waitFor('a failed push', async () => ((await value('nodemeter_logs_push_failures_total')) > 0 ? true : undefined), 20_000, 50);
    const sentBefore = await value('nodemeter_logs_sent_total');
    // The outage lasts 30 s while the load goes on (the scenario's length, not a synchronisation).
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downAt))));
    clearInterval(load);
    delay.disable();
    const maxDelayMs = delay.max / 1e6;
    const p99DelayMs = delay.percentile(99) / 1e6;
    // Nothing can be sent while the receiver is down: every line is sent before, held, or dropped.
    const { held, droppedAtRestart } = await waitFor('the worker to take every line', async () => {
      const h = await value('nodemeter_logs_buffer_lines');
      const d = await value('nodemeter_logs_dropped_total', { reason: 'buffer_full' });
      return sentBefore + h + d === logged ? { held: h, droppedAtRestart: d } : undefined;
    }, 10_000, 50);

    await stack('up'); // an empty data directory: only what is sent from now on is there to count
    await waitFor('the held lines to be sent', async () => {
      await logging.flush();
      return (await value('nodemeter_logs_sent_total')) === sentBefore + held ? true : undefined;
    }, 30_000, 100);
    const sent = await value('nodemeter_logs_sent_total');
    const dropped = await value('nodemeter_logs_dropped_total', { reason: 'buffer_full' });
    const arrived = await waitFor('the sent lines to be searchable', async () => {
      const n = await count(`{app="${app}"}`);
      return n >= held ? n : undefined;
    }, 20_000, 200).catch(() => count(`{app="${app}"}`));
    const seqs = (await query(`{app="${app}"} | fields seq`, 10 * BOUND)).map((l) => Number(l.seq)).sort((a, b) => a - b);

    t.diagnostic(
      `logged ${logged} lines (about 500/s); ${sentBefore} sent before the outage; held at restart ${held} (bound ${BOUND}); ` +
        `dropped ${dropped}; after the restart ${arrived} arrived`,
    );
    t.diagnostic(
      `event loop during the 30 s outage: max delay ${maxDelayMs.toFixed(1)} ms, p99 ${p99DelayMs.toFixed(1)} ms ` +
        `(monitor resolution 10 ms); slowest log call ${slowestCall.toFixed(2)} ms`,
    );

    assert.ok(droppedAtRestart > 0, 'the outage outgrew the bound');
    assert.equal(held, BOUND, 'the buffer held exactly its bound');
    assert.equal(arrived, held, 'every line the bound held arrived after the restart');
    assert.equal(dropped, droppedAtRestart, 'nothing more was dropped after the restart');
    assert.equal(dropped, logged - sentBefore - arrived, 'the drop counter is exactly the loss beyond the bound');
    assert.equal(sent + dropped, logged, 'every line logged was sent or counted as dropped');
    // Kept: the batch in flight when the receiver went (k consecutive lines, k ≤ a batch), then the newest lines.
    let k = 1;
    while (k < seqs.length && seqs[k] === seqs[0]! + k) k++;
    assert.ok(k <= BATCH, `the batch in flight: ${k} lines from seq ${seqs[0]}`);
    assert.deepEqual(seqs.slice(k), Array.from({ length: BOUND - k }, (_, i) => logged - (BOUND - k) + i), 'then the newest lines');
    assert.equal(await value('nodemeter_logs_dropped_total', { reason: 'rejected' }), 0);
    assert.equal(messages.filter((m) => m.startsWith('warn NMWRN020') && m.includes('failed')).length, 1, 'warned once');
  } finally {
    clearInterval(load);
    delay.disable();
    if (!(await stack('status'))) await stack('up');
    await logging.shutdown();
  }
});
