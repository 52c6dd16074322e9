/**
 * The form a sampled span waits in for export (src/tracing/ended-span.ts): what the exporters make of it is what they
 * make of the SDK's span, byte for byte (Zipkin's JSON, OTLP's JSON and protobuf), and it does not reach the SDK's
 * span object, which is what lets that object die young.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SamplingDecision, type ReadableSpan, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { EndedSpan, EndedSpanProcessor } from '../../../src/tracing/ended-span.js';
import { replaceZipkinSend } from '../../../src/tracing/compat/exporter-zipkin.js';
import { withResource } from '../../../src/tracing/otlp.js';
import { reachable } from '../../helpers/reachable.js';

const require = createRequire(import.meta.url);
const ZIPKIN_VERSION = (require('@opentelemetry/exporter-zipkin/package.json') as { version: string }).version;

/** Samples every span but those named `recorded-only` (recorded, not sampled: the SDK still ends them). */
const sampler: Sampler = {
  shouldSample: (_ctx, _traceId, name) => ({
    decision: name === 'recorded-only' ? SamplingDecision.RECORD : SamplingDecision.RECORD_AND_SAMPLED,
  }),
  toString: () => 'test',
};

function record() {
  const sdkSpans: ReadableSpan[] = [];
  const held: ReadableSpan[] = [];
  const collect = (into: ReadableSpan[]): SpanProcessor => ({
    onStart() {},
    onEnd: (span) => into.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  });
  const provider = new BasicTracerProvider({
    sampler,
    resource: resourceFromAttributes({ 'service.name': 'order-service' }),
    spanProcessors: [collect(sdkSpans), new EndedSpanProcessor(collect(held), { hold: (span, ctx) => EndedSpan.of(span, ctx) })],
  });
  return { tracer: provider.getTracer('nodemeter', '0.1.0'), sdkSpans, held };
}

function makeSpans() {
  const r = record();
  const { tracer } = r;
  const parent = tracer.startSpan('http get /orders/{id}', { kind: SpanKind.SERVER, attributes: { method: 'GET', uri: '/orders/{id}' } });
  parent.setAttribute('status', '500');
  parent.addEvent('retry', { attempt: 2 });
  parent.addLink({ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED } });
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  const child = tracer.startSpan('orders send', { kind: SpanKind.PRODUCER }, trace.setSpan(context.active(), parent));
  child.setAttribute('messaging.destination.name', 'orders');
  child.end();
  tracer.startSpan('recorded-only').end();
  parent.end();
  return r;
}

test('only sampled spans are handed on, as separate objects with the SDK span\'s fields', () => {
  const { sdkSpans, held } = makeSpans();
  assert.equal(sdkSpans.length, 3);
  assert.equal(held.length, 2, 'the recorded but unsampled span is not handed to the batch');
  const sampled = sdkSpans.filter((s) => s.name !== 'recorded-only');
  for (let i = 0; i < held.length; i++) {
    const sdk = sampled[i] as ReadableSpan;
    const h = held[i] as ReadableSpan;
    assert.notEqual(h, sdk);
    assert.equal(h.name, sdk.name);
    assert.equal(h.kind, sdk.kind);
    assert.equal(h.spanContext(), sdk.spanContext());
    assert.equal(h.parentSpanContext, sdk.parentSpanContext);
    assert.deepEqual(h.startTime, sdk.startTime);
    assert.deepEqual(h.endTime, sdk.endTime);
    assert.deepEqual(h.duration, sdk.duration);
    assert.deepEqual(h.status, sdk.status);
    assert.equal(h.attributes, sdk.attributes);
    assert.deepEqual(h.links, sdk.links);
    assert.deepEqual(h.events, sdk.events);
    assert.equal(h.resource, sdk.resource);
    assert.deepEqual(h.instrumentationScope, sdk.instrumentationScope);
    assert.equal(h.ended, true);
    assert.equal(h.droppedAttributesCount, sdk.droppedAttributesCount);
    assert.equal(h.droppedEventsCount, sdk.droppedEventsCount);
    assert.equal(h.droppedLinksCount, sdk.droppedLinksCount);
    assert.ok(!Object.values(h).includes(sdk), 'the held span does not reference the SDK span');
  }
  // The child has no events, links or status: shared, frozen values stand in for them.
  const child = held[0] as ReadableSpan;
  assert.ok(Object.isFrozen(child.events) && Object.isFrozen(child.links) && Object.isFrozen(child.status));
});

test('the Zipkin exporter writes the same spans from either form', async () => {
  const { sdkSpans, held } = makeSpans();
  const translate = (spans: ReadableSpan[]) =>
    new Promise<unknown>((resolve) => {
      const exporter = new ZipkinExporter({ url: 'http://127.0.0.1:9/api/v2/spans', serviceName: 'order-service' });
      assert.ok(replaceZipkinSend(exporter, ZIPKIN_VERSION, (zipkinSpans, done) => {
        resolve(JSON.stringify(zipkinSpans));
        done({ code: 0 });
      }));
      exporter.export(spans, () => {});
    });
  const sampled = sdkSpans.filter((s) => s.name !== 'recorded-only');
  const [fromSdk, fromHeld] = await Promise.all([translate(sampled), translate(held)]);
  assert.equal(fromHeld, fromSdk);
  assert.match(String(fromHeld), /"annotations":\[\{"timestamp":\d+,"value":"retry"/);
});

test('OTLP (JSON and protobuf, through the exporter\'s resource view) encodes either form alike', () => {
  const { sdkSpans, held } = makeSpans();
  const sampled = sdkSpans.filter((s) => s.name !== 'recorded-only');
  const resource = resourceFromAttributes({ 'service.name': 'order-service' });
  const view = (spans: ReadableSpan[]) => {
    let viewed: ReadableSpan[] = [];
    withResource({ export: (s, done) => { viewed = s; done({ code: 0 }); }, shutdown: () => Promise.resolve() }, resource).export(spans, () => {});
    return viewed;
  };
  for (const serializer of [JsonTraceSerializer, ProtobufTraceSerializer]) {
    const a = serializer.serializeRequest(view(sampled));
    const b = serializer.serializeRequest(view(held));
    assert.ok(a !== undefined && a.length > 0);
    assert.deepEqual(Buffer.from(b as Uint8Array), Buffer.from(a as Uint8Array));
  }
});

test('a held span does not reach the SDK span, its processor or the SDK\'s closures', () => {
  const { sdkSpans, held } = makeSpans();
  const sampled = sdkSpans.filter((s) => s.name !== 'recorded-only');
  for (let i = 0; i < held.length; i++) {
    const sdk = sampled[i] as unknown as Record<string, unknown>;
    const graph = reachable(held[i] as object);
    assert.ok(!graph.has(sdk), 'the SDK span is not reachable from the held one');
    for (const [key, value] of Object.entries(sdk)) {
      if (typeof value === 'function' || key === '_spanProcessor' || key === '_spanLimits') {
        assert.ok(!graph.has(value as object), `the SDK span's ${key} is not reachable from the held one`);
      }
    }
    assert.ok([...graph].every((o) => typeof o !== 'function'), 'no closure is held');
  }
});
