// @backends zipkin kafka victorialogs spring
/**
 * Kafka trace continuity between real Spring Boot services (3.5 and 4.0, Spring Kafka with observation on) and a
 * nodemeter kafkajs service, through the stack's broker, read back from its Zipkin. For each Boot line and each
 * propagation type (W3C, B3 single, B3 multi; both sides configured the same way):
 *   Java → Node: POST java/publish (KafkaTemplate) → nodemeter consumer: Java SERVER → Java PRODUCER → Node CONSUMER;
 *   Node → Java: POST node/publish (kafkajs producer) → @KafkaListener: Node SERVER → Node PRODUCER → Java CONSUMER.
 * The record must also carry the configured headers under the names Brave writes and reads: Kafka header names are
 * case-sensitive, so B3 multi is `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled` exactly.
 * Not part of `npm test` yet; see docs/guides/spring-interop.md for how to run it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { waitFor } from '../helpers/http.js';
import { interopEnv, type InteropEnv } from './helpers/env.js';
import { startNode, type NodeService } from './helpers/node.js';
import { BOOT_VERSION, bootLines, startSpring, type Propagation, type SpringApp } from './helpers/spring.js';
import { describeSpans, waitForHops, type ZipkinSpan } from './helpers/traces.js';

const PROPAGATIONS: Propagation[] = ['W3C', 'B3', 'B3_MULTI'];
/** Header names as Brave writes them into Kafka records (case matters). */
const HEADERS: Record<Propagation, string[]> = {
  W3C: ['traceparent'],
  B3: ['b3'],
  B3_MULTI: ['X-B3-TraceId', 'X-B3-SpanId', 'X-B3-Sampled'],
};

let env: InteropEnv;
let admin: Admin;

before(async () => {
  env = interopEnv();
  admin = new Kafka({ clientId: 'interop-test', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
});

interface Pair {
  java: SpringApp;
  node: NodeService;
  topics: { java: string; node: string };
}

async function startPair(line: '35' | '40', propagation: Propagation): Promise<Pair> {
  const tag = `${line}-${propagation.toLowerCase().replace('_', '')}-${process.pid}`;
  const topics = { java: `interop-kafka-java-${tag}`, node: `interop-kafka-node-${tag}` };
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
  const common = { propagation, kafkaBrokers: env.kafkaBrokers, zipkinUrl: env.zipkinUrl, victoriaLogsUrl: env.victoriaLogsUrl };
  const java = await startSpring({ ...common, line, appName: `java-kafka-${tag}`, listenTopic: topics.java });
  try {
    const node = await startNode({ ...common, appName: `node-kafka-${tag}`, listenTopic: topics.node });
    return { java, node, topics };
  } catch (err) {
    await java.stop();
    throw err;
  }
}

interface Published {
  traceId: string;
  spanId: string;
}

interface Received {
  traceId?: string;
  spanId?: string;
  value?: string;
  headers: Record<string, string>;
}

async function publish(url: string, value: string): Promise<Published> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: value, signal: AbortSignal.timeout(30_000) });
  assert.equal(res.status, 200, `${url} answered ${res.status}: ${await res.clone().text()}`);
  return (await res.json()) as Published;
}

function waitForRecord(url: string, value: string): Promise<Received> {
  return waitFor(`${url} to receive ${value}`, async () => {
    const got = (await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).json()) as Received[];
    return got.find((r) => r.value === value);
  }, 30_000, 200);
}

function assertHeaders(propagation: Propagation, headers: Record<string, string>): void {
  const names = Object.keys(headers);
  for (const n of HEADERS[propagation]) {
    assert.ok(names.includes(n), `${propagation}: the record should carry header '${n}' (case-sensitive), it carries ${names.join(', ')}`);
  }
}

for (const line of bootLines()) {
  describe(`Spring Boot ${BOOT_VERSION[line]} and nodemeter over Kafka`, () => {
    for (const propagation of PROPAGATIONS) {
      describe(`propagation ${propagation}`, () => {
        let pair: Pair;
        before(async () => {
          pair = await startPair(line, propagation);
        });
        test('both services started', (t) => {
          t.diagnostic(`Spring Boot ${BOOT_VERSION[line]} UP after ${pair.java.startMs} ms, nodemeter service after ${pair.node.startMs} ms`);
        });
        after(async () => {
          await pair?.node.stop();
          await pair?.java.stop();
        });

        test('Java → Kafka → Node: one trace, the Node consumer span is a child of the Java producer span', async () => {
          const { java, node, topics } = pair;
          const value = `j2n-${Date.now()}`;
          const sent = await publish(`${java.url}/java/publish?topic=${topics.node}`, value);
          const got = await waitForRecord(`${node.url}/node/received`, value);
          assertHeaders(propagation, got.headers);
          assert.equal(got.traceId, sent.traceId, `the Node consumer continued the Java trace (record headers: ${JSON.stringify(got.headers)})`);
          const { spans, found } = await waitForHops(sent.traceId, [
            { service: java.appName, kind: 'SERVER' },
            { service: java.appName, kind: 'PRODUCER' },
            { service: node.appName, kind: 'CONSUMER' },
          ]);
          const [jServer, jProducer, nConsumer] = found as [ZipkinSpan, ZipkinSpan, ZipkinSpan];
          const tree = describeSpans(spans);
          assert.equal(jProducer.parentId, jServer.id, `Java producer ← Java server\n${tree}`);
          assert.equal(nConsumer.parentId, jProducer.id, `Node consumer ← Java producer\n${tree}`);
        });

        test('Node → Kafka → Java: one trace, the Java consumer span is a child of the Node producer span', async () => {
          const { java, node, topics } = pair;
          const value = `n2j-${Date.now()}`;
          const sent = await publish(`${node.url}/node/publish?topic=${topics.java}`, value);
          const got = await waitForRecord(`${java.url}/java/received`, value);
          assert.equal(got.traceId, sent.traceId, `the Java listener continued the Node trace (record headers: ${JSON.stringify(got.headers)})`);
          assertHeaders(propagation, got.headers);
          const { spans, found } = await waitForHops(sent.traceId, [
            { service: node.appName, kind: 'SERVER' },
            { service: node.appName, kind: 'PRODUCER' },
            { service: java.appName, kind: 'CONSUMER' },
          ]);
          const [nServer, nProducer, jConsumer] = found as [ZipkinSpan, ZipkinSpan, ZipkinSpan];
          const tree = describeSpans(spans);
          assert.equal(nProducer.parentId, nServer.id, `Node producer ← Node server\n${tree}`);
          assert.equal(jConsumer.parentId, nProducer.id, `Java consumer ← Node producer\n${tree}`);
        });
      });
    }
  });
}
