// @backends kafka zipkin
/**
 * kafkajs through nodemeter against a real Kafka broker (KRaft) and a real Zipkin: one trace from an HTTP request
 * through Kafka to a consumer that calls further (W3C and B3 headers), per-message traces in batches, records
 * from uninstrumented producers and with garbage headers, lag from real offsets, Spring Kafka meters, health, and
 * the broker stopped and restarted under a running producer and consumer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import express from 'express';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { instrument, type Nodemeter, type NodemeterOptions } from '../../src/index.js';
import { startService, type ChildService } from '../helpers/child-service.js';
import { close, waitFor } from '../helpers/http.js';
import { find, waitForSeries } from '../helpers/series.js';
import { randomHex, requireZipkin, waitForTrace, ZIPKIN_URL, type ZipkinSpan } from '../helpers/zipkin.js';
import { untracedFetch } from '../helpers/untraced.js';
import { stack } from '../helpers/stack.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const A = `kafka-a-${process.pid}`;
const B = `kafka-b-${process.pid}`;
const C = `kafka-c-${process.pid}`;
const raw = () => new Kafka({ clientId: 'test', brokers: BROKERS, logLevel: logLevel.NOTHING });
let admin: Admin;
let serviceC: ChildService;

const call = untracedFetch;

async function createTopic(topic: string, partitions = 1): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
}

before(async () => {
  if (BROKERS.length === 0) throw new Error('KAFKA_BROKERS must be set (npm test starts the stack and sets it)');
  requireZipkin();
  admin = raw().admin();
  await waitFor('the Kafka broker', async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? true : undefined;
  }, 60_000, 500);
  serviceC = await startService('fastify-b.ts', {
    NODEMETER_SERVICE_NAME: C,
    NODEMETER_ZIPKIN_ENDPOINT: `${ZIPKIN_URL}/api/v2/spans`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    NODEMETER_LOG_LEVEL: 'error',
  });
});

after(async () => {
  await serviceC?.stop();
  await admin?.disconnect();
});

function options(extra: NodemeterOptions['tracing'] = {}): NodemeterOptions {
  return {
    serviceName: A,
    diagLevel: 'error',
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${ZIPKIN_URL}/api/v2/spans` }, export: { scheduledDelayMs: 100 }, ...extra },
  };
}

function byKind(spans: ZipkinSpan[], service: string, kind: string): ZipkinSpan {
  const s = spans.find((x) => x.localEndpoint?.serviceName === service && x.kind === kind);
  assert.ok(s, `a ${kind} span of ${service} in ${JSON.stringify(spans.map((x) => [x.localEndpoint?.serviceName, x.kind, x.name]))}`);
  return s;
}

for (const produce of ['w3c', 'b3'] as const) {
  test(`one trace: SERVER(A) -> PRODUCER(A) -> CONSUMER(B) -> CLIENT(B) -> SERVER(C), ${produce} headers`, async () => {
    const topic = `orders-${produce}-${process.pid}`;
    await createTopic(topic);
    const serviceB = await startService('kafka-consumer-b.ts', {
      NODEMETER_SERVICE_NAME: B,
      NODEMETER_ZIPKIN_ENDPOINT: `${ZIPKIN_URL}/api/v2/spans`,
      MANAGEMENT_TRACING_SAMPLING_PROBABILITY: '0',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      NODEMETER_LOG_LEVEL: 'error',
      KAFKA_BROKERS: BROKERS.join(','),
      TOPIC: topic,
      GROUP: `b-${topic}`,
      C_URL: serviceC.url,
    });
    const nm = instrument(options({ propagation: { produce: [produce] } }));
    const kafka = nm.kafka.instrument(raw(), { clientId: 'service-a' });
    const producer = kafka.producer();
    await producer.connect();
    const app = express();
    app.use(nm.express());
    app.post('/orders/:id', async (req, res) => {
      await producer.send({ topic, messages: [{ key: req.params.id, value: req.params.id, headers: { 'x-tenant': 'acme' } }] });
      res.status(202).json({ traceId: trace.getActiveSpan()?.spanContext().traceId });
    });
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await call(`http://127.0.0.1:${(server.address() as AddressInfo).port}/orders/77`, { method: 'POST' });
      assert.equal(res.status, 202);
      const { traceId } = (await res.json()) as { traceId: string };
      const spans = await waitForTrace(traceId, 5, 30_000);
      const serverA = byKind(spans, A, 'SERVER');
      const producerA = byKind(spans, A, 'PRODUCER');
      const consumerB = byKind(spans, B, 'CONSUMER');
      const clientB = byKind(spans, B, 'CLIENT');
      const serverC = byKind(spans, C, 'SERVER');
      assert.equal(producerA.parentId, serverA.id);
      assert.equal(consumerB.parentId, producerA.id);
      assert.equal(clientB.parentId, consumerB.id);
      assert.equal(serverC.parentId, clientB.id);
      assert.equal(producerA.name, `${topic} send`);
      // Spring Kafka 4.0 (Boot 4, the default profile) names the listener span `<topic> process`.
      assert.equal(consumerB.name, `${topic} process`);
      assert.equal(producerA.tags?.['messaging.system'], 'kafka');
      assert.equal(producerA.tags?.['messaging.operation'], 'publish');
      assert.equal(producerA.tags?.['messaging.destination.name'], topic);
      assert.equal(producerA.tags?.['spring.kafka.template.name'], 'kafkaTemplate');
      const { clusterId } = await admin.describeCluster();
      // Spring Kafka's remote service, on both kinds, as Zipkin's remote endpoint (Zipkin lower-cases it), which
      // its dependency graph draws Kafka from; no `peer.service` or resource (`service.name`) tag, as in Spring's.
      for (const s of [producerA, consumerB]) {
        assert.deepEqual(s.remoteEndpoint, { serviceName: `apache kafka: ${clusterId.toLowerCase()}` }, `${s.kind}`);
        assert.equal(s.tags?.['peer.service'], undefined, `${s.kind}`);
        assert.equal(s.tags?.['service.name'], undefined, `${s.kind}`);
      }
      assert.equal(consumerB.tags?.['messaging.operation'], 'process');
      assert.equal(consumerB.tags?.['messaging.kafka.consumer.group'], `b-${topic}`);
      assert.equal(consumerB.tags?.['spring.kafka.listener.id'], `b-${topic}-0`);
      assert.match(consumerB.tags?.['messaging.consumer.id'] ?? '', new RegExp(`^b-${topic} - `));
      assert.equal(consumerB.tags?.['messaging.kafka.source.partition'], '0');
      assert.equal(consumerB.tags?.['messaging.kafka.message.offset'], '0');
      for (const gone of ['name', 'result', 'exception', 'messaging.kafka.consumer_group']) {
        assert.equal(consumerB.tags?.[gone], undefined, `no ${gone} tag (Spring has none)`);
        assert.equal(producerA.tags?.[gone], undefined, `no ${gone} tag (Spring has none)`);
      }
      // The caller's own header travelled untouched next to the trace headers.
      const consumer = raw().consumer({ groupId: `check-${randomHex(4)}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const headers = await new Promise<Record<string, string>>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) =>
            resolve(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))),
        });
      });
      await consumer.disconnect();
      assert.equal(headers['x-tenant'], 'acme');
      if (produce === 'w3c') assert.match(headers.traceparent ?? '', new RegExp(`^00-${traceId}-`));
      else assert.match(headers.b3 ?? '', new RegExp(`^${traceId}-`));
      await waitForSeries(() => nm.scrape(), 'spring_kafka_template_seconds_count', {
        error: 'none',
        messaging_destination_kind: 'topic',
        messaging_destination_name: topic,
        messaging_operation: 'publish',
        messaging_system: 'kafka',
        spring_kafka_template_name: 'kafkaTemplate',
      });
      await waitForSeries(() => nm.scrape(), 'kafka_producer_topic_record_send_total', { client_id: 'service-a', topic });
    } finally {
      await close(server);
      await producer.disconnect();
      await nm.shutdown();
      await serviceB.stop();
    }
  });
}

test('eachBatch: messages of two traces in one batch, each message\'s work in its own trace', async () => {
  const topic = `batch-${process.pid}`;
  await createTopic(topic);
  const nm = instrument(options());
  const kafka = nm.kafka.instrument(raw(), { clientId: 'batcher' });
  const producer = kafka.producer();
  await producer.connect();
  const tracer = trace.getTracer('test');
  const traceIds: string[] = [];
  for (const id of ['first', 'second']) {
    await tracer.startActiveSpan(`make ${id}`, async (span) => {
      traceIds.push(span.spanContext().traceId);
      await producer.send({ topic, messages: [{ value: id }] });
      span.end();
    });
  }
  const consumer = kafka.consumer({ groupId: `batch-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map<string, string | undefined>();
  let batchSize = 0;
  try {
    await consumer.run({
      eachBatch: async (payload) => {
        const { batch, processMessage } = payload as typeof payload & { processMessage<T>(m: unknown, fn: () => T): T };
        batchSize = Math.max(batchSize, batch.messages.length);
        for (const message of batch.messages) {
          await processMessage(message, async () => {
            seen.set(String(message.value), trace.getActiveSpan()?.spanContext().traceId);
          });
        }
      },
    });
    await waitFor('both messages processed', () => (seen.size === 2 ? true : undefined), 30_000, 100);
    assert.equal(batchSize, 2, 'both records came in one batch');
    assert.equal(seen.get('first'), traceIds[0]);
    assert.equal(seen.get('second'), traceIds[1]);
    for (const id of traceIds) {
      const spans = await waitForTrace(id, 3);
      const producerSpan = byKind(spans, A, 'PRODUCER');
      assert.equal(byKind(spans, A, 'CONSUMER').parentId, producerSpan.id);
    }
    await waitForSeries(() => nm.scrape(), 'spring_kafka_listener_seconds_count', {
      spring_kafka_listener_id: `batch-${process.pid}-0`,
      messaging_kafka_consumer_group: `batch-${process.pid}`,
      messaging_operation: 'process',
      error: 'none',
    });
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await nm.shutdown();
  }
});

test('records from an uninstrumented producer, and with garbage headers: consumed, new root traces, no throw', async () => {
  const topic = `plain-${process.pid}`;
  await createTopic(topic);
  const plain = raw().producer();
  await plain.connect();
  await plain.send({
    topic,
    messages: [
      { value: 'no-headers' },
      { value: 'garbage', headers: { traceparent: 'garbage', b3: Buffer.from([0xff, 0xfe, 0x00]), 'X-B3-TraceId': ['a', 'b'] } },
      { value: 'empty', headers: { traceparent: '', b3: [] as unknown as string } },
    ],
  });
  await plain.disconnect();
  const nm = instrument(options());
  const kafka = nm.kafka.instrument(raw(), { clientId: 'plain-reader' });
  const consumer = kafka.consumer({ groupId: `plain-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const traces = new Map<string, string | undefined>();
  try {
    await consumer.run({
      eachMessage: async ({ message }) => {
        traces.set(String(message.value), trace.getActiveSpan()?.spanContext().traceId);
      },
    });
    await waitFor('three records consumed', () => (traces.size === 3 ? true : undefined), 30_000, 100);
    for (const [value, traceId] of traces) {
      assert.match(traceId ?? '', /^[0-9a-f]{32}$/, value);
      const spans = await waitForTrace(traceId!, 1);
      assert.equal(spans[0]!.parentId, undefined, `${value}: a new root`);
      assert.equal(spans[0]!.kind, 'CONSUMER');
    }
  } finally {
    await consumer.disconnect();
    await nm.shutdown();
  }
});

test('lag gauge equals the real lag of a paused consumer, and drops to 0 once it consumes', async () => {
  const topic = `lag-${process.pid}`;
  await createTopic(topic, 2);
  // Health details shown, as Spring's show-details=always (the default, never, shows the status alone).
  const nm = instrument({ ...options(), actuator: { health: { showDetails: 'always' } } });
  const kafka = nm.kafka.instrument(raw(), { clientId: 'lagger' });
  const group = `lag-${process.pid}`;
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
  try {
    await consumer.run({
      autoCommitInterval: 100,
      eachMessage: async () => {
        consumed++;
      },
    });
    await joined;
    consumer.pause([{ topic }]);
    const producer = raw().producer();
    await producer.connect();
    const N = 25;
    await producer.send({ topic, messages: Array.from({ length: N }, (_, i) => ({ key: String(i), value: `m${i}` })) });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets(topic);
    const real = offsets.reduce((a, p) => a + Number(p.high) - Number(p.low), 0);
    assert.equal(real, N);
    const total = await waitFor(`lag = ${N}`, async () => {
      const text = await nm.scrape();
      const rows = text.split('\n').filter((l) => l.startsWith('kafka_consumer_fetch_manager_records_lag{') && l.includes(`topic="${topic}"`));
      const sum = rows.reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
      return rows.length === 2 && sum === N ? sum : undefined;
    }, 20_000, 250);
    assert.equal(total, N);
    assert.equal(consumed, 0, 'paused: nothing consumed');
    consumer.resume([{ topic }]);
    await waitFor('all consumed', () => (consumed === N ? true : undefined), 30_000, 100);
    await waitFor('lag back to 0', async () => {
      const text = await nm.scrape();
      const rows = text.split('\n').filter((l) => l.startsWith('kafka_consumer_fetch_manager_records_lag{') && l.includes(`topic="${topic}"`));
      return rows.length === 2 && rows.every((l) => l.endsWith(' 0')) ? true : undefined;
    }, 30_000, 250);
    const health = (await (await call(`http://127.0.0.1:${await listenActuator(nm)}/actuator/health`)).json()) as {
      components: Record<string, { status: string; details?: { brokers?: number } }>;
    };
    assert.equal(health.components.kafka?.status, 'UP');
    assert.equal(health.components.kafka?.details?.brokers, 1);
  } finally {
    await consumer.disconnect();
    await nm.shutdown();
  }
});

async function listenActuator(nm: Nodemeter): Promise<number> {
  const app = express();
  app.use(nm.express());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  setTimeout(() => server.close(), 5_000).unref();
  return (server.address() as AddressInfo).port;
}

test('broker stopped and restarted mid-stream: only kafkajs errors reach the caller, then sends and consumption resume', async () => {
  const topic = `restart-${process.pid}`;
  await createTopic(topic);
  const nm = instrument(options());
  const kafka = nm.kafka.instrument(
    new Kafka({ clientId: 'restarter', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, connectionTimeout: 1000 }),
    { clientId: 'restarter' },
  );
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `restart-${process.pid}`, retry: { retries: 100, initialRetryTime: 300 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received = new Set<string>();
  await consumer.run({ eachMessage: async ({ message }) => void received.add(String(message.value)) });
  const errors: unknown[] = [];
  try {
    await producer.send({ topic, messages: [{ value: 'before' }] });
    await waitFor('"before" consumed', () => (received.has('before') ? true : undefined), 30_000, 100);
    await stack('down', 'kafka');
    for (let i = 0; i < 3; i++) {
      try {
        await producer.send({ topic, messages: [{ value: `during-${i}` }] });
      } catch (err) {
        errors.push(err);
      }
    }
    assert.ok(errors.length > 0, 'sends fail while the broker is down');
    for (const err of errors) assert.match((err as Error).name, /^KafkaJS/, `a kafkajs error: ${(err as Error).name}`);
    await waitFor('a failed send recorded with its error class', async () => {
      const text = await nm.scrape();
      return text.split('\n').some((l) => l.startsWith('spring_kafka_template_seconds_count{') && /error="KafkaJS\w+"/.test(l) && l.includes(`messaging_destination_name="${topic}"`))
        ? true
        : undefined;
    }, 10_000, 50);
    await stack('up', 'kafka');
    await waitFor('sends to succeed again', async () => {
      try {
        await producer.send({ topic, messages: [{ value: 'after' }] });
        return true;
      } catch {
        return undefined;
      }
    }, 90_000, 1_000);
    await waitFor('"after" consumed by the same wrapped consumer', () => (received.has('after') ? true : undefined), 90_000, 250);
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await nm.shutdown();
  }
});
