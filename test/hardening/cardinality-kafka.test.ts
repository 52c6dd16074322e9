/**
 * Cardinality in Kafka: 10,000 topics through the Kafka wrappers and Spring Kafka's conventions (stub clients, no
 * broker): the topic is a LOW-cardinality tag in Spring Kafka (one timer series per topic, in Spring too). The HTTP
 * case is cardinality-http.test.ts.
 * Asserted: series counts (exact where Spring's are exact) and heap growth after a forced GC under stated bounds.
 * The count can be lowered with CARDINALITY_TOPICS for a quick run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer, EachMessagePayload, Producer, ProducerRecord } from 'kafkajs';
import { instrument } from '../../src/index.js';
import { forceGc } from '../helpers/gc.js';
import { parseExposition } from '../helpers/registry.js';

const TOPICS = Number(process.env.CARDINALITY_TOPICS ?? 10_000);
const MiB = 1024 * 1024;

function heapAfterGc(): number {
  forceGc();
  forceGc();
  return process.memoryUsage().heapUsed;
}

test(`Kafka: ${TOPICS} topics through producer and consumer wrappers: one series per topic and meter, bounded memory`, async () => {
  const nm = instrument({ serviceName: 'cardinality', diagLevel: 'silent', logging: { loki: false }, tracing: { samplingProbability: 1, zipkin: { enabled: false } } });
  const sent: ProducerRecord[] = [];
  const producer = nm.kafka.producer({ async send(r: ProducerRecord) { sent.length = 0; sent.push(r); return []; }, async sendBatch() { return []; } } as unknown as Producer, { clientId: 'svc' });
  let handler: ((p: EachMessagePayload) => Promise<void>) | undefined;
  const consumer = nm.kafka.consumer({ async run(c: { eachMessage: typeof handler }) { handler = c.eachMessage; }, async subscribe() {} } as unknown as Consumer, { groupId: 'g', clientId: 'svc' });
  await consumer.run({ eachMessage: async () => {} });
  const record = (topic: string) =>
    ({ topic, partition: 0, message: { key: null, value: Buffer.from('v'), offset: '1', headers: {} }, heartbeat: async () => {}, pause: () => () => {} }) as unknown as EachMessagePayload;
  try {
    await producer.send({ topic: 'warm', messages: [{ value: 'x' }] });
    await handler!(record('warm'));
    const before = heapAfterGc();
    const t0 = performance.now();
    for (let i = 0; i < TOPICS; i++) {
      await producer.send({ topic: `topic-${i}`, messages: [{ value: 'x' }] });
      await handler!(record(`topic-${i}`));
    }
    const ms = performance.now() - t0;
    const t1 = performance.now();
    let text = await nm.scrape();
    const scrapeMs = performance.now() - t1;
    const after = heapAfterGc();
    const parsed = parseExposition(text);
    const template = parsed.filter((s) => s.name === 'spring_kafka_template_seconds_count').length;
    const listener = parsed.filter((s) => s.name === 'spring_kafka_listener_seconds_count').length;
    const grew = (after - before) / MiB;
    // The same topics again: nothing new may be kept per record.
    for (let i = 0; i < TOPICS; i++) {
      await producer.send({ topic: `topic-${i}`, messages: [{ value: 'x' }] });
      await handler!(record(`topic-${i}`));
    }
    text = await nm.scrape();
    const again = heapAfterGc();
    // And a third time: from the second pass on, the per-topic state is complete (each timer has seen a value).
    for (let i = 0; i < TOPICS; i++) {
      await producer.send({ topic: `topic-${i}`, messages: [{ value: 'x' }] });
      await handler!(record(`topic-${i}`));
    }
    text = await nm.scrape();
    const third = heapAfterGc();
    const templateAgain = parseExposition(text).filter((s) => s.name === 'spring_kafka_template_seconds_count').length;
    // Per topic once its state is complete (after the second pass: the first value of each timer allocates more).
    const perTopicKiB = (again - before) / TOPICS / 1024;
    console.log(
      `cardinality kafka: ${TOPICS} topics sent and received in ${ms.toFixed(0)} ms; spring_kafka_template_seconds_count series ${template}, ` +
        `spring_kafka_listener_seconds_count series ${listener}; exposition ${(text.length / MiB).toFixed(1)} MiB, scrape ${scrapeMs.toFixed(0)} ms; ` +
        `heap after GC +${grew.toFixed(1)} MiB; the same ${TOPICS} topics again: series ${templateAgain}, heap ${((again - after) / MiB).toFixed(1)} MiB more; ` +
        `a third time: ${((third - again) / MiB).toFixed(1)} MiB more; ${perTopicKiB.toFixed(1)} KiB per topic in all (Spring Kafka's ` +
        `timers and the client's per-topic metrics)`,
    );
    // As Spring Kafka: the topic is a low-cardinality tag, so one series per topic (and the warm-up topic).
    assert.equal(template, TOPICS + 1);
    assert.equal(listener, TOPICS + 1);
    assert.ok(perTopicKiB < 32, `heap per topic ${perTopicKiB.toFixed(1)} KiB`);
    assert.equal(templateAgain, TOPICS + 1);
    assert.ok((third - again) / MiB < Math.max(8, grew / 10), `a third pass over the same topics grew the heap ${((third - again) / MiB).toFixed(1)} MiB`);
  } finally {
    await nm.shutdown();
  }
});
