/**
 * currentTraceContext() / currentSpan(): the ids of the span current in a request handler, without importing
 * @opentelemetry/api; undefined outside any span.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { currentSpan, currentTraceContext, instrument, type CurrentTraceContext } from '../../../src/index.js';
import { close } from '../../helpers/http.js';

const require = createRequire(import.meta.url);

test('in an Express handler: the server span continuing the caller trace; outside: undefined', async () => {
  const nm = instrument({ serviceName: 'current', diagLevel: 'silent', tracing: { samplingProbability: 1, zipkin: { enabled: false } } });
  let seen: CurrentTraceContext | undefined;
  let inner: CurrentTraceContext | undefined;
  let spanIdOfCurrentSpan: string | undefined;
  const express = require('express');
  const app = express();
  app.use(nm.express());
  app.get('/:p', (_req: unknown, res: { end(s: string): void }) => {
    seen = currentTraceContext();
    spanIdOfCurrentSpan = currentSpan()?.setAttribute('order.id', '42').spanContext().spanId;
    nm.tracing!.tracer.startActiveSpan('inner', (span) => {
      inner = currentTraceContext();
      span.end();
    });
    res.end('ok');
  });
  const server: Server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    assert.equal(currentTraceContext(), undefined);
    assert.equal(currentSpan(), undefined);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await (await fetch(`${url}/x`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } })).text();
    assert.ok(seen);
    assert.equal(seen.traceId, traceId);
    assert.match(seen.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(seen.spanId, '00f067aa0ba902b7', 'the server span, not the caller span');
    assert.equal(seen.sampled, true);
    assert.equal(spanIdOfCurrentSpan, seen.spanId, 'currentSpan() is the span currentTraceContext() describes');
    assert.deepEqual(Object.keys(seen).sort(), ['sampled', 'spanId', 'traceId']);
    assert.ok(inner);
    assert.equal(inner.traceId, traceId);
    assert.notEqual(inner.spanId, seen.spanId);

    await (await fetch(`${url}/y`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } })).text();
    assert.equal(seen.sampled, false, 'a caller decision not to sample is kept');
  } finally {
    await close(server);
    await nm.shutdown();
  }
});
