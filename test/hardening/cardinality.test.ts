/**
 * Cardinality: what many distinct values cost.
 * - 100,000 distinct unknown URLs to an Express app (404, `uri="NOT_FOUND"` as Spring) and 20,000 distinct values
 *   through a parameter route (`/users/{id}`), over real sockets (autocannon, one path per request);
 * - 10,000 Kafka topics through the Kafka wrappers and Spring Kafka's conventions (stub clients, no broker): the
 *   topic is a LOW-cardinality tag in Spring Kafka (one timer series per topic, in Spring too).
 * Asserted: series counts (exact where Spring's are exact) and heap growth after a forced GC under stated bounds.
 * Counts can be lowered with CARDINALITY_URLS / CARDINALITY_PARAMS / CARDINALITY_TOPICS for a quick run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Consumer, EachMessagePayload, Producer, ProducerRecord } from 'kafkajs';
import express from 'express';
import { instrument } from '../../src/index.js';
import { forceGc } from '../helpers/gc.js';
import { close, listen } from '../helpers/http.js';
import { parseExposition } from '../helpers/registry.js';

// 100,000 distinct unknown URLs and 20,000 values of a parameter route, as the hardening issue names them: about
// 100 s on two busy cores (docs/guides/hardening.md), on one runtime only.
const URLS = Number(process.env.CARDINALITY_URLS ?? 100_000);
const PARAMS = Number(process.env.CARDINALITY_PARAMS ?? 20_000);
const TOPICS = Number(process.env.CARDINALITY_TOPICS ?? 10_000);
const MiB = 1024 * 1024;
// The HTTP case is about 50 s of two cores: on Node 22 only (npm test), not again in test:node24/26.
const NODE22 = process.versions.node.split('.')[0] === '22';

type Autocannon = (opts: Record<string, unknown>, cb: (err: unknown, r: { requests: { total: number }; non2xx: number; errors: number; '2xx': number }) => void) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function heapAfterGc(): number {
  forceGc();
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** Sends `amount` requests, the n-th to `path(n)`, over 16 keep-alive connections. */
function sendPaths(base: string, amount: number, path: (n: number) => string) {
  let n = 0;
  return new Promise<{ total: number; non2xx: number; ok: number; errors: number }>((resolve, reject) => {
    autocannon(
      {
        url: base,
        connections: 16,
        amount,
        timeout: 20,
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path(n++) }) }],
      },
      (err, r) => (err ? reject(err) : resolve({ total: r.requests.total, non2xx: r.non2xx, ok: r['2xx'], errors: r.errors })),
    );
  });
}

test(`HTTP: ${URLS} distinct unknown URLs and ${PARAMS} values of a parameter route make a bounded number of series`, { skip: !NODE22 && 'runs on Node 22 only (slow)' }, async () => {
  const nm = instrument({ serviceName: 'cardinality', diagLevel: 'silent', logging: { loki: false }, tracing: { enabled: false } });
  const app = express();
  app.use(nm.express());
  app.get('/users/:id', (_req, res) => {
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    // Warm up first, so that the heap baseline includes the code paths, not only the series.
    await sendPaths(base, 500, (n) => `/warm/${n}`);
    const before = heapAfterGc();
    const t0 = performance.now();
    const unknown = await sendPaths(base, URLS, (n) => `/nowhere/${n}/${(n * 2654435761) >>> 0}?q=${n}`);
    const param = await sendPaths(base, PARAMS, (n) => `/users/${n}`);
    const ms = performance.now() - t0;
    const after = heapAfterGc();
    const text = await nm.scrape();
    const series = parseExposition(text).filter((s) => s.name === 'http_server_requests_seconds_count');
    const uris = [...new Set(series.map((s) => s.labels.uri))].sort();
    const allLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const grew = (after - before) / MiB;
    console.log(
      `cardinality http: ${unknown.total} unknown URLs (${unknown.non2xx} answered 404) + ${param.total} parameter values in ${ms.toFixed(0)} ms; ` +
        `http_server_requests_seconds_count series ${series.length}, uri values ${JSON.stringify(uris)}; exposition lines ${allLines}; ` +
        `heap after GC ${(before / MiB).toFixed(1)} → ${(after / MiB).toFixed(1)} MiB (+${grew.toFixed(2)})`,
    );
    assert.equal(unknown.total, URLS);
    assert.equal(unknown.errors + param.errors, 0);
    assert.equal(param.ok, PARAMS);
    assert.deepEqual(uris, ['/users/{id}', 'NOT_FOUND']);
    // NOT_FOUND for the 404s; /users/{id} 200; one series each (plus the warm-up's NOT_FOUND, same series).
    assert.equal(series.length, 2);
    assert.ok(allLines < 2_000, `the whole exposition stays small: ${allLines} lines`);
    assert.ok(grew < 16, `heap grew ${grew.toFixed(2)} MiB for ${URLS + PARAMS} distinct paths`);
  } finally {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await nm.shutdown();
  }
});

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
