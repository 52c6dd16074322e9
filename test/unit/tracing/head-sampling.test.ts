// Head sampling: the tracing handler decides before it asks the SDK for a span. The decision must be the SDK's
// (ParentBased(TraceIdRatioBased)) for the same trace id, an unsampled observation must get a non-recording span
// that propagates (trace id, new span id, not-sampled flag, trace state) and no SDK span, and a sampled one the
// SDK span with the very trace id that was decided on, tagged as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SamplingDecision,
  trace,
  TraceFlags,
  type SpanContext,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  RandomIdGenerator,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { Diag } from '../../../src/core/diag.js';
import { ReceiverContext, SenderContext, type ObservationKind } from '../../../src/observation/context.js';
import type { ObservationConvention } from '../../../src/observation/convention.js';
import { observationSpan, TracingObservationHandler } from '../../../src/observation/handlers/tracing.js';
import { createObservationRegistry } from '../../../src/observation/registry.js';
import { createHeadSampling } from '../../../src/tracing/head-sampler.js';
import { parseCanonicalTraceParent } from '../../../src/tracing/w3c-propagator.js';

type Headers = Record<string, string>;
const convention: ObservationConvention = {
  name: 'test.requests',
  lowCardinalityKeyNames: ['method', 'status'],
  lowCardinalityValues: (_c, out) => {
    out[0] = 'GET';
    out[1] = '200';
  },
  highCardinality: () => ({ 'http.url': '/orders/1' }),
  contextualName: () => 'http get /orders/{id}',
};
class Incoming extends ReceiverContext<Headers> {
  readonly kind: ObservationKind = 'server';
  readonly convention = convention;
  constructor(headers: Headers) {
    super(headers, { get: (c: Headers, k: string) => c[k], keys: (c: Headers) => Object.keys(c) });
  }
}
class Outgoing extends SenderContext<Headers> {
  readonly kind: ObservationKind = 'client';
  readonly convention = convention;
  constructor(headers: Headers) {
    super(headers, { set: (c: Headers, k: string, v: string) => void (c[k] = v) });
  }
}

function setup(probability: number) {
  const sampling = createHeadSampling(probability, new RandomIdGenerator(), trace.isSpanContextValid);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    idGenerator: sampling.idGenerator,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(probability) }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const observations = createObservationRegistry(new Diag('error'));
  observations.addHandler(new TracingObservationHandler(provider.getTracer('t'), undefined, sampling));
  return { sampling, exporter, observations };
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

test('a new trace is sampled exactly when the SDK ratio sampler samples its id; a sampled id goes to the SDK span', () => {
  for (const p of [0, 0.1, 0.5, 1]) {
    const sdk = new TraceIdRatioBasedSampler(p);
    const { sampling } = setup(p);
    let sampledCount = 0;
    for (let i = 0; i < 5000; i++) {
      const unsampled = sampling.unsampledRoot();
      const id = unsampled?.traceId ?? sampling.idGenerator.generateTraceId();
      assert.match(id, /^[0-9a-f]{32}$/);
      const sdkSays = sdk.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.RECORD_AND_SAMPLED;
      assert.equal(unsampled === undefined, sdkSays, `p=${p} id=${id}`);
      if (unsampled === undefined) sampledCount++;
    }
    if (p === 0) assert.equal(sampledCount, 0);
    if (p === 1) assert.equal(sampledCount, 5000);
    if (p === 0.1) assert.ok(sampledCount > 350 && sampledCount < 650, String(sampledCount));
    // Nothing handed over: the generator falls back to random ids.
    assert.match(sampling.idGenerator.generateTraceId(), /^[0-9a-f]{32}$/);
    assert.match(sampling.unsampledChild(sampling.idGenerator.generateTraceId(), undefined).spanId, /^[0-9a-f]{16}$/);
  }
});

test('a not-sampled span context writes its ids once, when read, and shows them as a plain one does', () => {
  const { sampling } = setup(0);
  const root = sampling.unsampledRoot();
  assert.ok(root !== undefined);
  const traceId = root.traceId;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  assert.match(root.spanId, /^[0-9a-f]{16}$/);
  assert.equal(root.traceId, traceId, 'the same id on every read');
  assert.equal(root.traceFlags, TraceFlags.NONE);
  assert.ok(trace.isSpanContextValid(root));
  assert.deepEqual(JSON.parse(JSON.stringify(root)), { traceId, spanId: root.spanId, traceFlags: 0 });
  const shown = inspect(root);
  assert.ok(shown.includes(traceId) && shown.includes(root.spanId), shown);
  const child = sampling.unsampledChild(traceId, undefined);
  assert.equal(child.traceId, traceId);
  assert.notEqual(child.spanId, root.spanId);
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) ids.add((sampling.unsampledRoot() as { traceId: string }).traceId);
  assert.equal(ids.size, 1000, 'every root its own trace id');
});

test('validity: its own and parsed span contexts without the API check, every other one through it', () => {
  const asked: unknown[] = [];
  const sampling = createHeadSampling(0, new RandomIdGenerator(), (sc: SpanContext) => {
    asked.push(sc);
    return trace.isSpanContextValid(sc);
  });
  const root = sampling.unsampledRoot() as SpanContext;
  const parsed = parseCanonicalTraceParent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') as SpanContext;
  assert.equal(sampling.isValid(root), true);
  assert.equal(sampling.isValid(sampling.unsampledChild(root.traceId, undefined)), true);
  assert.equal(sampling.isValid(parsed), true);
  assert.deepEqual(asked, [], 'the API was not asked');
  const plain = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
  assert.equal(sampling.isValid(plain), true);
  assert.equal(sampling.isValid({ ...plain, spanId: '0000000000000000' }), false);
  assert.equal(sampling.isValid({ ...plain, traceId: 'not hex' }), false);
  assert.equal(asked.length, 3, 'every other span context is asked of the API');
});

test('unsampled root: a non-recording span that propagates the not-sampled flag; nothing exported', () => {
  const { exporter, observations } = setup(0);
  const incoming = new Incoming({});
  const outHeaders: Headers = {};
  observations.observe(incoming, () => {
    observations.observe(new Outgoing(outHeaders), () => undefined);
  });
  const span = observationSpan(incoming) as Span;
  assert.equal(span.isRecording(), false);
  const sc = span.spanContext();
  assert.equal(sc.traceFlags, TraceFlags.NONE);
  assert.ok(trace.isSpanContextValid(sc));
  assert.equal(outHeaders.traceparent?.slice(0, 35), `00-${sc.traceId}`);
  assert.ok(outHeaders.traceparent?.endsWith('-00'), outHeaders.traceparent);
  assert.notEqual(outHeaders.traceparent?.slice(36, 52), sc.spanId);
  assert.equal(exporter.getFinishedSpans().length, 0);
});

test('parent-based: an unsampled parent keeps its trace id and state; a sampled parent gets a tagged SDK span', () => {
  const { exporter, observations } = setup(1);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const notSampled = new Incoming({ traceparent: `00-${traceId}-00f067aa0ba902b7-00`, tracestate: 'vendor=x' });
  observations.observe(notSampled, () => undefined);
  const span = observationSpan(notSampled) as Span;
  assert.equal(span.isRecording(), false);
  assert.equal(span.spanContext().traceId, traceId);
  assert.notEqual(span.spanContext().spanId, '00f067aa0ba902b7');
  assert.equal(span.spanContext().traceState?.get('vendor'), 'x');
  assert.equal(exporter.getFinishedSpans().length, 0);

  const sampled = new Incoming({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  observations.observe(sampled, () => undefined);
  const [exported] = exporter.getFinishedSpans();
  assert.equal(exported?.spanContext().traceId, traceId);
  assert.equal(exported?.parentSpanContext?.spanId, '00f067aa0ba902b7');
  assert.equal(exported?.name, 'http get /orders/{id}');
  assert.deepEqual(exported?.attributes, { method: 'GET', status: '200', 'http.url': '/orders/1' });
});

test('sampled roots at 50%: every exported span is one the SDK sampler samples, and only those are exported', () => {
  const { exporter, observations } = setup(0.5);
  const sdk = new TraceIdRatioBasedSampler(0.5);
  let sampled = 0;
  for (let i = 0; i < 400; i++) {
    const ctx = new Incoming({});
    observations.observe(ctx, () => undefined);
    const sc = (observationSpan(ctx) as Span).spanContext();
    const sdkSays = sdk.shouldSample(ROOT_CONTEXT, sc.traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
    assert.equal((sc.traceFlags & TraceFlags.SAMPLED) !== 0, sdkSays);
    if (sdkSays) sampled++;
  }
  assert.equal(exporter.getFinishedSpans().length, sampled);
  assert.ok(sampled > 120 && sampled < 280, String(sampled));
});

test('a local parent counts when the API would call its ids valid: either case, right length, not all zero', () => {
  const { observations } = setup(0);
  const childTraceId = (traceId: string, spanId: string, traceFlags: number = TraceFlags.NONE) => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags });
    const out = new Outgoing({});
    context.with(parent, () => observations.observe(out, () => undefined));
    return (observationSpan(out) as Span).spanContext().traceId;
  };
  const cases: [string, string][] = [
    ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'],
    ['4BF92F3577B34DA6A3CE929D0E0E4736', '00F067AA0BA902B7'],
    ['0'.repeat(32), '00f067aa0ba902b7'],
    ['4bf92f3577b34da6a3ce929d0e0e4736', '0'.repeat(16)],
    ['4bf92f3577b34da6a3ce929d0e0e473', '00f067aa0ba902b7'],
    ['4bf92f3577b34da6a3ce929d0e0e473g', '00f067aa0ba902b7'],
    ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b-'],
  ];
  for (const [traceId, spanId] of cases) {
    const valid = trace.isSpanContextValid({ traceId, spanId, traceFlags: TraceFlags.NONE });
    assert.equal(childTraceId(traceId, spanId) === traceId, valid, `${traceId} ${spanId}: the API says ${valid ? 'valid' : 'invalid'}`);
    // A sampled parent is left to the SDK, which checks it the same way (an invalid one starts a new trace).
    assert.equal(childTraceId(traceId, spanId, TraceFlags.SAMPLED) === traceId, valid, `${traceId} ${spanId}, sampled`);
  }
});
