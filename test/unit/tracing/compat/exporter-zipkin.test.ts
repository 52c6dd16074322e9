/**
 * The Zipkin exporter's spans in Brave's shape: the remote service (and address) moved from tags to
 * `remoteEndpoint`, checked on the mapping itself and on a real ZipkinExporter instance whose request is captured
 * (the real-Zipkin check is in test/integration/tracing.int.test.ts and kafka.int.test.ts); outside the supported
 * versions the exporter is left as it is, with NMWRN022.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Diag } from '../../../../src/core/diag.js';
import { EXPORTER_ZIPKIN_SUPPORTED, sendInBraveShape, toBraveShape, type ZipkinSpanLike } from '../../../../src/tracing/compat/exporter-zipkin.js';

const collecting = (): { diag: Diag; messages: string[] } => {
  const messages: string[] = [];
  return { diag: new Diag('debug', (level, m) => messages.push(`${level} ${m}`)), messages };
};

test('the remote service tag becomes remoteEndpoint.serviceName, the tag goes', () => {
  const span = { name: 'orders send', tags: { 'messaging.system': 'kafka', 'peer.service': 'Apache Kafka: abc' } };
  assert.deepEqual(toBraveShape(span), {
    name: 'orders send',
    tags: { 'messaging.system': 'kafka' },
    remoteEndpoint: { serviceName: 'Apache Kafka: abc' },
  });
  assert.deepEqual(span.tags, { 'messaging.system': 'kafka', 'peer.service': 'Apache Kafka: abc' }, 'the input is not changed');
});

test('peer address and port become remoteEndpoint ipv4/ipv6 and port; a host name stays a tag', () => {
  assert.deepEqual(toBraveShape({ tags: { 'network.peer.address': '10.1.2.3', 'network.peer.port': '8080', method: 'GET' } }), {
    tags: { method: 'GET' },
    remoteEndpoint: { ipv4: '10.1.2.3', port: 8080 },
  });
  assert.deepEqual(toBraveShape({ tags: { 'network.peer.address': '::1', 'network.peer.port': '443' } }), {
    tags: {},
    remoteEndpoint: { ipv6: '::1', port: 443 },
  });
  assert.deepEqual(toBraveShape({ tags: { 'network.peer.address': 'db.internal', 'network.peer.port': 'x', 'peer.service': 'postgresql' } }), {
    tags: { 'network.peer.address': 'db.internal' },
    remoteEndpoint: { serviceName: 'postgresql' },
  });
});

test('spans without remote tags pass as they are (no copy); an existing remoteEndpoint is kept and completed', () => {
  const plain: ZipkinSpanLike = { tags: { method: 'GET', uri: '/orders/{id}' } };
  assert.equal(toBraveShape(plain), plain);
  const bare: ZipkinSpanLike = {};
  assert.equal(toBraveShape(bare), bare);
  assert.deepEqual(toBraveShape({ tags: { 'peer.service': 'x' }, remoteEndpoint: { ipv4: '1.2.3.4' } }), {
    tags: {},
    remoteEndpoint: { ipv4: '1.2.3.4', serviceName: 'x' },
  });
  assert.deepEqual(toBraveShape({ tags: { 'peer.service': '' } }), { tags: {} }, 'an empty remote service is no remote endpoint');
});

test('a real ZipkinExporter sends Brave-shaped spans: remoteEndpoint, no peer.service, no resource tags', async () => {
  const exporter = new ZipkinExporter({ url: 'http://127.0.0.1:9/api/v2/spans', serviceName: 'orders' });
  const sent: unknown[][] = [];
  // Stands in for the HTTP request (set before the wrap, so the wrap calls it).
  (exporter as unknown as { _send: unknown })._send = (spans: unknown[], done: (r: { code: number }) => void) => {
    sent.push(spans);
    done({ code: 0 });
  };
  const { diag, messages } = collecting();
  assert.equal(sendInBraveShape(exporter, '2.12.0', diag), true);
  assert.deepEqual(messages, []);
  const provider = new NodeTracerProvider({ resource: emptyResource(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('t');
  tracer.startSpan('orders send', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'peer.service': 'Apache Kafka: c1' } }).end();
  tracer.startSpan('http get', { kind: SpanKind.CLIENT, attributes: { method: 'GET' } }).end();
  await provider.forceFlush();
  const spans = sent.flat() as { name: string; kind: string; localEndpoint: unknown; remoteEndpoint?: unknown; tags: Record<string, string> }[];
  assert.equal(spans.length, 2);
  const [send, client] = spans;
  assert.equal(send!.kind, 'PRODUCER');
  assert.deepEqual(send!.localEndpoint, { serviceName: 'orders' });
  assert.deepEqual(send!.remoteEndpoint, { serviceName: 'Apache Kafka: c1' });
  assert.deepEqual(send!.tags, { 'messaging.system': 'kafka' });
  assert.equal(client!.remoteEndpoint, undefined);
  assert.deepEqual(client!.tags, { method: 'GET' });
  await provider.shutdown();
});

test('outside the supported versions (or without _send) the exporter stays as it is, with NMWRN022', () => {
  const exporter = new ZipkinExporter({ url: 'http://127.0.0.1:9/api/v2/spans', serviceName: 'orders' });
  const original = (exporter as unknown as { _send: unknown })._send;
  const { diag, messages } = collecting();
  assert.equal(sendInBraveShape(exporter, '3.0.0', diag), false);
  assert.equal((exporter as unknown as { _send: unknown })._send, original);
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /^warn NMWRN022 @opentelemetry\/exporter-zipkin 3\.0\.0 is outside the versions nodemeter supports \(>=2\.0\.0 <3\)/);
  assert.match(messages[0]!, /remoteEndpoint/);

  const other = collecting();
  assert.equal(sendInBraveShape({}, '2.12.0', other.diag), false);
  assert.match(other.messages[0]!, /^warn NMWRN022 .*2\.12\.0 without the internal _send/);
  assert.equal(EXPORTER_ZIPKIN_SUPPORTED.range, '>=2.0.0 <3');
});
