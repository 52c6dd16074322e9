/**
 * Upper-case ids are rejected on every consumed format, as Brave does: Zipkin refuses upper-case ids with 400 and
 * drops the whole batch they are in. The context then starts a new root (no parent extracted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTextMapGetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ProduceConsumePropagator } from '../../../src/tracing/propagation.js';

const traceId = '88a0760d3e0b4f5c9d2e1a7b6c5d4e3f';
const spanId = '5c9d2e1a7b6c5d4e';
const up = (s: string) => s.toUpperCase();
const p = new ProduceConsumePropagator(['w3c'], ['w3c', 'b3', 'b3multi']);
const parentOf = (headers: Record<string, string>) => trace.getSpanContext(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));

test('B3 multi with upper-case trace or span id: rejected, a new root', () => {
  assert.equal(parentOf({ 'x-b3-traceid': up(traceId), 'x-b3-spanid': spanId, 'x-b3-sampled': '1' }), undefined);
  assert.equal(parentOf({ 'x-b3-traceid': traceId, 'x-b3-spanid': up(spanId), 'x-b3-sampled': '1' }), undefined);
  assert.equal(parentOf({ 'x-b3-traceid': up(traceId.slice(16)), 'x-b3-spanid': spanId }), undefined, '64-bit trace id');
  // Lower-case still continues the trace.
  assert.equal(parentOf({ 'x-b3-traceid': traceId, 'x-b3-spanid': spanId, 'x-b3-sampled': '1' })?.traceId, traceId);
});

test('B3 single and W3C with upper-case ids: rejected', () => {
  assert.equal(parentOf({ b3: `${up(traceId)}-${spanId}-1` }), undefined);
  assert.equal(parentOf({ traceparent: `00-${up(traceId)}-${spanId}-01` }), undefined);
});

test('an upper-case B3 header does not hide a valid traceparent next to it', () => {
  const ctx = parentOf({ traceparent: `00-${traceId}-${spanId}-01`, 'x-b3-traceid': up(traceId), 'x-b3-spanid': spanId });
  assert.equal(ctx?.traceId, traceId);
  const w3cLast = new ProduceConsumePropagator(['w3c'], ['b3', 'w3c']);
  const ctx2 = trace.getSpanContext(
    w3cLast.extract(ROOT_CONTEXT, { 'x-b3-traceid': up(traceId), 'x-b3-spanid': spanId, traceparent: `00-${traceId}-${spanId}-01` }, defaultTextMapGetter),
  );
  assert.equal(ctx2?.traceId, traceId);
});

test('B3 single must follow Brave grammar: a 17-digit span id is not read as 16 digits and no sampling', () => {
  assert.equal(parentOf({ b3: `${traceId}-${spanId}0-1` }), undefined);
  assert.equal(parentOf({ b3: `${traceId}-${spanId}-1-${spanId}` })?.spanId, spanId);
  assert.equal(parentOf({ b3: `${traceId}-${spanId}` })?.spanId, spanId);
});
