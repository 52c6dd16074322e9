/**
 * The kafkajs wrappers over stub clients (no broker): headers are Buffer-aware, the caller's records are never
 * modified, errors reach the caller unchanged, meters and contexts are right. The real-broker tests are in
 * test/integration/kafka.int.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer, EachMessagePayload, Producer, ProducerRecord } from 'kafkajs';
import { trace } from '@opentelemetry/api';
import { instrument } from '../../../src/index.js';
import { HEADERS_GETTER } from '../../../src/kafka/headers.js';
import { find, waitForSeries } from '../../helpers/series.js';

test('header getter: Buffer, string, arrays (last wins), any case, missing, garbage', () => {
  const headers = {
    traceparent: Buffer.from('00-abc'),
    b3: ['first', Buffer.from('last')],
    'X-B3-TraceId': 'mixed-case',
    empty: undefined,
  };
  assert.equal(HEADERS_GETTER.get(headers, 'traceparent'), '00-abc');
  assert.equal(HEADERS_GETTER.get(headers, 'b3'), 'last');
  assert.equal(HEADERS_GETTER.get(headers, 'x-b3-traceid'), 'mixed-case');
  assert.equal(HEADERS_GETTER.get(headers, 'empty'), undefined);
  assert.equal(HEADERS_GETTER.get(undefined, 'traceparent'), undefined);
  assert.equal(HEADERS_GETTER.get('nonsense' as never, 'traceparent'), undefined);
  assert.deepEqual(HEADERS_GETTER.keys(undefined), []);
});

function stubProducer(fail?: Error): { producer: Producer; sent: ProducerRecord[] } {
  const sent: ProducerRecord[] = [];
  const producer = {
    async send(record: ProducerRecord) {
      sent.push(record);
      if (fail) throw fail;
      return [];
    },
    async sendBatch() {
      return [];
    },
    async connect() {},
    marker: 'original',
  } as unknown as Producer;
  return { producer, sent };
}

test('producer: propagation headers added to a copy; the caller\'s message and headers untouched; caller headers kept', async () => {
  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent', tracing: { samplingProbability: 1, zipkin: { enabled: false } } });
  try {
    const { producer, sent } = stubProducer();
    const wrapped = nm.kafka.producer(producer, { name: 'orders-template', clientId: 'unit' });
    assert.equal((wrapped as unknown as { marker: string }).marker, 'original', 'other members delegate to the original');
    const message = { value: 'v', headers: { 'x-tenant': 'acme', traceparent: 'caller-set' } };
    const plain = { value: 'w' };
    await wrapped.send({ topic: 't', messages: [message, plain] });
    assert.deepEqual(message.headers, { 'x-tenant': 'acme', traceparent: 'caller-set' }, 'caller headers object unchanged');
    assert.deepEqual(plain, { value: 'w' }, 'caller message unchanged');
    const [m1, m2] = sent[0]!.messages;
    assert.equal(m1!.headers!.traceparent, 'caller-set', 'an explicitly set header is kept');
    assert.equal(m1!.headers!['x-tenant'], 'acme');
    assert.match(String(m2!.headers!.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await waitForSeries(() => nm.scrape(), 'spring_kafka_template_seconds_count', { spring_kafka_template_name: 'orders-template', error: 'none' }, 2);
    const line = find(await nm.scrape(), 'spring_kafka_template_seconds_count', { spring_kafka_template_name: 'orders-template' })!;
    // Spring Kafka's observation label set, as a running Boot 4.0.7 / 3.5.7 service writes it.
    assert.deepEqual(line.labels, {
      application: 'kafka-unit',
      error: 'none',
      messaging_destination_kind: 'topic',
      messaging_destination_name: 't',
      messaging_operation: 'publish',
      messaging_system: 'kafka',
      spring_kafka_template_name: 'orders-template',
    });
  } finally {
    await nm.shutdown();
  }
});

test('producer: a failing send rejects with the very same error and is counted as failure', async () => {
  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent', tracing: { zipkin: { enabled: false } } });
  try {
    class KafkaJSConnectionError extends Error {}
    const boom = new KafkaJSConnectionError('broker down');
    const wrapped = nm.kafka.producer(stubProducer(boom).producer, { name: 'p' });
    await assert.rejects(wrapped.send({ topic: 't', messages: [{ value: 'x' }] }), (err) => err === boom);
    await waitForSeries(() => nm.scrape(), 'spring_kafka_template_seconds_count', { spring_kafka_template_name: 'p', error: 'KafkaJSConnectionError' });
  } finally {
    await nm.shutdown();
  }
});

test('consumer: eachMessage runs in a CONSUMER span continuing the record\'s trace; handler errors propagate', async () => {
  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent', tracing: { samplingProbability: 1, zipkin: { enabled: false } } });
  try {
    let handler: ((p: EachMessagePayload) => Promise<void>) | undefined;
    const consumer = {
      async run(config: { eachMessage: (p: EachMessagePayload) => Promise<void> }) {
        handler = config.eachMessage;
      },
      async subscribe() {},
    } as unknown as Consumer;
    const wrapped = nm.kafka.consumer(consumer, { groupId: 'g1' });
    const seen: (string | undefined)[] = [];
    await wrapped.run({
      eachMessage: async ({ message }) => {
        seen.push(trace.getActiveSpan()?.spanContext().traceId);
        if (String(message.value) === 'bad') throw new RangeError('handler failed');
      },
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const payload = (value: string, headers: Record<string, unknown>) =>
      ({ topic: 't', partition: 0, message: { value: Buffer.from(value), offset: '5', headers }, heartbeat: async () => {}, pause: () => () => {} }) as unknown as EachMessagePayload;
    await handler!(payload('ok', { traceparent: Buffer.from(`00-${traceId}-00f067aa0ba902b7-01`) }));
    await assert.rejects(handler!(payload('bad', {})), RangeError);
    assert.equal(seen[0], traceId);
    assert.match(seen[1] ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(seen[1], traceId);
    const text = await nm.scrape();
    assert.equal(find(text, 'spring_kafka_listener_seconds_count', { spring_kafka_listener_id: 'g1-0', messaging_kafka_consumer_group: 'g1', error: 'none' })?.value, 1);
    assert.equal(find(text, 'spring_kafka_listener_seconds_count', { spring_kafka_listener_id: 'g1-0', error: 'RangeError' })?.value, 1);
    assert.equal(find(text, 'kafka_consumer_fetch_manager_records_consumed_total', { topic: 't' })?.value, 2);
  } finally {
    await nm.shutdown();
  }
});
