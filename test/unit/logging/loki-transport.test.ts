/**
 * The Loki transport as the application runs it (pino's worker thread, pino-loki inside, the outcome of each push
 * from the diagnostics channels of Node's fetch), against a local stand-in
 * receiver: what a push looks like (labels app/host/level, no trace ids as labels, basic auth, tenant), retry on
 * 5xx, no retry on 400, the bound while the receiver is down (drops counted exactly, logging never waits), and a
 * bounded shutdown when the receiver hangs. The real receiver (VictoriaLogs) is in test/integration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Diag } from '../../../src/core/diag.js';
import { resolveLoggingOptions, setupLogging, type LokiOptions } from '../../../src/logging/index.js';
import { PrometheusMeterRegistry } from '../../../src/metrics/registry.js';
import { FakeLoki } from '../../helpers/fake-loki.js';
import { fetchPublishesBodies } from '../../helpers/fetch-channels.js';
import { waitFor } from '../../helpers/http.js';
import { find } from '../../helpers/series.js';

function start(loki: FakeLoki, options: Partial<LokiOptions> = {}, app = `unit-${process.pid}`) {
  const messages: string[] = [];
  const diag = new Diag('debug', (level, m) => messages.push(`${level} ${m}`));
  const registry = new PrometheusMeterRegistry({ application: app }, diag);
  const config = resolveLoggingOptions({
    console: false,
    flushOnSignals: false,
    // JSON lines unless a test asks for Boot's pattern: most tests read fields of the shipped lines.
    loki: { url: loki.url, format: 'json', batchIntervalMs: 20, minBackoffMs: 20, maxBackoffMs: 100, ...options },
  });
  const logging = setupLogging(config, { serviceName: app, registry, diag });
  const value = async (name: string, labels: Record<string, string> = {}) => find(await registry.scrape(), name, labels)?.value ?? 0;
  return { logging, registry, messages, value };
}

test("a push: labels app, host, logback's level (+ static), the JSON line with the trace ids, structured metadata, basic auth and tenant headers", async () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const loki = await new FakeLoki().start();
  const { logging } = start(loki, { labels: { env: 'test' }, basicAuth: { username: 'ada', password: 'pw' }, tenant: 'team-a' }, 'shop');
  try {
    const before = BigInt(Date.now()) * 1_000_000n;
    const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
    context.with(trace.setSpan(context.active(), span), () => logging.logger.info({ orderId: 1 }, 'placed'));
    logging.logger.warn('careful');
    logging.logger.child({ module: 'x' }).error('failed');
    await logging.flush();
    const entries = loki.entries;
    assert.equal(entries.length, 3);
    assert.deepEqual(entries.map((e) => e.labels), [
      { app: 'shop', host: hostname(), level: 'INFO', env: 'test' },
      { app: 'shop', host: hostname(), level: 'WARN', env: 'test' },
      { app: 'shop', host: hostname(), level: 'ERROR', env: 'test' },
    ]);
    assert.deepEqual(entries.map((e) => e.metadata), [
      { level: 'INFO', thread: 'main', logger: 'ROOT', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
      { level: 'WARN', thread: 'main', logger: 'ROOT' },
      { level: 'ERROR', thread: 'main', logger: 'x' },
    ]);
    assert.equal(entries[0]!.line.__nodemeter_structured_metadata, undefined, 'the metadata is not part of the line');
    const first = entries[0]!;
    assert.deepEqual(
      [first.line.msg, first.line.traceId, first.line.spanId, first.line.orderId, first.line.app, first.line.hostname],
      ['placed', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 1, 'shop', undefined],
    );
    const ts = BigInt(first.ts);
    assert.ok(ts >= before - 1_000_000n && ts <= BigInt(Date.now()) * 1_000_000n, 'nanosecond timestamp of the line');
    const headers = loki.pushes[0]!.headers;
    assert.equal(headers.authorization, `Basic ${Buffer.from('ada:pw').toString('base64')}`);
    assert.equal(headers['x-scope-orgid'], 'team-a');
    assert.equal(headers['content-type'], 'application/json');
  } finally {
    await logging.shutdown();
    await loki.stop();
    context.disable();
  }
});

test("format 'spring' (the default): Spring Boot's line with [traceId-spanId], the same labels and metadata", async () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const loki = await new FakeLoki().start();
  const { logging } = start(loki, { format: 'spring' }, 'shop');
  try {
    const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
    context.with(trace.setSpan(context.active(), span), () => logging.logger.child({ name: 'orders' }).info({ orderId: 1 }, 'placed'));
    logging.logger.fatal(new Error('gone'));
    await logging.flush();
    const [placed, gone] = loki.entries;
    assert.match(
      placed!.text,
      new RegExp(String.raw`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)  INFO ${process.pid} --- \[shop\] \[main\] \[4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7\] orders {34} : placed \{"orderId":1\}$`),
    );
    assert.deepEqual(placed!.labels, { app: 'shop', host: hostname(), level: 'INFO' });
    assert.deepEqual(placed!.metadata, { level: 'INFO', thread: 'main', logger: 'orders', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    assert.match(gone!.text, new RegExp(String.raw`ERROR ${process.pid} --- \[shop\] \[main\] \[ {49}\] ROOT {36} : gone\nError: gone\n    at `));
    assert.equal(gone!.labels.level, 'ERROR', "pino's fatal is logback's ERROR");
  } finally {
    await logging.shutdown();
    await loki.stop();
    context.disable();
  }
});

test('500 twice, then 204: the batch is retried and arrives once; failures counted, one warning', async () => {
  const loki = await new FakeLoki().start();
  loki.answer = (n) => (n <= 2 ? 500 : 204);
  const { logging, value, messages } = start(loki);
  try {
    for (let i = 0; i < 10; i++) logging.logger.info({ i }, 'line');
    await waitFor('all lines', () => (loki.entries.length >= 10 ? true : undefined), 10_000, 20);
    await logging.flush();
    assert.deepEqual(loki.entries.map((e) => e.line.i), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(await value('nodemeter_logs_push_failures_total'), 2);
    assert.equal(await value('nodemeter_logs_sent_total'), 10);
    assert.equal(messages.filter((m) => m.startsWith('warn NMWRN020')).length, 1, messages.join('\n'));
    assert.ok(messages.some((m) => m.includes('works again after 2 failed attempts')));
  } finally {
    await logging.shutdown();
    await loki.stop();
  }
});

test('400: the batch is dropped as rejected and not retried; later lines are shipped', async () => {
  const loki = await new FakeLoki().start();
  loki.answer = (n) => (n === 1 ? 400 : 204);
  const { logging, value, messages } = start(loki);
  try {
    logging.logger.info('refused');
    await waitFor('the rejection counted', async () => ((await value('nodemeter_logs_dropped_total', { reason: 'rejected' })) === 1 ? true : undefined), 10_000, 20);
    logging.logger.info('accepted');
    await logging.flush();
    assert.equal(loki.requests, 2);
    assert.deepEqual(loki.entries.map((e) => e.line.msg), ['accepted']);
    // The receiver's answer is in the warning where the runtime's fetch publishes response bodies (Node 24 and
    // later); on Node 22 the warning names the status only (see helpers/fetch-channels.ts).
    const reason = (await fetchPublishesBodies()) ? '(HTTP 400: answer 400)' : '(HTTP 400)';
    assert.ok(messages.some((m) => m.startsWith('warn NMWRN020') && m.includes(reason)), messages.join('\n'));
  } finally {
    await logging.shutdown();
    await loki.stop();
  }
});

test('receiver down: logging never waits, the bound holds, every drop is counted, the held lines arrive later', async () => {
  const loki = await new FakeLoki().start();
  const { logging, value } = start(loki, { maxBufferLines: 100, maxBatchLines: 50 });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  try {
    logging.logger.info('warm-up');
    await logging.flush();
    await loki.stop();
    delay.enable();
    let slowest = 0;
    for (let i = 0; i < 1000; i++) {
      const t0 = performance.now();
      logging.logger.info({ i }, 'while down');
      slowest = Math.max(slowest, performance.now() - t0);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await waitFor('the worker took every line', async () => {
      const held = await value('nodemeter_logs_buffer_lines');
      const dropped = await value('nodemeter_logs_dropped_total', { reason: 'buffer_full' });
      return held + dropped === 1000 ? { held, dropped } : undefined;
    }, 10_000, 20);
    assert.equal(await value('nodemeter_logs_buffer_lines'), 100, 'held: exactly the bound');
    assert.equal(await value('nodemeter_logs_dropped_total', { reason: 'buffer_full' }), 900);
    assert.ok(slowest < 50, `a log call took at most ${slowest.toFixed(2)} ms`);
    delay.disable();
    await loki.start();
    await waitFor('the held lines after recovery', () => (loki.entries.length >= 101 ? true : undefined), 15_000, 50);
    await logging.flush();
    const received = loki.entries.slice(1).map((e) => e.line.i as number);
    assert.equal(received.length, 100);
    assert.equal(await value('nodemeter_logs_sent_total'), 101);
    // What was kept: the batch in flight when the bound was reached (50 consecutive lines; which ones depends on
    // how the worker's reads interleaved with the logging), then the newest 50 lines.
    const inflight = received.slice(0, 50);
    assert.deepEqual(inflight, Array.from({ length: 50 }, (_, i) => inflight[0]! + i));
    assert.deepEqual(received.slice(50), Array.from({ length: 50 }, (_, i) => 950 + i));
  } finally {
    delay.disable();
    await logging.shutdown();
    await loki.stop();
  }
});

test('shutdown with a receiver that never answers is bounded by flushTimeoutMs; the unsent lines are reported', async () => {
  const loki = await new FakeLoki().start();
  loki.answer = () => 'hang';
  const { logging, messages } = start(loki, { flushTimeoutMs: 500, timeoutMs: 60_000 });
  try {
    for (let i = 0; i < 20; i++) logging.logger.info({ i }, 'line');
    await waitFor('a request open', () => (loki.requests > 0 ? true : undefined), 10_000, 20);
    const t0 = Date.now();
    await logging.shutdown();
    const took = Date.now() - t0;
    assert.ok(took < 3000, `shutdown took ${took} ms`);
    assert.ok(messages.some((m) => m.includes('20 log lines were still unsent at shutdown')), messages.join('\n'));
  } finally {
    await loki.stop();
  }
});
