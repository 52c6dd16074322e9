/**
 * Sampled spans held outside the heap until export (src/tracing/held-spans.ts): what the exporters make of a span
 * read back is what they make of the SDK's span, byte for byte (Zipkin's JSON, OTLP's JSON and protobuf); spans the
 * form cannot hold wait as before; buffers are reused, and a handle never read back (the batch dropped it) costs
 * nothing but its buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode, TraceFlags, context, createTraceState, trace, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { EndedSpan, EndedSpanProcessor } from '../../../src/tracing/ended-span.js';
import { HeldSpanStore } from '../../../src/tracing/held-spans.js';
import { replaceZipkinSend } from '../../../src/tracing/compat/exporter-zipkin.js';
import { withResource } from '../../../src/tracing/otlp.js';
import { selfObservabilityMeterProvider } from '../../../src/tracing/self-metrics.js';
import { newRegistry, seriesOf } from '../../helpers/registry.js';
import { reachable } from '../../helpers/reachable.js';

const require = createRequire(import.meta.url);
const ZIPKIN_VERSION = (require('@opentelemetry/exporter-zipkin/package.json') as { version: string }).version;

function collect(into: ReadableSpan[]): SpanProcessor {
  return {
    onStart() {},
    onEnd: (span) => into.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/** A tracer whose sampled spans reach `sdkSpans` as the SDK ends them and `held` as the store holds them. */
function record(store = new HeldSpanStore()) {
  const sdkSpans: ReadableSpan[] = [];
  const held: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'order-service' }),
    spanProcessors: [collect(sdkSpans), new EndedSpanProcessor(collect(held), store)],
  });
  return { tracer: provider.getTracer('nodemeter', '0.1.0'), sdkSpans, held, store };
}

/** The spans as the store's exporter hands them to the exporter behind it. */
function readBack(store: HeldSpanStore, spans: ReadableSpan[]): ReadableSpan[] {
  let read: ReadableSpan[] = [];
  // A copy: the store empties the array it handed on once export() returns.
  store.exporter({ export: (s, done) => { read = [...s]; done({ code: 0 }); }, shutdown: () => Promise.resolve() }).export(spans, () => {});
  return read;
}

function zipkinJson(spans: ReadableSpan[]): Promise<string> {
  return new Promise((resolve) => {
    const exporter = new ZipkinExporter({ url: 'http://127.0.0.1:9/api/v2/spans', serviceName: 'order-service' });
    assert.ok(replaceZipkinSend(exporter, ZIPKIN_VERSION, (zipkinSpans, done) => {
      resolve(JSON.stringify(zipkinSpans));
      done({ code: 0 });
    }));
    exporter.export(spans, () => {});
  });
}

function otlp(spans: ReadableSpan[]): Buffer[] {
  const resource = resourceFromAttributes({ 'service.name': 'order-service' });
  let viewed: ReadableSpan[] = [];
  withResource({ export: (s, done) => { viewed = s; done({ code: 0 }); }, shutdown: () => Promise.resolve() }, resource).export(spans, () => {});
  return [JsonTraceSerializer, ProtobufTraceSerializer].map((s) => Buffer.from(s.serializeRequest(viewed) as Uint8Array));
}

/** Spans of every shape the store holds: kinds, parents local and remote, statuses, attribute types, UTF-8. */
function heldShapes(tracer: ReturnType<typeof record>['tracer']): void {
  const remote = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const server = tracer.startSpan('http get /orders/{id}', { kind: SpanKind.SERVER, attributes: { method: 'GET', uri: '/orders/{id}' } }, remote);
  server.setAttribute('status', '500');
  server.setAttribute('http.response.size', 1234);
  server.setAttribute('ratio', -0.25);
  server.setAttribute('cached', false);
  server.setAttribute('retried', true);
  server.setAttribute('exception', 'Überweisung fehlgeschlagen: 注文 ✓ 🚚');
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'boom – ünïcode' });
  const inServer = trace.setSpan(context.active(), server);
  const client = tracer.startSpan('http post', { kind: SpanKind.CLIENT, attributes: { 'http.url': 'http://stock/reserve?id=7' } }, inServer);
  client.setStatus({ code: SpanStatusCode.OK });
  client.end();
  tracer.startSpan('orders send', { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': 'orders' } }, inServer).end();
  tracer.startSpan('', { kind: SpanKind.INTERNAL }).end();
  tracer.startSpan('validate', { startTime: [1764547200, 123456789] }).end([1764547200, 987654321]);
  server.end();
}

test('spans read back are exported as the SDK\'s spans are: Zipkin JSON, OTLP JSON and protobuf', async () => {
  const { tracer, sdkSpans, held, store } = record();
  heldShapes(tracer);
  assert.equal(held.length, 5);
  assert.ok(held.every((h) => !(h instanceof EndedSpan)), 'every one of these is held outside the heap');
  const read = readBack(store, held);
  assert.equal(await zipkinJson(read), await zipkinJson(sdkSpans));
  assert.deepEqual(otlp(read), otlp(sdkSpans));
  // Field by field, for what the serialisers would forgive.
  for (let i = 0; i < read.length; i++) {
    const r = read[i]!;
    const s = sdkSpans[i]!;
    assert.equal(r.name, s.name);
    assert.equal(r.kind, s.kind);
    const [rc, sc] = [r.spanContext(), s.spanContext()];
    assert.deepEqual([rc.traceId, rc.spanId, rc.traceFlags, rc.isRemote], [sc.traceId, sc.spanId, sc.traceFlags, sc.isRemote]);
    const [rp, sp] = [r.parentSpanContext, s.parentSpanContext];
    assert.deepEqual([rp?.traceId, rp?.spanId, rp?.traceFlags, rp?.isRemote], [sp?.traceId, sp?.spanId, sp?.traceFlags, sp?.isRemote]);
    assert.deepEqual([r.startTime, r.endTime, r.duration], [s.startTime, s.endTime, s.duration]);
    assert.deepEqual({ ...r.status }, { ...s.status });
    assert.deepEqual(Object.entries(r.attributes), Object.entries(s.attributes), 'same attributes, in the same order');
    assert.equal(r.resource, s.resource);
    assert.equal(r.instrumentationScope, s.instrumentationScope);
    assert.deepEqual([r.links, r.events], [[], []]);
    assert.deepEqual(
      [r.droppedAttributesCount, r.droppedEventsCount, r.droppedLinksCount],
      [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
    );
  }
});

test('what the store cannot hold waits as an EndedSpan and is exported alike: tracestate, links, events, arrays, a span larger than a buffer', async () => {
  const { tracer, sdkSpans, held, store } = record();
  const withState = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=x'),
  });
  tracer.startSpan('child of a tracestate', {}, withState).end();
  const linked = tracer.startSpan('linked');
  linked.addLink({ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED } });
  linked.end();
  const withEvent = tracer.startSpan('with an event');
  withEvent.addEvent('retry', { attempt: 2 });
  withEvent.end();
  tracer.startSpan('array attribute', { attributes: { tags: ['a', 'b'] } }).end();
  tracer.startSpan('huge', { attributes: { payload: 'x'.repeat(100_000) } }).end();
  tracer.startSpan('after them', { attributes: { ok: true } }).end();
  assert.deepEqual(held.map((h) => h instanceof EndedSpan), [true, true, true, true, true, false]);
  const read = readBack(store, held);
  assert.equal(await zipkinJson(read), await zipkinJson(sdkSpans));
  assert.deepEqual(otlp(read), otlp(sdkSpans));
});

test('buffers are reused batch after batch, and a handle never read back does not stop the others', async () => {
  const { tracer, sdkSpans, held, store } = record();
  const end = (n: number, from: number): void => {
    for (let i = from; i < from + n; i++) {
      const s: Span = tracer.startSpan(`http get /orders/{id}`, { kind: SpanKind.SERVER, attributes: { method: 'GET', uri: '/orders/{id}', status: '200', 'http.url': `/orders/${i}` } });
      s.end();
    }
  };
  // 40,000 spans (about 12 MB written) in batches of 128, each read back before the next.
  for (let b = 0; b < 300; b++) {
    end(128, b * 128);
    const read = readBack(store, held.splice(0));
    assert.equal(read.length, 128);
    assert.equal(read[127]!.attributes['http.url'], `/orders/${b * 128 + 127}`);
    sdkSpans.length = 0;
  }
  assert.ok(store.allocated <= 2, `buffers allocated: ${store.allocated}`);
  // Every third handle dropped, as a full batch queue drops them: the rest still read back right, across buffers.
  end(3000, 0);
  const kept = held.filter((_, i) => i % 3 !== 0);
  const expected = sdkSpans.filter((_, i) => i % 3 !== 0);
  assert.equal(await zipkinJson(readBack(store, kept)), await zipkinJson(expected));
});

test('handles are reused once read back or dropped, never while their batch waits', async () => {
  const { tracer, sdkSpans, held, store } = record();
  const end = (n: number, from: number): ReadableSpan[] => {
    for (let i = from; i < from + n; i++) {
      tracer.startSpan('http get /orders/{id}', { kind: SpanKind.SERVER, attributes: { method: 'GET', 'http.url': `/orders/${i}` } }).end();
    }
    return held.splice(0);
  };
  const first = end(128, 0);
  const waiting = end(128, 128);
  const inFirst = new Set<object>(first);
  assert.equal(new Set<object>([...first, ...waiting]).size, 256, 'a handle is not reused while its batch waits');
  sdkSpans.splice(0, 128);
  readBack(store, first);
  assert.ok(first.every((h) => (h as unknown as { chunk: unknown }).chunk === undefined), 'a spare keeps no buffer alive');

  // The next spans get the first batch's handles, and read back as themselves.
  const next = end(128, 256);
  assert.ok(next.every((h) => inFirst.has(h)), 'the handles read back serve the next spans');
  assert.ok(next.every((h) => !waiting.includes(h)));
  const expected = sdkSpans.splice(0);
  assert.equal(await zipkinJson(readBack(store, [...waiting, ...next])), await zipkinJson(expected));

  // A handle the batch processor dropped serves the next span at once.
  const [dropped] = end(1, 384);
  store.dropLast();
  const [after] = end(1, 385);
  assert.equal(after, dropped);
  assert.equal(readBack(store, [after!])[0]!.attributes['http.url'], '/orders/385');
});

test('past what is interned (1,024 names, 64 values a key, 4,096 strings), the rest is written in full', async () => {
  const { tracer, sdkSpans, held, store } = record();
  for (let i = 0; i < 5000; i++) {
    tracer.startSpan(`span ${i}`, { attributes: { [`key ${i % 3000}`]: `value ${i}`, url: `/orders/${i}`, method: i % 2 ? 'GET' : 'POST' } }).end();
  }
  tracer.startSpan('long', { attributes: { long: 'y'.repeat(300) } }).end();
  // Names, keys and values together would pass 4,096 strings: the table stops there.
  assert.equal(store.interned, 4096);
  assert.equal(await zipkinJson(readBack(store, held)), await zipkinJson(sdkSpans));
});

test('a held span reaches its buffer, the resource and the scope, and no object of the span', () => {
  const { tracer, sdkSpans, held } = record();
  heldShapes(tracer);
  for (let i = 0; i < held.length; i++) {
    const sdk = sdkSpans[i]!;
    const graph = reachable(held[i]!);
    const allowed = reachable(sdk.resource);
    for (const o of reachable(sdk.instrumentationScope)) allowed.add(o);
    const spanObjects = [...graph].filter(
      (o) => o !== held[i] && !allowed.has(o) && !ArrayBuffer.isView(o) && !(o instanceof ArrayBuffer) && !isChunk(o),
    );
    assert.deepEqual(spanObjects, [], 'nothing of the span but what is written in the buffer');
    assert.ok(!graph.has(sdk.attributes) && !graph.has(sdk.spanContext()));
  }
});

function isChunk(o: object): boolean {
  return Object.getPrototypeOf(o)?.constructor?.name === 'Chunk';
}

test('the batch handed on is emptied once export() returns: the exporter has translated it, and keeps the array until the backend answers', () => {
  const { tracer, held, store } = record();
  heldShapes(tracer);
  let given: ReadableSpan[] = [];
  let lengthDuringExport = -1;
  store.exporter({
    export: (s, done) => {
      given = s;
      lengthDuringExport = s.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
  }).export(held, () => {});
  assert.equal(lengthDuringExport, 5);
  assert.equal(given.length, 0);
  assert.equal(held.length, 5, 'the batch processor\'s own array is not touched');
});

test('spans the batch processor drops (queue full, the backend not answering) give their bytes back', async () => {
  const registry = newRegistry();
  const spansCounter = registry.counter('nodemeter.spans', { labelNames: ['result', 'reason'] });
  const store = new HeldSpanStore();
  let exported: ReadableSpan[] = [];
  // An exporter that takes its first batch and never answers: the processor exports nothing more, its queue fills.
  const never = { export: (s: ReadableSpan[]) => { exported = [...s]; }, shutdown: () => Promise.resolve() };
  const bsp = new BatchSpanProcessor(store.exporter(never), {
    maxQueueSize: 16,
    maxExportBatchSize: 4,
    scheduledDelayMillis: 3_600_000,
    selfObsMeterProvider: selfObservabilityMeterProvider(registry, spansCounter, () => store.dropLast()),
  } as ConstructorParameters<typeof BatchSpanProcessor>[1]);
  const provider = new BasicTracerProvider({ spanProcessors: [new EndedSpanProcessor(bsp, store)] });
  const tracer = provider.getTracer('nodemeter', '0.1.0');
  for (let i = 0; i < 100_000; i++) {
    tracer.startSpan('http get /orders/{id}', { attributes: { method: 'GET', 'http.url': `/orders/${i}` } }).end();
  }
  assert.equal(exported.length, 4, 'the first batch reached the exporter');
  assert.equal(exported[3]!.attributes['http.url'], '/orders/3');
  const dropped = seriesOf(await registry.scrape(), 'nodemeter_spans_total').find((x) => x.labels.reason === 'queue_full');
  assert.equal(dropped?.value, 100_000 - 4 - 16);
  assert.equal(store.allocated, 1, 'about 30 MB written and given back: one buffer');
  // The 16 queued spans are still whole.
  await new Promise<void>((resolve) => {
    store.exporter({ export: (s, done) => { exported = [...s]; done({ code: 0 }); resolve(); }, shutdown: () => Promise.resolve() })
      .export((bsp as unknown as { _finishedSpans: ReadableSpan[] })._finishedSpans.splice(0), () => {});
  });
  assert.deepEqual(exported.map((s) => s.attributes['http.url']), Array.from({ length: 16 }, (_, i) => `/orders/${i + 4}`));
});
