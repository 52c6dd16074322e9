// @backends kafka zipkin confluent
// @one-runtime the native addon is built for one Node ABI, a cold build takes 5-7 minutes
/**
 * @confluentinc/kafka-javascript (librdkafka underneath, a KafkaJS-compatible API under `.KafkaJS`) through the same
 * nodemeter wrappers, against the real broker and Zipkin: produce → consume with one trace (W3C and B3 multi, with
 * Brave's `X-B3-*` header names on the wire), the same Spring Kafka meters and label sets as with kafkajs, the
 * client families the wrappers give (records and bytes), and lag from the admin's offsets.
 *
 * It has no instrumentation events (`consumer.on`/`events` throw "not implemented") and no describeCluster, so
 * fetch/request/commit latency, rebalances, assigned partitions and connections are absent and the remote service
 * is `Apache Kafka` without a cluster id: asserted here, documented in docs/guides/kafka.md.
 *
 * The package is not a devDependency: its install downloads a prebuilt binary from GitHub or else the sources of
 * librdkafka's dependencies, and fails where those are out of reach, which would fail `npm install` of a fresh
 * clone. `scripts/stack up confluent` builds it from source (docs/guides/kafka.md has the recipe) into
 * .stack/confluent/<Node ABI>/ and prints CONFLUENT_KAFKA_JS, the package's folder, from which it is loaded here;
 * a missing or failed build fails this file, never skips it. Its types are not imported either (tsc must pass without
 * it): the few shapes used are declared below.
 *
 * One runtime per CI run (the `@one-runtime` line above): the native addon is built for one Node ABI
 * (NODE_MODULE_VERSION, not N-API), and a cold build takes 5-7 minutes on 2 cores. The wrappers it exercises are the
 * same JavaScript on every Node, so the Node of `npm test` is enough; scripts/run-tests.mjs runs this file, and
 * builds the addon, only there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { instrument, type Nodemeter } from '../../src/index.js';
import type { KafkaAdminLike } from '../../src/kafka/types.js';
import { waitFor } from '../helpers/http.js';
import { find, waitForSeries } from '../helpers/series.js';
import { requireZipkin, waitForTrace, ZIPKIN_URL } from '../helpers/zipkin.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);

const CONFLUENT_KAFKA_JS = process.env.CONFLUENT_KAFKA_JS ?? '';

/** The parts of the package's KafkaJS-compatible API this file uses. */
interface ConfluentAdmin extends KafkaAdminLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createTopics(o: { topics: { topic: string; numPartitions: number; replicationFactor: number }[] }): Promise<unknown>;
  listTopics(): Promise<string[]>;
}
interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(r: { topic: string; messages: { key?: string; value: string; headers?: Record<string, string> }[] }): Promise<unknown>;
  sendBatch(b: unknown): Promise<unknown>;
}
interface ConfluentConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(s: { topics: string[] }): Promise<void>;
  run(c: { eachMessage: (p: { message: { headers?: Record<string, unknown> } }) => Promise<void> }): Promise<void>;
}
interface ConfluentKafka {
  producer(): ConfluentProducer;
  consumer(c: { kafkaJS: { groupId: string; fromBeginning?: boolean } }): ConfluentConsumer;
  admin(): ConfluentAdmin;
}
interface ConfluentKafkaJS {
  Kafka: new (c: { kafkaJS: { clientId: string; brokers: string[]; logLevel: number } }) => ConfluentKafka;
  logLevel: { NOTHING: number };
}

let KafkaJS: ConfluentKafkaJS;
let admin: ConfluentAdmin;
let confluentVersion: string;
const newKafka = (clientId: string): ConfluentKafka =>
  new KafkaJS.Kafka({ kafkaJS: { clientId, brokers: BROKERS, logLevel: KafkaJS.logLevel.NOTHING } });

before(async () => {
  if (BROKERS.length === 0) throw new Error('KAFKA_BROKERS must be set (npm test starts the stack and sets it)');
  requireZipkin();
  if (!CONFLUENT_KAFKA_JS) throw new Error('CONFLUENT_KAFKA_JS must be set (npm test builds it: scripts/stack up confluent)');
  // Loaded from the package's own folder: the built copy, not one an application's node_modules may hold.
  const req = createRequire(`${CONFLUENT_KAFKA_JS}/`);
  try {
    KafkaJS = (req(CONFLUENT_KAFKA_JS) as { KafkaJS: ConfluentKafkaJS }).KafkaJS;
    confluentVersion = (req(`${CONFLUENT_KAFKA_JS}/package.json`) as { version: string }).version;
  } catch (err) {
    throw new Error(`@confluentinc/kafka-javascript does not load from ${CONFLUENT_KAFKA_JS} (scripts/stack up confluent): ${String(err)}`);
  }
  admin = newKafka('test-admin').admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
});

async function createTopic(topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  await waitFor(`topic ${topic}`, async () => ((await admin.listTopics()).includes(topic) ? true : undefined), 20_000, 200);
}

for (const produce of ['w3c', 'b3multi'] as const) {
  test(`confluent: produce -> consume in one trace (${produce}), Spring Kafka meters and client families as with kafkajs`, async () => {
    const topic = `confluent-${produce}-${process.pid}`;
    const group = `confluent-g-${produce}-${process.pid}`;
    await createTopic(topic);
    const nm: Nodemeter = instrument({
      serviceName: `confluent-${process.pid}`,
      diagLevel: 'error',
      tracing: {
        samplingProbability: 1,
        zipkin: { endpoint: `${ZIPKIN_URL}/api/v2/spans` },
        export: { scheduledDelayMs: 100 },
        propagation: { produce: [produce] },
      },
    });
    const kafka = nm.kafka.instrument(newKafka('confluent-svc'), { clientId: 'confluent-svc' });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ kafkaJS: { groupId: group, fromBeginning: true } });
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      const received: { traceId: string | undefined; headers: string[] }[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ traceId: trace.getActiveSpan()?.spanContext().traceId, headers: Object.keys(message.headers ?? {}) });
        },
      });
      const tracer = trace.getTracer('test');
      const traceId = await tracer.startActiveSpan('make order', async (span) => {
        await producer.send({ topic, messages: [{ key: 'k1', value: 'order-1', headers: { 'x-tenant': 'acme' } }] });
        span.end();
        return span.spanContext().traceId;
      });
      await waitFor('the record consumed', () => (received.length > 0 ? true : undefined), 60_000, 100);
      assert.equal(received[0]!.traceId, traceId, 'the consumer continues the producer\'s trace');
      if (produce === 'b3multi') {
        for (const h of ['X-B3-TraceId', 'X-B3-SpanId', 'X-B3-Sampled']) assert.ok(received[0]!.headers.includes(h), `${h} in ${received[0]!.headers.join()}`);
        assert.ok(!received[0]!.headers.some((h) => h.startsWith('x-b3-')), received[0]!.headers.join());
      }

      const spans = await waitForTrace(traceId, 3, 30_000);
      const producerSpan = spans.find((s) => s.kind === 'PRODUCER');
      const consumerSpan = spans.find((s) => s.kind === 'CONSUMER');
      assert.equal(producerSpan?.name, `${topic} send`);
      assert.equal(consumerSpan?.name, `${topic} process`);
      assert.equal(consumerSpan?.parentId, producerSpan?.id);
      assert.equal(consumerSpan?.tags?.['messaging.kafka.consumer.group'], group);
      assert.equal(consumerSpan?.tags?.['spring.kafka.listener.id'], `${group}-0`);
      // No describeCluster in this client's admin: Spring's remote service without a cluster id, as Zipkin's remote
      // endpoint (lower-cased by Zipkin), not as a tag.
      for (const s of [producerSpan, consumerSpan]) {
        assert.deepEqual(s?.remoteEndpoint, { serviceName: 'apache kafka' }, s?.kind);
        assert.equal(s?.tags?.['peer.service'], undefined, s?.kind);
        assert.equal(s?.tags?.['service.name'], undefined, s?.kind);
      }

      await waitForSeries(() => nm.scrape(), 'spring_kafka_template_seconds_count', {
        error: 'none',
        messaging_destination_kind: 'topic',
        messaging_destination_name: topic,
        messaging_operation: 'publish',
        messaging_system: 'kafka',
        spring_kafka_template_name: 'kafkaTemplate',
      });
      await waitForSeries(() => nm.scrape(), 'spring_kafka_listener_seconds_count', {
        error: 'none',
        messaging_kafka_consumer_group: group,
        messaging_operation: 'process',
        messaging_source_kind: 'topic',
        messaging_source_name: topic,
        messaging_system: 'kafka',
        spring_kafka_listener_id: `${group}-0`,
      });
      const text = await nm.scrape();
      const base = { client_id: 'confluent-svc', spring_id: 'kafkaConsumerFactory.confluent-svc', topic };
      const consumed = find(text, 'kafka_consumer_fetch_manager_records_consumed_total', base);
      assert.equal(consumed?.value, 1);
      assert.equal(consumed?.labels.kafka_version, confluentVersion);
      assert.equal(find(text, 'kafka_consumer_fetch_manager_bytes_consumed_total', base)?.value, 'k1'.length + 'order-1'.length);
      assert.equal(find(text, 'kafka_producer_topic_record_send_total', { client_id: 'confluent-svc', topic })?.value, 1);
      assert.equal(find(text, 'kafka_producer_record_send_total', { client_id: 'confluent-svc' })?.value, 1);
      // Families that need kafkajs' instrumentation events are absent for this client.
      assert.equal(find(text, 'kafka_consumer_fetch_manager_fetch_total', { client_id: 'confluent-svc' }), undefined);
      // Lag from the admin's offsets: the group committed its offset, so lag reaches 0.
      await waitFor('lag series at 0', async () => {
        const t = await nm.scrape();
        const lag = find(t, 'kafka_consumer_fetch_manager_records_lag', { client_id: 'confluent-svc', topic, partition: '0' });
        const max = find(t, 'kafka_consumer_fetch_manager_records_lag_max', { client_id: 'confluent-svc', topic, partition: '0' });
        return lag?.value === 0 && max?.value === 0 ? true : undefined;
      }, 30_000, 250);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await nm.shutdown();
    }
  });
}
