/**
 * Trace correlation in log lines: `traceId`/`spanId` (Spring) or `trace_id`/`span_id`/`trace_flags` (OpenTelemetry)
 * inside a span and nothing outside one, `app` on every line, child loggers, an application's own logger
 * instrumented without changing it, and logback_events_total counted per Spring level.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { pino } from 'pino';
import { Diag } from '../../../src/core/diag.js';
import { LogEventCounter } from '../../../src/logging/log-events.js';
import { createLogger, instrumentLogger, mergeMixin } from '../../../src/logging/logger.js';
import { newRegistry, seriesOf } from '../../helpers/registry.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

let manager: AsyncLocalStorageContextManager;
before(() => {
  manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
});
after(() => {
  context.disable();
});

function inSpan<T>(fn: () => T, traceId = TRACE, spanId = SPAN, traceFlags = TraceFlags.SAMPLED): T {
  const span: Span = trace.wrapSpanContext({ traceId, spanId, traceFlags });
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** A destination collecting lines as parsed objects. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } };
}

test('inside a span a line carries traceId and spanId; outside, neither; app on every line, no hostname', () => {
  const out = capture();
  const logger = createLogger({ serviceName: 'orders' }, { destination: out.stream });
  logger.info('outside');
  inSpan(() => logger.info({ orderId: 42 }, 'inside'));
  const [outside, inside] = out.lines;
  assert.equal(outside!.traceId, undefined);
  assert.equal(outside!.spanId, undefined);
  assert.equal(outside!.app, 'orders');
  assert.equal(outside!.hostname, undefined);
  assert.equal(typeof outside!.pid, 'number');
  assert.deepEqual(
    { traceId: inside!.traceId, spanId: inside!.spanId, orderId: inside!.orderId, msg: inside!.msg, app: inside!.app },
    { traceId: TRACE, spanId: SPAN, orderId: 42, msg: 'inside', app: 'orders' },
  );
});

test("keys 'otel': trace_id, span_id and trace_flags as OpenTelemetry's pino instrumentation writes them", () => {
  const out = capture();
  const logger = createLogger({ serviceName: 'orders', keys: 'otel' }, { destination: out.stream });
  inSpan(() => logger.info('sampled'));
  inSpan(() => logger.info('not sampled'), TRACE, SPAN, TraceFlags.NONE);
  assert.deepEqual(
    [out.lines[0]!.trace_id, out.lines[0]!.span_id, out.lines[0]!.trace_flags, out.lines[0]!.traceId],
    [TRACE, SPAN, '01', undefined],
  );
  assert.equal(out.lines[1]!.trace_flags, '00', 'unsampled spans are correlated too (as Spring does)');
});

test('an invalid span context (all zeros) adds nothing', () => {
  const out = capture();
  const logger = createLogger({ serviceName: 'orders' }, { destination: out.stream });
  inSpan(() => logger.info('x'), '00000000000000000000000000000000', '0000000000000000');
  assert.equal(out.lines[0]!.traceId, undefined);
});

test('child() keeps the correlation; the caller\'s object is not changed; fields it sets win', () => {
  const out = capture();
  const logger = createLogger({ serviceName: 'orders' }, { destination: out.stream });
  const child = logger.child({ module: 'payments' });
  const fields = { amount: 3 };
  inSpan(() => child.warn(fields, 'paid'));
  inSpan(() => child.info({ traceId: 'mine' }, 'explicit'));
  assert.deepEqual(fields, { amount: 3 });
  assert.deepEqual(
    { module: out.lines[0]!.module, traceId: out.lines[0]!.traceId, amount: out.lines[0]!.amount, level: out.lines[0]!.level },
    { module: 'payments', traceId: TRACE, amount: 3, level: 40 },
  );
  assert.equal(out.lines[1]!.traceId, 'mine');
  // Outside a span the mixin returns one shared object; the merge must never write into it.
  logger.info({ leaked: true }, 'a');
  logger.info('b');
  assert.equal(out.lines[3]!.leaked, undefined);
  assert.deepEqual(mergeMixin({ a: 1 }, { traceId: 't' }), { traceId: 't', a: 1 });
});

test('logback_events_total counts enabled lines per Spring level; fatal counts as error; custom levels round down', async () => {
  const registry = newRegistry();
  const events = new LogEventCounter();
  const unbind = events.bindTo(registry);
  const logger = createLogger({ serviceName: 'orders', level: 'debug' }, { destination: { write() {} }, events });
  logger.trace('disabled, not counted');
  logger.debug('d');
  logger.info('i');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  logger.fatal('f');
  const custom = pino({ customLevels: { audit: 35 }, level: 'debug' }, { write() {} });
  instrumentLogger(custom, { keys: 'spring', events, diag: new Diag('silent') }).audit('a');
  const series = Object.fromEntries(seriesOf(await registry.scrape(), 'logback_events_total').map((s) => [s.labels.level, s.value]));
  assert.deepEqual(series, { error: 2, warn: 1, info: 3, debug: 1, trace: 0 });
  unbind();
  assert.equal(seriesOf(await registry.scrape(), 'logback_events_total').length, 0, 'unbound');
});

test("instrumentLogger: a child of the application's logger with trace ids; its options, mixin and destination kept", () => {
  const out = capture();
  const events = new LogEventCounter();
  const appLogger = pino(
    {
      level: 'debug',
      base: { service: 'legacy' },
      mixin: () => ({ requestCount: 7 }),
      redact: ['password'],
      serializers: { user: (u: { name: string }) => u.name },
    },
    out.stream,
  );
  const instrumented = instrumentLogger(appLogger, { keys: 'spring', events, diag: new Diag('silent') });
  inSpan(() => instrumented.debug({ password: 'secret', user: { name: 'ada' } }, 'login'));
  inSpan(() => instrumented.child({ step: 2 }).info('grandchild'));
  inSpan(() => appLogger.info('the original is unchanged'));
  const [line, grandchild, original] = out.lines;
  assert.deepEqual(
    [line!.traceId, line!.spanId, line!.requestCount, line!.password, line!.user, line!.service, line!.level],
    [TRACE, SPAN, 7, '[Redacted]', 'ada', 'legacy', 20],
  );
  assert.deepEqual([grandchild!.traceId, grandchild!.step, grandchild!.requestCount], [TRACE, 2, 7]);
  assert.deepEqual([original!.traceId, original!.requestCount], [undefined, 7]);
  assert.deepEqual(events.totals(), { error: 0, warn: 0, info: 1, debug: 1, trace: 0 }, 'only instrumented lines count');
});

test('instrumentLogger with shipping: lines go to the logger\'s own destination and to the shipping stream', () => {
  const own = capture();
  const shipped: string[] = [];
  const appLogger = pino({}, own.stream);
  const instrumented = instrumentLogger(appLogger, {
    keys: 'spring',
    ship: { writable: true, write: (s: string) => void shipped.push(s) },
    diag: new Diag('silent'),
  });
  inSpan(() => instrumented.info('both'));
  assert.equal(own.lines.length, 1);
  assert.equal(shipped.length, 1);
  assert.equal((JSON.parse(shipped[0]!) as { traceId: string }).traceId, TRACE);
});

test('instrumentLogger with shipping: a logger with ISO timestamps is correlated but not shipped, with one warning', () => {
  const messages: string[] = [];
  const diag = new Diag('debug', (level, m) => messages.push(`${level} ${m}`));
  const own = capture();
  const shipped: string[] = [];
  const appLogger = pino({ timestamp: pino.stdTimeFunctions.isoTime }, own.stream);
  const instrumented = instrumentLogger(appLogger, { keys: 'spring', ship: { writable: true, write: (s: string) => void shipped.push(s) }, diag });
  inSpan(() => instrumented.info('x'));
  assert.equal(own.lines[0]!.traceId, TRACE);
  assert.equal(shipped.length, 0);
  assert.equal(messages.filter((m) => m.startsWith('warn NMWRN021')).length, 1, messages.join('\n'));
});

test('instrumentLogger keeps an application merge strategy', () => {
  const out = capture();
  const appLogger = pino(
    { mixin: () => ({ source: 'mixin' }), mixinMergeStrategy: (merge, mixin) => Object.assign({}, merge, mixin) },
    out.stream,
  );
  const instrumented = instrumentLogger(appLogger, { keys: 'spring', diag: new Diag('silent') });
  instrumented.info({ source: 'call' }, 'outside a span');
  inSpan(() => instrumented.info({ source: 'call' }, 'inside'));
  assert.equal(out.lines[0]!.source, 'mixin', 'their strategy: mixin wins');
  assert.deepEqual([out.lines[1]!.source, out.lines[1]!.traceId], ['mixin', TRACE]);
});
