// Kafka header values are Buffers: the propagator asks the getter whether a trace header is there (`has`, no
// decoding) before a propagator reads it, so a record's traceparent is decoded once, and a record without trace
// headers decodes none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { HEADERS_GETTER } from '../../../src/kafka/headers.js';
import { ProduceConsumePropagator } from '../../../src/tracing/propagation.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

function countingGetter() {
  const reads = new Map<string, number>();
  const getter = {
    get: (headers: Record<string, Buffer>, key: string) => {
      reads.set(key, (reads.get(key) ?? 0) + 1);
      return HEADERS_GETTER.get(headers, key);
    },
    keys: (headers: Record<string, Buffer>) => HEADERS_GETTER.keys(headers),
    has: (headers: Record<string, Buffer>, key: string) => HEADERS_GETTER.has!(headers, key),
  };
  return { getter, reads };
}

test('a record with a traceparent: decoded once, the parent extracted', () => {
  const p = new ProduceConsumePropagator(['w3c'], ['w3c', 'b3']);
  const { getter, reads } = countingGetter();
  const headers = { traceparent: Buffer.from(`00-${traceId}-${spanId}-01`) };
  const parent = trace.getSpanContext(p.extract(ROOT_CONTEXT, headers, getter));
  assert.equal(parent?.traceId, traceId);
  assert.equal(parent?.spanId, spanId);
  assert.equal(reads.get('traceparent'), 1);
});

test('a record with other headers only: nothing decoded, no parent', () => {
  const p = new ProduceConsumePropagator(['w3c'], ['w3c', 'b3']);
  const { getter, reads } = countingGetter();
  const headers = { 'content-type': Buffer.from('application/json') };
  assert.equal(trace.getSpanContext(p.extract(ROOT_CONTEXT, headers, getter)), undefined);
  assert.equal(reads.size, 0);
});

test('has() finds B3 headers under Brave\'s names and in any case, as get() does', () => {
  assert.equal(HEADERS_GETTER.has!({ 'X-B3-TraceId': Buffer.from(traceId) }, 'x-b3-traceid'), true);
  assert.equal(HEADERS_GETTER.has!({ 'X-b3-traceID': Buffer.from(traceId) }, 'x-b3-traceid'), true);
  assert.equal(HEADERS_GETTER.has!({ b3: Buffer.from(`${traceId}-${spanId}`) }, 'b3'), true);
  assert.equal(HEADERS_GETTER.has!({}, 'traceparent'), false);
  assert.equal(HEADERS_GETTER.has!(undefined, 'traceparent'), false);
  const p = new ProduceConsumePropagator(['w3c'], ['b3']);
  const { getter } = countingGetter();
  const parent = trace.getSpanContext(
    p.extract(ROOT_CONTEXT, { 'X-B3-TraceId': Buffer.from(traceId), 'X-B3-SpanId': Buffer.from(spanId), 'X-B3-Sampled': Buffer.from('1') }, getter),
  );
  assert.equal(parent?.traceId, traceId);
});

test('a getter without has(): presence read through get(), the same result', () => {
  const p = new ProduceConsumePropagator(['w3c'], ['w3c']);
  const { getter, reads } = countingGetter();
  const { has: _has, ...plain } = getter;
  const parent = trace.getSpanContext(p.extract(ROOT_CONTEXT, { traceparent: Buffer.from(`00-${traceId}-${spanId}-00`) }, plain));
  assert.equal(parent?.traceId, traceId);
  assert.equal(reads.get('traceparent'), 2, 'once to see it is there, once to parse it');
});
