// @backends zipkin kafka victorialogs spring
/**
 * HTTP trace continuity between real Spring Boot services (3.5 and 4.0, test/interop/spring-app) and a nodemeter
 * Express service, read back from the stack's Zipkin. For each Boot line and each propagation type (W3C, B3 single,
 * B3 multi; both sides configured the same way):
 *   Java → Node: GET java/call?url=node/hello gives one trace: Java SERVER → Java CLIENT → Node SERVER;
 *   Node → Java: GET node/call?url=java/hello gives one trace: Node SERVER → Node CLIENT → Java SERVER.
 * Not part of `npm test` yet; see docs/guides/spring-interop.md for how to run it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { interopEnv, type InteropEnv } from './helpers/env.js';
import { startNode, type NodeService } from './helpers/node.js';
import { BOOT_VERSION, bootLines, startSpring, type Propagation, type SpringApp } from './helpers/spring.js';
import { describeSpans, waitForHops } from './helpers/traces.js';

const PROPAGATIONS: Propagation[] = ['W3C', 'B3', 'B3_MULTI'];
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
}

async function startPair(line: '35' | '40', propagation: Propagation): Promise<Pair> {
  const tag = `${line}-${propagation.toLowerCase().replace('_', '')}-${process.pid}`;
  const topics = { java: `interop-http-java-${tag}`, node: `interop-http-node-${tag}` };
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
  const common = { propagation, kafkaBrokers: env.kafkaBrokers, zipkinUrl: env.zipkinUrl, victoriaLogsUrl: env.victoriaLogsUrl };
  // one after the other: two cores, and the JVM's start is the slow part
  const java = await startSpring({ ...common, line, appName: `java-http-${tag}`, listenTopic: topics.java });
  try {
    const node = await startNode({ ...common, appName: `node-http-${tag}`, listenTopic: topics.node });
    return { java, node };
  } catch (err) {
    await java.stop();
    throw err;
  }
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  assert.equal(res.status, 200, `${url} answered ${res.status}: ${await res.clone().text()}`);
  return (await res.json()) as T;
}

interface Ids {
  traceId: string;
  spanId: string;
  headers: Record<string, string>;
}

/** The request carried the configured format (header names compared case-insensitively: this is HTTP). */
function assertFormat(propagation: Propagation, headers: Record<string, string>): void {
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
  const expected = { W3C: ['traceparent'], B3: ['b3'], B3_MULTI: ['x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid'] }[propagation];
  for (const n of expected) assert.ok(names.includes(n), `${propagation}: expected header ${n}, got ${names.join(', ')}`);
  if (propagation !== 'W3C') assert.ok(!names.includes('traceparent'), `${propagation}: traceparent sent too`);
}

for (const line of bootLines()) {
  describe(`Spring Boot ${BOOT_VERSION[line]} and nodemeter over HTTP`, () => {
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

        test('Java → Node: one trace, the Node server span is a child of the Java client span', async () => {
          const { java, node } = pair;
          const answer = await json<Ids & { body: string }>(`${java.url}/java/call?url=${encodeURIComponent(`${node.url}/node/hello`)}`);
          const nodeIds = JSON.parse(answer.body) as Ids;
          assertFormat(propagation, nodeIds.headers);
          assert.equal(nodeIds.traceId, answer.traceId, 'the Node handler ran in the Java request\'s trace');
          const { spans, found } = await waitForHops(answer.traceId, [
            { service: java.appName, kind: 'SERVER' },
            { service: java.appName, kind: 'CLIENT' },
            { service: node.appName, kind: 'SERVER' },
          ]);
          const [jServer, jClient, nServer] = found as [typeof spans[0], typeof spans[0], typeof spans[0]];
          const tree = describeSpans(spans);
          assert.equal(jServer.parentId, undefined, `the Java server span is the root\n${tree}`);
          assert.equal(jClient.parentId, jServer.id, `Java client ← Java server\n${tree}`);
          assert.equal(nServer.parentId, jClient.id, `Node server ← Java client\n${tree}`);
          assert.equal(nServer.id, nodeIds.spanId, `the Node handler ran in the Node server span\n${tree}`);
        });

        test('Node → Java: one trace, the Java server span is a child of the Node client span', async () => {
          const { java, node } = pair;
          const answer = await json<Ids & { body: string }>(`${node.url}/node/call?url=${encodeURIComponent(`${java.url}/java/hello`)}`);
          const javaIds = JSON.parse(answer.body) as Ids;
          assertFormat(propagation, javaIds.headers);
          assert.equal(javaIds.traceId, answer.traceId, 'the Java handler ran in the Node request\'s trace');
          const { spans, found } = await waitForHops(answer.traceId, [
            { service: node.appName, kind: 'SERVER' },
            { service: node.appName, kind: 'CLIENT' },
            { service: java.appName, kind: 'SERVER' },
          ]);
          const [nServer, nClient, jServer] = found as [typeof spans[0], typeof spans[0], typeof spans[0]];
          const tree = describeSpans(spans);
          assert.equal(nServer.parentId, undefined, `the Node server span is the root\n${tree}`);
          assert.equal(nClient.parentId, nServer.id, `Node client ← Node server\n${tree}`);
          assert.equal(jServer.parentId, nClient.id, `Java server ← Node client\n${tree}`);
          assert.equal(jServer.id, javaIds.spanId, `the Java handler ran in the Java server span\n${tree}`);
        });
      });
    }
  });
}
