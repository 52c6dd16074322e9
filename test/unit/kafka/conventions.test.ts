/**
 * Spring Kafka's conventions per Boot line and mode, the canonical B3 header casing, the fleet profile's parsing,
 * lag on the first scrape, the windowed statistics and the kafkajs instrumentation events, over stub clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Consumer, EachMessagePayload, Producer, ProducerRecord } from 'kafkajs';
import { instrument, type KafkaLike, type NodemeterOptions } from '../../../src/index.js';
import { parseSpringBootLine } from '../../../src/core/fleet.js';
import { HEADERS_GETTER, HEADERS_SETTER } from '../../../src/kafka/headers.js';
import { WindowedStat } from '../../../src/kafka/client-metrics.js';
import { readEnv } from '../../../src/sdk/config-env.js';
import { parseExposition } from '../../helpers/registry.js';
import { find } from '../../helpers/series.js';

const tracingOn = { samplingProbability: 1, zipkin: { enabled: false } } as const;

function stubProducer(): { producer: Producer; sent: ProducerRecord[] } {
  const sent: ProducerRecord[] = [];
  const producer = {
    async send(record: ProducerRecord) {
      sent.push(record);
      return [];
    },
    async sendBatch() {
      return [];
    },
  } as unknown as Producer;
  return { producer, sent };
}

function stubConsumer(): { consumer: Consumer; handler: () => (p: EachMessagePayload) => Promise<void> } {
  let handler: ((p: EachMessagePayload) => Promise<void>) | undefined;
  const consumer = {
    async run(config: { eachMessage: (p: EachMessagePayload) => Promise<void> }) {
      handler = config.eachMessage;
    },
    async subscribe() {},
  } as unknown as Consumer;
  return { consumer, handler: () => handler! };
}

const record = (topic: string, headers: Record<string, unknown> = {}) =>
  ({ topic, partition: 3, message: { key: Buffer.from('k'), value: Buffer.from('value'), offset: '42', headers }, heartbeat: async () => {}, pause: () => () => {} }) as unknown as EachMessagePayload;

test('fleet profile: 3.5, 4.0, majors and patch versions parse; option and env reach the config; bad values are refused', () => {
  assert.equal(parseSpringBootLine('3.5'), '3.5');
  assert.equal(parseSpringBootLine('3'), '3.5');
  assert.equal(parseSpringBootLine('4'), '4.0');
  assert.equal(parseSpringBootLine(' 4.0.7 '), '4.0');
  assert.equal(parseSpringBootLine('3.4'), undefined);
  assert.equal(parseSpringBootLine('five'), undefined);
  assert.equal(readEnv({ NODEMETER_SPRING_BOOT: '3' }).config.springBoot, '3.5');
  const bad = readEnv({ NODEMETER_SPRING_BOOT: '2.7' });
  assert.equal(bad.config.springBoot, undefined);
  assert.match(bad.problems[0]?.message ?? '', /NODEMETER_SPRING_BOOT="2.7" ignored/);
  assert.throws(() => instrument({ serviceName: 'x', diagLevel: 'silent', springBoot: '2.7' as never }), /springBoot/);
});

for (const [line, operation] of [['4.0', 'process'], ['3.5', 'receive']] as const) {
  test(`Boot ${line}: listener labels, span name and tags as Spring Kafka's observation; template labels; active timers`, async () => {
    const spans: { name: string; kind: number; attributes: Record<string, unknown> }[] = [];
    const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent', springBoot: line, tracing: tracingOn });
    try {
      const { producer } = stubProducer();
      const p = nm.kafka.producer(producer, { clientId: 'svc' });
      await p.send({ topic: 'orders', messages: [{ value: 'x' }] });
      const { consumer, handler } = stubConsumer();
      const c = nm.kafka.consumer(consumer, { groupId: 'billing', clientId: 'svc' });
      let inFlight = '';
      await c.run({
        eachMessage: async () => {
          // The long task timer has the task while the listener runs, with the labels known at start.
          inFlight = await nm.scrape();
        },
      });
      await handler()(record('orders'));
      const text = await nm.scrape();
      const listener = find(text, 'spring_kafka_listener_seconds_count', { spring_kafka_listener_id: 'billing-0' });
      assert.deepEqual(listener?.labels, {
        application: 'kafka-unit',
        error: 'none',
        messaging_kafka_consumer_group: 'billing',
        messaging_operation: operation,
        messaging_source_kind: 'topic',
        messaging_source_name: 'orders',
        messaging_system: 'kafka',
        spring_kafka_listener_id: 'billing-0',
      });
      const template = find(text, 'spring_kafka_template_seconds_count', { spring_kafka_template_name: 'kafkaTemplate' });
      assert.equal(template?.labels.messaging_operation, 'publish');
      assert.equal(template?.value, 1);
      assert.ok(find(text, 'spring_kafka_template_seconds_max', { spring_kafka_template_name: 'kafkaTemplate' }));
      // Active timers: the listener's task is counted while it runs, and the families exist with Spring's names.
      const active = find(inFlight, 'spring_kafka_listener_active_seconds_active_count', { spring_kafka_listener_id: 'billing-0' })
        ?? find(inFlight, 'spring_kafka_listener_active_seconds_count', { spring_kafka_listener_id: 'billing-0' })
        ?? find(inFlight, 'spring_kafka_listener_active_seconds_gcount', { spring_kafka_listener_id: 'billing-0' });
      assert.equal(active?.value, 1, `one active listener task in:\n${inFlight.split('\n').filter((l) => l.includes('listener_active')).join('\n')}`);
      assert.equal(active?.labels.error, undefined, 'no error label on the active timer');
      assert.ok(parseExposition(text).some((s) => s.name.startsWith('spring_kafka_template_active_seconds')));
      void spans;
    } finally {
      await nm.shutdown();
    }
  });
}

test('observationConventions: false gives Spring Kafka\'s observation-off label set', async () => {
  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent' });
  try {
    const p = nm.kafka.producer(stubProducer().producer, { clientId: 'svc', observationConventions: false });
    await p.send({ topic: 'orders', messages: [{ value: 'x' }] });
    const text = await nm.scrape();
    const line = find(text, 'spring_kafka_template_seconds_count', { name: 'svc' });
    assert.deepEqual(line?.labels, { application: 'kafka-unit', exception: 'none', name: 'svc', result: 'success' });
    assert.ok(!text.includes('spring_kafka_template_active_seconds'), 'no active timer without observation');
  } finally {
    await nm.shutdown();
  }
});

test('B3 multi: produced with Brave\'s header names (Kafka header names are case-sensitive); read in any case', async () => {
  const headers: Record<string, string> = {};
  for (const [k, v] of [['x-b3-traceid', 't'], ['x-b3-spanid', 's'], ['x-b3-parentspanid', 'p'], ['x-b3-sampled', '1'], ['x-b3-flags', '1'], ['b3', 'single'], ['traceparent', 'w3c']]) {
    HEADERS_SETTER.set(headers, k!, v!);
  }
  assert.deepEqual(Object.keys(headers), ['X-B3-TraceId', 'X-B3-SpanId', 'X-B3-ParentSpanId', 'X-B3-Sampled', 'X-B3-Flags', 'b3', 'traceparent']);
  // A header the caller set, in either case, is kept.
  const callers: Record<string, string> = { 'x-b3-traceid': 'mine' };
  HEADERS_SETTER.set(callers, 'x-b3-traceid', 'new');
  assert.deepEqual(callers, { 'x-b3-traceid': 'mine' });
  for (const name of ['X-B3-TraceId', 'x-b3-traceid', 'X-B3-TRACEID']) {
    assert.equal(HEADERS_GETTER.get({ [name]: Buffer.from('abc') }, 'x-b3-traceid'), 'abc', name);
  }

  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent', tracing: { ...tracingOn, propagation: { produce: ['b3multi'] } } });
  try {
    const { producer, sent } = stubProducer();
    await nm.kafka.producer(producer).send({ topic: 't', messages: [{ value: 'x' }] });
    const keys = Object.keys(sent[0]!.messages[0]!.headers!);
    assert.ok(keys.includes('X-B3-TraceId') && keys.includes('X-B3-SpanId') && keys.includes('X-B3-Sampled'), keys.join());
    assert.ok(!keys.some((k) => k.startsWith('x-b3-')), keys.join());
  } finally {
    await nm.shutdown();
  }
});

test('consumer span: Spring Kafka\'s tags, no name/result/exception tags, remote service Apache Kafka', async () => {
  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent', tracing: tracingOn });
  try {
    const { consumer, handler } = stubConsumer();
    const c = nm.kafka.consumer(consumer, { groupId: 'g', clientId: 'cid' });
    let attributes: Record<string, unknown> = {};
    let name = '';
    const { trace } = await import('@opentelemetry/api');
    await c.run({
      eachMessage: async () => {
        const span = trace.getActiveSpan() as unknown as { attributes: Record<string, unknown>; name: string };
        // Tags are set at stop: read them after the handler, from the same span object.
        setImmediate(() => {
          attributes = span.attributes;
          name = span.name;
        });
      },
    });
    await handler()(record('orders'));
    await new Promise((r) => setImmediate(r));
    assert.equal(name, 'orders process');
    assert.deepEqual(
      Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b))),
      {
        'messaging.consumer.id': 'g - cid',
        'messaging.kafka.client_id': 'cid',
        'messaging.kafka.consumer.group': 'g',
        'messaging.kafka.message.offset': '42',
        'messaging.kafka.source.partition': '3',
        'messaging.operation': 'process',
        'messaging.source.kind': 'topic',
        'messaging.source.name': 'orders',
        'messaging.system': 'kafka',
        'peer.service': 'Apache Kafka',
        'spring.kafka.listener.id': 'g-0',
      },
    );
  } finally {
    await nm.shutdown();
  }
});

test('lag: both gauges have their series on the first scrape, with the current value', async () => {
  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent' });
  try {
    let high = 10;
    const admin = {
      async connect() {},
      async disconnect() {},
      async describeCluster() {
        return { clusterId: 'c1', brokers: [{}] };
      },
      async fetchTopicOffsets() {
        return [{ partition: 0, high: String(high), low: '0' }];
      },
      async fetchOffsets() {
        return [{ topic: 't', partitions: [{ partition: 0, offset: '4' }] }];
      },
    };
    const kafka = {
      producer: () => stubProducer().producer,
      consumer: () => stubConsumer().consumer,
      admin: () => admin,
    };
    const c = nm.kafka.instrument(kafka as unknown as KafkaLike, { clientId: 'lagger', health: false }).consumer({ groupId: 'g' }) as unknown as Consumer;
    await c.subscribe({ topic: 't' });
    const first = await nm.scrape();
    const labels = { client_id: 'lagger', spring_id: 'kafkaConsumerFactory.lagger', topic: 't', partition: '0' };
    assert.equal(find(first, 'kafka_consumer_fetch_manager_records_lag', labels)?.value, 6);
    assert.equal(find(first, 'kafka_consumer_fetch_manager_records_lag_max', labels)?.value, 6);
    assert.deepEqual(Object.keys(find(first, 'kafka_consumer_fetch_manager_records_lag_max', labels)!.labels).sort(), [
      'application', 'client_id', 'kafka_version', 'partition', 'spring_id', 'topic',
    ]);
    high = 20;
    await new Promise((r) => setTimeout(r, 1_050)); // past the one-second read cache
    const second = await nm.scrape();
    assert.equal(find(second, 'kafka_consumer_fetch_manager_records_lag_max', labels)?.value, 16, 'the current read, not the previous scrape\'s');
  } finally {
    await nm.shutdown();
  }
});

test('windowed statistics: avg/max NaN until a value, rate over at least one 30 s window, old samples expire', () => {
  let now = 1_000_000;
  const s = new WindowedStat(() => now);
  assert.ok(Number.isNaN(s.avg()));
  assert.ok(Number.isNaN(s.max()));
  assert.equal(s.rate(), 0);
  s.record(10);
  s.record(30);
  assert.equal(s.avg(), 20);
  assert.equal(s.max(), 30);
  assert.equal(s.rate(), 40 / 30);
  assert.equal(s.countRate(), 2 / 30);
  now += 45_000;
  s.record(5);
  assert.equal(s.max(), 30);
  assert.equal(s.rate(), 45 / 45);
  now += 30_000; // the first sample is now older than two windows
  assert.equal(s.max(), 5);
  now += 60_000;
  assert.ok(Number.isNaN(s.avg()));
});

test('client families: kafkajs instrumentation events and the wrappers under Micrometer\'s names and labels', async () => {
  const nm = instrument({ serviceName: 'kafka-unit', diagLevel: 'silent' } satisfies NodemeterOptions);
  try {
    const emitter = new EventEmitter();
    const events = {
      REQUEST: 'consumer.network.request',
      GROUP_JOIN: 'consumer.group_join',
      HEARTBEAT: 'consumer.heartbeat',
      CONNECT: 'consumer.connect',
      DISCONNECT: 'consumer.disconnect',
    };
    const { consumer, handler } = stubConsumer();
    Object.assign(consumer, {
      events,
      on: (name: string, fn: (e: unknown) => void) => {
        emitter.on(name, fn);
        return () => emitter.off(name, fn);
      },
    });
    const c = nm.kafka.consumer(consumer, { groupId: 'g', clientId: 'cid' });
    await c.run({ eachMessage: async () => {} });
    const emit = (name: string, payload: object) => emitter.emit(name, { id: 1, type: name, timestamp: Date.now(), payload });
    emit(events.CONNECT, {});
    emit(events.REQUEST, { broker: 'b1:9092', apiName: 'Fetch', duration: 12, size: 100 });
    emit(events.REQUEST, { broker: 'b2:9092', apiName: 'Fetch', duration: 30, size: 100 });
    emit(events.REQUEST, { broker: 'b1:9092', apiName: 'OffsetCommit', duration: 4, size: 50 });
    emit(events.GROUP_JOIN, { duration: 250, memberAssignment: { orders: [0, 1, 2], audit: [0] } });
    emit(events.HEARTBEAT, {});
    emit(events.REQUEST, 'not an object' as never);
    await handler()(record('orders'));
    await handler()(record('orders'));
    const text = await nm.scrape();
    const base = { client_id: 'cid', spring_id: 'kafkaConsumerFactory.cid' };
    const value = (name: string, extra: Record<string, string> = {}) => find(text, name, { ...base, ...extra })?.value;
    assert.equal(value('kafka_consumer_fetch_manager_records_consumed_total', { topic: 'orders' }), 2);
    assert.equal(value('kafka_consumer_fetch_manager_bytes_consumed_total', { topic: 'orders' }), 12, 'key and value bytes');
    assert.equal(value('kafka_consumer_fetch_manager_records_consumed_rate', { topic: 'orders' }), 2 / 30);
    assert.equal(value('kafka_consumer_fetch_manager_fetch_total'), 2);
    assert.equal(value('kafka_consumer_fetch_manager_fetch_latency_avg'), 21);
    assert.equal(value('kafka_consumer_fetch_manager_fetch_latency_max'), 30);
    assert.equal(value('kafka_consumer_coordinator_commit_total'), 1);
    assert.equal(value('kafka_consumer_coordinator_commit_latency_max'), 4);
    assert.equal(value('kafka_consumer_coordinator_assigned_partitions'), 4);
    assert.equal(value('kafka_consumer_coordinator_rebalance_total'), 1);
    assert.equal(value('kafka_consumer_coordinator_rebalance_latency_max'), 250);
    assert.equal(value('kafka_consumer_coordinator_heartbeat_total'), 1);
    assert.equal(value('kafka_consumer_connection_count'), 2);
    assert.equal(value('kafka_consumer_request_total'), 3);
    assert.equal(value('kafka_consumer_outgoing_byte_total'), 250);
    const labels = find(text, 'kafka_consumer_fetch_manager_fetch_total', base)!.labels;
    assert.deepEqual(Object.keys(labels).sort(), ['application', 'client_id', 'kafka_version', 'spring_id']);
    assert.match(labels.kafka_version ?? '', /^\d+\.\d+\.\d+/, 'the installed kafkajs version');
    emit(events.DISCONNECT, {});
    assert.equal(find(await nm.scrape(), 'kafka_consumer_connection_count', base)?.value, 0);
    // Listeners are removed at shutdown.
    await nm.shutdown();
    assert.equal(emitter.listenerCount(events.REQUEST), 0);
  } finally {
    await nm.shutdown();
  }
});

test('producer error counters: at 0 from the start (client) and from the first send of a topic, as the Kafka client\'s', async () => {
  const nm = instrument({ serviceName: 'kafka-unit-errors', diagLevel: 'silent' } satisfies NodemeterOptions);
  try {
    const { producer } = stubProducer();
    const p = nm.kafka.producer(producer, { clientId: 'pid' });
    const before = await nm.scrape();
    const client = find(before, 'kafka_producer_record_error_total', { client_id: 'pid' });
    assert.equal(client?.value, 0, 'the client-level error counter exists before any send');
    assert.equal(find(before, 'kafka_producer_topic_record_error_total', { client_id: 'pid', topic: 'orders' }), undefined);
    await p.send({ topic: 'orders', messages: [{ value: 'a' }] });
    const after = await nm.scrape();
    assert.equal(find(after, 'kafka_producer_topic_record_error_total', { client_id: 'pid', topic: 'orders' })?.value, 0);
    assert.equal(find(after, 'kafka_producer_topic_record_send_total', { client_id: 'pid', topic: 'orders' })?.value, 1);
  } finally {
    await nm.shutdown();
  }
});
