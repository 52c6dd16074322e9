/**
 * The span paths of large fleets, without a backend: the options and variables of the Kafka transport and of OTLP
 * export, the Kafka messages (a JSON list of spans each, split under the size limit), the sender's results with a
 * fake kafkajs, and the OTLP exporter's resource view. The real receivers: test/integration/span-transports.int.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTracingEnv, resolveTracingOptions } from '../../../src/tracing/options.js';
import { createKafkaSpanSender, toMessages, UNINSTRUMENTED, type KafkaCtor, type SendResult } from '../../../src/tracing/kafka-sender.js';
import { withResource } from '../../../src/tracing/otlp.js';

function resolveEnv(env: Record<string, string>) {
  const { config, problems } = readTracingEnv(env);
  return { resolved: resolveTracingOptions({}, config), problems };
}

test('defaults: Zipkin over HTTP, Kafka settings as Zipkin reads them, OTLP off', () => {
  const r = resolveTracingOptions({});
  assert.equal(r.zipkin.transport, 'http');
  assert.deepEqual(r.zipkin.kafka, { bootstrapServers: ['localhost:9092'], topic: 'zipkin' });
  assert.equal(r.otlp.enabled, false);
  assert.equal(r.otlp.endpoint, 'http://localhost:4318/v1/traces');
});

test('the Kafka transport from options and from NODEMETER_ZIPKIN_* variables; bad values rejected or reported', () => {
  const r = resolveTracingOptions({ zipkin: { transport: 'kafka', kafka: { bootstrapServers: ['k1:9092', 'k2:9092'], topic: 'spans' } } });
  assert.equal(r.zipkin.transport, 'kafka');
  assert.deepEqual(r.zipkin.kafka, { bootstrapServers: ['k1:9092', 'k2:9092'], topic: 'spans' });
  assert.throws(() => resolveTracingOptions({ zipkin: { transport: 'grpc' } }), /tracing\.zipkin\.transport/);
  assert.throws(() => resolveTracingOptions({ zipkin: { kafka: { bootstrapServers: [] } } }), /bootstrapServers/);
  const { resolved, problems } = resolveEnv({
    NODEMETER_ZIPKIN_TRANSPORT: 'KAFKA',
    NODEMETER_ZIPKIN_KAFKA_BOOTSTRAP_SERVERS: 'a:1, b:2',
    NODEMETER_ZIPKIN_KAFKA_TOPIC: 'zipkin-fleet',
  });
  assert.deepEqual(problems, []);
  assert.equal(resolved.zipkin.transport, 'kafka');
  assert.deepEqual(resolved.zipkin.kafka, { bootstrapServers: ['a:1', 'b:2'], topic: 'zipkin-fleet' });
  assert.equal(resolveEnv({ NODEMETER_ZIPKIN_TRANSPORT: 'carrier-pigeon' }).problems.length, 1);
});

test('OTLP from OpenTelemetry\'s and Spring Boot\'s variables', () => {
  // the base URL gets the traces path; the traces URL is taken as is and wins
  let { resolved } = resolveEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
  assert.equal(resolved.otlp.enabled, true, 'an endpoint turns OTLP on, as in Spring Boot');
  assert.equal(resolved.otlp.endpoint, 'http://collector:4318/v1/traces');
  assert.equal(resolved.zipkin.enabled, true, 'Zipkin stays on');
  ({ resolved } = resolveEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom' }));
  assert.equal(resolved.otlp.endpoint, 'http://b:4318/custom');
  ({ resolved } = resolveEnv({ MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT: 'http://boot4:4318/v1/traces' }));
  assert.equal(resolved.otlp.endpoint, 'http://boot4:4318/v1/traces');
  ({ resolved } = resolveEnv({ OTEL_TRACES_EXPORTER: 'otlp,zipkin', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x, tenant=a' }));
  assert.equal(resolved.otlp.enabled, true);
  assert.equal(resolved.zipkin.enabled, true);
  assert.deepEqual(resolved.otlp.headers, { authorization: 'Bearer x', tenant: 'a' });
  ({ resolved } = resolveEnv({ OTEL_TRACES_EXPORTER: 'otlp' }));
  assert.equal(resolved.otlp.enabled, true);
  assert.equal(resolved.zipkin.enabled, false, 'otlp alone: OTLP only, as OpenTelemetry reads the list');
  ({ resolved } = resolveEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }));
  assert.equal(resolved.otlp.enabled, false);
  assert.equal(resolveEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }).problems.length, 1);
  assert.equal(resolveEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).problems.length, 1);
  const r = resolveTracingOptions({ otlp: { endpoint: 'https://otlp.example/v1/traces', headers: { 'x-key': 'k' } } });
  assert.equal(r.otlp.enabled, true);
  assert.throws(() => resolveTracingOptions({ otlp: { headers: { n: 1 } } }), /tracing\.otlp\.headers/);
});

test('each Kafka message is a JSON list of spans, split under the size limit', () => {
  const spans = Array.from({ length: 10 }, (_, i) => ({ id: String(i).padStart(16, '0'), name: 'x'.repeat(80) }));
  const one = toMessages(spans);
  assert.equal(one.length, 1);
  assert.deepEqual(JSON.parse(one[0]!.value), spans);
  const split = toMessages(spans, 400);
  assert.ok(split.length > 1);
  assert.ok(split.every((m) => Buffer.byteLength(m.value) <= 400));
  assert.deepEqual(split.flatMap((m) => JSON.parse(m.value) as unknown[]), spans);
  assert.deepEqual(toMessages([]), []);
});

/** A kafkajs stand-in that records what it is given. */
function fakeKafka(behaviour: { connect?: () => Promise<void>; send?: () => Promise<unknown> }) {
  const seen: { config?: Record<string | symbol, unknown>; records: { topic: string; messages: { value: string }[] }[]; connects: number } = { records: [], connects: 0 };
  const Kafka = class {
    constructor(config: Record<string | symbol, unknown>) {
      seen.config = config;
    }
    producer() {
      return {
        connect: async () => {
          seen.connects++;
          await behaviour.connect?.();
        },
        disconnect: async () => {},
        send: async (record: { topic: string; messages: { value: string }[] }) => {
          seen.records.push(record);
          return behaviour.send?.();
        },
      };
    }
  } as unknown as KafkaCtor;
  return { Kafka, seen };
}

const sendOnce = (sender: ReturnType<typeof createKafkaSpanSender>, spans: object[]) =>
  new Promise<SendResult>((resolve) => sender.send(spans, resolve));

test('the Kafka sender: an uninstrumented client, one record per batch, failures reported, reconnects', async () => {
  let fail = true;
  const { Kafka, seen } = fakeKafka({ connect: async () => { if (fail) throw new Error('broker down'); } });
  const sender = createKafkaSpanSender({ bootstrapServers: ['k:9092'], topic: 'zipkin' }, 'svc', 1000, Kafka);
  assert.equal(seen.config?.[UNINSTRUMENTED], true, 'the automatic kafkajs integration leaves it alone');
  assert.equal(seen.config?.logLevel, 0);
  const failed = await sendOnce(sender, [{ id: '1' }]);
  assert.equal(failed.code, 1);
  assert.match(String(failed.error), /broker down/);
  fail = false;
  const ok = await sendOnce(sender, [{ id: '2' }, { id: '3' }]);
  assert.equal(ok.code, 0);
  assert.equal(seen.connects, 2, 'connects again after a failed connection');
  assert.equal(seen.records.length, 1);
  assert.equal(seen.records[0]!.topic, 'zipkin');
  assert.deepEqual(JSON.parse(seen.records[0]!.messages[0]!.value), [{ id: '2' }, { id: '3' }]);
  await sender.close();
  assert.equal((await sendOnce(sender, [{ id: '4' }])).code, 1, 'closed: nothing more is sent');
});

test('the OTLP exporter sees each span with the service\'s resource, the span itself unchanged', () => {
  const span = { name: 's', resource: { attributes: {} }, get duration() { return [0, 5]; } };
  const resource = { attributes: { 'service.name': 'svc' } };
  let seen: { name: string; resource: unknown; duration: unknown }[] = [];
  const exporter = withResource(
    { export: (spans, done) => { seen = spans as never; done({ code: 0 }); }, shutdown: async () => {} },
    resource as never,
  );
  exporter.export([span as never], () => {});
  assert.equal(seen[0]!.resource, resource);
  assert.equal(seen[0]!.name, 's');
  assert.deepEqual(seen[0]!.duration, [0, 5]);
  assert.deepEqual(span.resource, { attributes: {} });
});
