import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { ProduceConsumePropagator } from '../../../src/tracing/propagation.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false });

function injected(produce: Parameters<typeof ProduceConsumePropagator.prototype.inject>[0] extends never ? never : readonly ('w3c' | 'b3' | 'b3multi')[]): Record<string, string> {
  const carrier: Record<string, string> = {};
  new ProduceConsumePropagator(produce, ['w3c']).inject(parent, carrier, defaultTextMapSetter);
  return carrier;
}

test('produce: W3C by default shape, B3 single, B3 multi', () => {
  assert.deepEqual(injected(['w3c']), { traceparent: `00-${traceId}-${spanId}-01` });
  assert.deepEqual(injected(['b3']), { b3: `${traceId}-${spanId}-1` });
  const multi = injected(['b3multi']);
  assert.equal(multi['x-b3-traceid'], traceId);
  assert.equal(multi['x-b3-spanid'], spanId);
  assert.equal(multi['x-b3-sampled'], '1');
  assert.deepEqual(Object.keys(injected(['w3c', 'b3'])).sort(), ['b3', 'traceparent']);
});

test('consume: each configured format is read; formats not consumed are ignored', () => {
  const all = new ProduceConsumePropagator(['w3c'], ['w3c', 'b3', 'b3multi']);
  const read = (p: ProduceConsumePropagator, headers: Record<string, string>) =>
    trace.getSpanContext(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter))?.traceId;
  assert.equal(read(all, { traceparent: `00-${traceId}-${spanId}-01` }), traceId);
  assert.equal(read(all, { b3: `${traceId}-${spanId}-1` }), traceId);
  assert.equal(read(all, { 'x-b3-traceid': traceId, 'x-b3-spanid': spanId, 'x-b3-sampled': '1' }), traceId);
  const w3cOnly = new ProduceConsumePropagator(['w3c'], ['w3c']);
  assert.equal(read(w3cOnly, { b3: `${traceId}-${spanId}-1` }), undefined);
  // W3C first: with both present, traceparent wins.
  assert.equal(read(all, { traceparent: `00-${traceId}-${spanId}-01`, b3: `${'a'.repeat(32)}-${spanId}-1` }), traceId);
});

test('malformed headers give no parent and never throw', () => {
  const p = new ProduceConsumePropagator(['w3c'], ['w3c', 'b3', 'b3multi']);
  for (const headers of [
    { traceparent: 'garbage' },
    { traceparent: `00-${'0'.repeat(32)}-${spanId}-01` },
    { traceparent: `ff-${traceId}-${spanId}-01` },
    { b3: '-' },
    { b3: 'x'.repeat(100_000) },
    { 'x-b3-traceid': 'zz', 'x-b3-spanid': spanId },
  ]) {
    assert.equal(trace.getSpanContext(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter)), undefined, JSON.stringify(headers).slice(0, 60));
  }
});
