import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createContextKey, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { contextWithSpan, releaseEndedSpan } from '../../../src/observation/handlers/span-context.js';

const span = (spanId: string): Span =>
  trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId, traceFlags: 0 });

test('a context with a span answers as trace.setSpan does, for every key and every later change', () => {
  const other = createContextKey('other');
  const parent = ROOT_CONTEXT.setValue(other, 'kept');
  const a = span('b7ad6b7169203331');
  const ours = contextWithSpan(parent, a);
  const api = trace.setSpan(parent, a);
  assert.equal(trace.getSpan(ours), trace.getSpan(api));
  assert.equal(ours.getValue(other), 'kept');
  assert.equal(trace.getSpan(parent), undefined, 'the parent is not changed');

  const later = createContextKey('later');
  const set = ours.setValue(later, 1);
  assert.equal(set.getValue(later), 1);
  assert.equal(trace.getSpan(set), a);
  assert.equal(ours.getValue(later), undefined, 'setValue returns a new context');
  const deleted = set.deleteValue(other);
  assert.equal(deleted.getValue(other), undefined);
  assert.equal(deleted.getValue(later), 1);
  assert.equal(trace.getSpan(ours.deleteValue(createContextKey('OpenTelemetry Context Key SPAN'))), undefined);
});

test('a span set on a context with a span replaces it: nesting does not lengthen the chain', () => {
  const outer = contextWithSpan(ROOT_CONTEXT, span('b7ad6b7169203331'));
  const b = span('00f067aa0ba902b7');
  const inner = contextWithSpan(outer, b);
  assert.equal(trace.getSpan(inner), b);
  assert.equal((inner as unknown as { parent: unknown }).parent, ROOT_CONTEXT);
  // The API's own context on top of ours, and ours on top of the API's, read through.
  const key = createContextKey('k');
  assert.equal(trace.getSpan(trace.setSpan(inner, b)), b);
  assert.equal(contextWithSpan(ROOT_CONTEXT.setValue(key, 'v'), b).getValue(key), 'v');
});

test('an ended span is released from its context for a view of the same span context, and only that span', () => {
  const parent = ROOT_CONTEXT.setValue(createContextKey('other'), 'kept');
  const a = span('b7ad6b7169203331');
  const ctx = contextWithSpan(parent, a);
  const child = ctx.setValue(createContextKey('later'), 1);
  const view = span('b7ad6b7169203331');
  releaseEndedSpan(ctx, span('00f067aa0ba902b7'), view);
  assert.equal(trace.getSpan(ctx), a, 'another span: nothing changes');
  releaseEndedSpan(ctx, a, view);
  assert.equal(trace.getSpan(ctx), view);
  assert.equal(trace.getSpan(child), view, 'contexts made from it see the view too');
  assert.equal(ctx.getValue(createContextKey('other')), 'kept');
  const api = trace.setSpan(ROOT_CONTEXT, a);
  releaseEndedSpan(api, a, view);
  assert.equal(trace.getSpan(api), a, "the API's own contexts are left alone");
  releaseEndedSpan(undefined, a, view);
});
