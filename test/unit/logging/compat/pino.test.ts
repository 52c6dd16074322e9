/**
 * The pino compatibility module against the installed pino: the version gate (in range: the internal slots are
 * found; outside: refused with the version), another copy's symbols found by description, and instrumentLogger()'s
 * fallback to pino's public child options when the version is outside the range.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { pino } from 'pino';
import { Diag } from '../../../../src/core/diag.js';
import { satisfies } from '../../../../src/core/supported-versions.js';
import { PINO_SUPPORTED, pinoSlots } from '../../../../src/logging/compat/pino.js';
import { LogEventCounter } from '../../../../src/logging/log-events.js';
import { instrumentLogger } from '../../../../src/logging/logger.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
after(() => {
  context.disable();
});

function inSpan<T>(fn: () => T): T {
  const span = trace.wrapSpanContext({ traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
  return context.with(trace.setSpan(context.active(), span), fn);
}

test('the installed pino is in the supported range, and its slots are found', () => {
  assert.ok(satisfies(pino.version, PINO_SUPPORTED.range), `pino ${pino.version} in ${PINO_SUPPORTED.range}`);
  const logger = pino({ mixin: () => ({ a: 1 }) }, { write() {} });
  const slots = pinoSlots(logger);
  assert.ok(!('reason' in slots));
  assert.equal(typeof slots.mixin, 'function');
  const destination = slots.destination();
  assert.ok(destination !== undefined);
  assert.match(destination.timeSample, /^,"time":\d{13}$/);
});

test('a logger of a pino version outside the range is refused with its version', () => {
  const logger = pino({}, { write() {} });
  Object.defineProperty(logger, 'version', { value: '11.0.0' });
  assert.deepEqual(pinoSlots(logger), { reason: 'version', version: '11.0.0' });
  assert.deepEqual(pinoSlots({ version: '6.14.0' }), { reason: 'version', version: '6.14.0' });
});

test('an object that is not a pino logger is refused by shape', () => {
  assert.deepEqual(pinoSlots({ info() {}, child() {} }), { reason: 'shape' });
});

test('outside the range: NMWRN022, trace ids through the public formatters.log, nothing counted or shipped', () => {
  const messages: string[] = [];
  const diag = new Diag('debug', (level, m) => messages.push(`${level} ${m}`));
  const lines: Record<string, unknown>[] = [];
  const shipped: string[] = [];
  const events = new LogEventCounter();
  const appLogger = pino(
    { formatters: { log: (o: Record<string, unknown>) => ({ ...o, formatted: true }) } },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  Object.defineProperty(appLogger, 'version', { value: '11.0.0' });
  const instrumented = instrumentLogger(appLogger, { keys: 'spring', events, ship: { writable: true, write: (s: string) => void shipped.push(s) }, diag });
  const fields = { orderId: 1 };
  inSpan(() => instrumented.info(fields, 'inside'));
  inSpan(() => instrumented.info({ traceId: 'mine' }, 'explicit'));
  instrumented.info('outside');
  assert.deepEqual([lines[0]!.traceId, lines[0]!.orderId, lines[0]!.formatted], [TRACE, 1, true]);
  assert.deepEqual(fields, { orderId: 1 }, "the caller's object is not changed");
  assert.equal(lines[1]!.traceId, 'mine');
  assert.deepEqual([lines[2]!.traceId, lines[2]!.formatted], [undefined, true]);
  assert.equal(shipped.length, 0);
  assert.deepEqual(events.totals(), { error: 0, warn: 0, info: 0, debug: 0, trace: 0 });
  const warnings = messages.filter((m) => m.startsWith('warn NMWRN022'));
  assert.equal(warnings.length, 1, messages.join('\n'));
  assert.match(warnings[0]!, /pino 11\.0\.0 is outside the versions nodemeter supports \(>=7\.0\.0 <11\)/);
});
