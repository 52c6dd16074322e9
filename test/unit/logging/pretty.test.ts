/**
 * The console in Spring Sleuth's style: `[app,traceId,spanId]` in every line, so Grafana's usual derived field
 * `\[.+,(.+?),` finds the trace id; `[app,,]` (no match) outside a span; errors with their stack.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from '../../../src/logging/logger.js';
import { formatSleuthLine, PrettyDestination } from '../../../src/logging/pretty.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
/** The matcherRegex of Spring's sample Grafana provisioning (Loki data source, derived field TraceID). */
const GRAFANA_DERIVED_FIELD = /\[.+,(.+?),/;
/** The stricter regex the guide recommends when messages may contain commas. */
const STRICT = /\[[^\],]*,([0-9a-f]{32}),/;

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
after(() => context.disable());

test('the line: ISO time, level, [app,traceId,spanId], pid, message, then extra fields', () => {
  const line = formatSleuthLine(
    { level: 30, time: '1714564800123', msg: 'order placed', obj: { traceId: TRACE, spanId: SPAN, orderId: 42 } },
    'order-service',
    'spring',
  );
  assert.equal(line, `2024-05-01T12:00:00.123Z  INFO [order-service,${TRACE},${SPAN}] ${process.pid} --- : order placed {"orderId":42}\n`);
  assert.equal(GRAFANA_DERIVED_FIELD.exec(line)?.[1], TRACE, "Grafana's derived field captures the trace id");
});

test('outside a span the prefix is [app,,], which the derived field does not match', () => {
  const line = formatSleuthLine({ level: 40, time: '1714564800123', msg: 'no span', obj: {} }, 'order-service', 'spring');
  assert.match(line, / WARN \[order-service,,\] /);
  assert.equal(GRAFANA_DERIVED_FIELD.exec(line), null);
});

test('messages with commas: the classic regex picks up message text, the strict one the trace id', () => {
  const line = formatSleuthLine(
    { level: 30, time: '1714564800123', msg: 'paid, shipped, done', obj: { traceId: TRACE, spanId: SPAN } },
    'order-service',
    'spring',
  );
  assert.notEqual(GRAFANA_DERIVED_FIELD.exec(line)?.[1], TRACE, 'the greedy .+ reaches into the message');
  assert.equal(STRICT.exec(line)?.[1], TRACE);
});

test("keys 'otel' read trace_id/span_id; errors are followed by their stack; unknown levels by name", () => {
  const err = new Error('card declined');
  const line = formatSleuthLine(
    { level: 50, time: '1714564800123', msg: 'payment failed', obj: { trace_id: TRACE, span_id: SPAN, trace_flags: '01', err } },
    'pay',
    'otel',
  );
  assert.ok(line.startsWith(`2024-05-01T12:00:00.123Z ERROR [pay,${TRACE},${SPAN}] ${process.pid} --- : payment failed\nError: card declined\n`), line);
  const custom = formatSleuthLine({ level: 35, time: '1', msg: 'm', obj: {}, levelName: 'audit' }, 'pay', 'otel');
  assert.match(custom, /Z AUDIT \[pay,,\]/);
});

test('through a logger: PrettyDestination gets the line parts from pino, no JSON is parsed back', () => {
  const written: string[] = [];
  const destination = new PrettyDestination('order-service', 'spring', { write: (s: string) => void written.push(s) });
  const logger = createLogger({ serviceName: 'order-service' }, { destination });
  const span = trace.wrapSpanContext({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });
  context.with(trace.setSpan(context.active(), span), () => logger.child({ module: 'checkout' }).info({ orderId: 7 }, 'order %d placed', 7));
  logger.error(new Error('boom'), 'failed');
  assert.match(written[0]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  INFO \\[order-service,${TRACE},${SPAN}\\] \\d+ --- : order 7 placed \\{"orderId":7\\}\\n$`));
  assert.match(written[1]!, /ERROR \[order-service,,\] \d+ --- : failed\nError: boom\n {4}at /);
});
