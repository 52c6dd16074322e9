// instrument() with tracing off and no OpenTelemetry of the application's loads no @opentelemetry/api module (7 MB
// and tens of ms at start-up, docs/benchmarks.md); with an OpenTelemetry SDK the application registered itself, log
// lines still carry its span ids. Checked in fresh processes: this one has loaded the API already. (The lazily
// loaded built-ins are checked on the built package in test/smoke/lazy-startup.test.mjs: tsx loads them itself.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runProbe } from '../../helpers/probe.js';

const LAZY_PROBE = `
import { createRequire } from 'node:module';
const { instrument, currentTraceContext } = await import('./src/index.ts');
const nm = instrument({ serviceName: 'lazy-otel', diagLevel: 'error' });
const cache = createRequire(import.meta.url).cache;
const otel = Object.keys(cache).filter((k) => /@opentelemetry[\\\\/]api[\\\\/]/.test(k)).length;
const noSpan = currentTraceContext() === undefined;
nm.logger.info('no span here');
await nm.shutdown();
console.log('RESULT ' + JSON.stringify({ otel, noSpan }));
`;

// The application's own OpenTelemetry (its ESM copy of the API, a context manager and a provider), registered before
// instrument(); nodemeter's tracing off. A line logged inside the application's span carries that span's ids.
const APP_OTEL_PROBE = `
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider());
const { instrument, currentTraceContext } = await import('./src/index.ts');
const nm = instrument({ serviceName: 'app-otel', diagLevel: 'error' });
const span = trace.getTracer('app').startSpan('work');
const ids = span.spanContext();
context.with(trace.setSpan(context.active(), span), () => {
  nm.logger.info('inside the app span');
  console.log('RESULT ' + JSON.stringify({ current: currentTraceContext(), traceId: ids.traceId, spanId: ids.spanId }));
});
span.end();
await nm.shutdown();
`;


function result<T>(lines: string[]): T {
  const line = lines.find((l) => l.startsWith('RESULT ')) ?? 'RESULT {}';
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

test('tracing off, no global OpenTelemetry: no @opentelemetry/api module is loaded', () => {
  const lines = runProbe(LAZY_PROBE, { NODEMETER_TRACING_ENABLED: 'false' });
  const out = result<{ otel: number; noSpan: boolean }>(lines);
  assert.equal(out.otel, 0, '@opentelemetry/api modules loaded');
  assert.equal(out.noSpan, true);
  // The line is still logged, without ids.
  assert.ok(lines.some((l) => l.includes('no span here')));
});

test('tracing off, the application registered its own OpenTelemetry: log lines carry its span ids', () => {
  const lines = runProbe(APP_OTEL_PROBE, { NODEMETER_TRACING_ENABLED: 'false', NODEMETER_LOGGING_CONSOLE_FORMAT: 'json' });
  const out = result<{ current?: { traceId: string; spanId: string }; traceId: string; spanId: string }>(lines);
  assert.match(out.traceId, /^[0-9a-f]{32}$/);
  assert.deepEqual(out.current, { traceId: out.traceId, spanId: out.spanId, sampled: true });
  const line = lines.find((l) => l.includes('inside the app span')) ?? '';
  assert.ok(line.includes(out.traceId) && line.includes(out.spanId), `the log line carries the span's ids: ${line}`);
});
