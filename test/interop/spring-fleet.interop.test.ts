// @backends zipkin kafka victorialogs spring
/**
 * nodemeter next to real Spring Boot services (3.5 and 4.0, test/interop/spring-app), through the stack's Kafka
 * and Zipkin: the fleet's promise that a Node service is indistinguishable from its Spring neighbours, checked.
 *
 * Per Boot line, one Spring service and one nodemeter service (configured with that Boot line's conventions) per
 * propagation type, W3C, B3 single and B3 multi, each pair configured alike (helpers/fleet.ts starts the six
 * processes in parallel):
 *   - traces: one unbroken Zipkin trace for HTTP Java→Node, HTTP Node→Java, Kafka Java→Node and Node→Kafka→Java,
 *     each span the parent of the next, the handler running in the span, the configured headers on the wire (Kafka
 *     header names are case-sensitive: B3 multi is `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled` exactly);
 *   - parity (the W3C pair, after the same requests and records on both sides): the same metric families, label
 *     names and label values on `/actuator/prometheus` for HTTP server and client, Spring Kafka template and
 *     listener timers and their active timers, the Kafka client families nodemeter emits and
 *     `logback_events_total`; the same span names, kinds, remote services and tag keys for HTTP server, HTTP
 *     client, Kafka send and Kafka receive. Exactly the differences of helpers/allowed.ts (the guide's table) are
 *     allowed.
 *
 * Slow (six JVM starts): `npm test` runs it on Node 22 only, scripts/run-tests.mjs leaves it out on the other
 * runtimes. INTEROP_BOOT_LINES=40 runs one line. See docs/guides/spring-interop.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { waitFor } from '../helpers/http.js';
import { ALLOWED } from './helpers/allowed.js';
import { interopEnv, type InteropEnv } from './helpers/env.js';
import { kafkaAdmin, PROPAGATIONS, startFleet, type Fleet, type Pair } from './helpers/fleet.js';
import { COMPARED, dropHarnessSeries, isKafkaClientFamily, metricDiffs, scrape, spanDiffs, type Exposition, type Role } from './helpers/parity.js';
import { callOther, fail, publish, uniqueValue, waitForRecord, call } from './helpers/scenarios.js';
import { BOOT_VERSION, bootLines, type BootLine, type Propagation } from './helpers/spring.js';
import { describeSpans, waitForHops, type ZipkinSpan } from './helpers/traces.js';

/** Header names as Brave writes them into Kafka records and HTTP requests (case matters in Kafka). */
const HEADERS: Record<Propagation, string[]> = {
  W3C: ['traceparent'],
  B3: ['b3'],
  B3_MULTI: ['X-B3-TraceId', 'X-B3-SpanId', 'X-B3-Sampled'],
};

let env: InteropEnv;
let admin: Admin;

before(async () => {
  env = interopEnv();
  admin = kafkaAdmin(env);
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
});

/** HTTP: the request carried the configured format (names compared case-insensitively) and no other. */
function assertHttpFormat(propagation: Propagation, headers: Record<string, string>): void {
  const names = Object.keys(headers).map((n) => n.toLowerCase());
  for (const n of HEADERS[propagation]) assert.ok(names.includes(n.toLowerCase()), `${propagation}: expected header ${n}, got ${names.join(', ')}`);
  if (propagation !== 'W3C') assert.ok(!names.includes('traceparent'), `${propagation}: traceparent sent too`);
}

/** Kafka: the record carried the configured headers under Brave's names, case included. */
function assertRecordHeaders(propagation: Propagation, headers: Record<string, string>): void {
  const names = Object.keys(headers);
  for (const n of HEADERS[propagation]) {
    assert.ok(names.includes(n), `${propagation}: the record should carry header '${n}' (case-sensitive), it carries ${names.join(', ')}`);
  }
}

function traceTests(pair: () => Pair): void {
  test('HTTP Java → Node: Java SERVER → Java CLIENT → Node SERVER in one trace', async () => {
    const { java, node, propagation } = pair();
    const answer = await callOther(java.url, 'java', node.url, 'node');
    const callee = JSON.parse(answer.body) as { traceId: string; spanId: string; headers: Record<string, string> };
    assertHttpFormat(propagation, callee.headers);
    assert.equal(callee.traceId, answer.traceId, 'the Node handler ran in the Java request\'s trace');
    const { spans, found } = await waitForHops(answer.traceId, [
      { service: java.appName, kind: 'SERVER' },
      { service: java.appName, kind: 'CLIENT' },
      { service: node.appName, kind: 'SERVER' },
    ]);
    const [jServer, jClient, nServer] = found as [ZipkinSpan, ZipkinSpan, ZipkinSpan];
    const tree = describeSpans(spans);
    assert.equal(jServer.parentId, undefined, `the Java server span is the root\n${tree}`);
    assert.equal(jClient.parentId, jServer.id, `Java client ← Java server\n${tree}`);
    assert.equal(nServer.parentId, jClient.id, `Node server ← Java client\n${tree}`);
    assert.equal(nServer.id, callee.spanId, `the Node handler ran in the Node server span\n${tree}`);
  });

  test('HTTP Node → Java: Node SERVER → Node CLIENT → Java SERVER in one trace', async () => {
    const { java, node, propagation } = pair();
    const answer = await callOther(node.url, 'node', java.url, 'java');
    const callee = JSON.parse(answer.body) as { traceId: string; spanId: string; headers: Record<string, string> };
    assertHttpFormat(propagation, callee.headers);
    assert.equal(callee.traceId, answer.traceId, 'the Java handler ran in the Node request\'s trace');
    const { spans, found } = await waitForHops(answer.traceId, [
      { service: node.appName, kind: 'SERVER' },
      { service: node.appName, kind: 'CLIENT' },
      { service: java.appName, kind: 'SERVER' },
    ]);
    const [nServer, nClient, jServer] = found as [ZipkinSpan, ZipkinSpan, ZipkinSpan];
    const tree = describeSpans(spans);
    assert.equal(nServer.parentId, undefined, `the Node server span is the root\n${tree}`);
    assert.equal(nClient.parentId, nServer.id, `Node client ← Node server\n${tree}`);
    assert.equal(jServer.parentId, nClient.id, `Java server ← Node client\n${tree}`);
    assert.equal(jServer.id, callee.spanId, `the Java handler ran in the Java server span\n${tree}`);
  });

  test('Kafka Java → Node: Java SERVER → Java PRODUCER → Node CONSUMER in one trace', async () => {
    const { java, node, topics, propagation } = pair();
    const value = uniqueValue('j2n');
    const sent = await publish(java.url, 'java', topics.node, value);
    const got = await waitForRecord(node.url, 'node', value);
    assertRecordHeaders(propagation, got.headers);
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
    assert.equal(got.spanId, nConsumer.id, `the Node listener ran in the consumer span\n${tree}`);
  });

  test('Kafka Node → Java: Node SERVER → Node PRODUCER → Java CONSUMER in one trace', async () => {
    const { java, node, topics, propagation } = pair();
    const value = uniqueValue('n2j');
    const sent = await publish(node.url, 'node', topics.java, value);
    const got = await waitForRecord(java.url, 'java', value);
    assert.equal(got.traceId, sent.traceId, `the Java listener continued the Node trace (record headers: ${JSON.stringify(got.headers)})`);
    assertRecordHeaders(propagation, got.headers);
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
}

/** Replaces what must differ between the two services of a pair: names, topics, client ids, the path prefix. */
function normaliser(pair: Pair): (v: string) => string {
  const { java, node, topics } = pair;
  return (v) => v
    .replaceAll(java.appName, '<app>').replaceAll(node.appName, '<app>')
    .replaceAll(topics.java, '<topic>').replaceAll(topics.node, '<topic>')
    .replace(/\/(java|node)\//g, '/<side>/')
    .replace(/^(apache kafka: )\S+$/i, '$1<clusterId>');
}

interface Capture {
  java: Exposition;
  node: Exposition;
  spans: Record<Role, [ZipkinSpan, ZipkinSpan]>;
}

/** The same requests and records on both sides of the W3C pair, then both scrapes and the spans of each role. */
async function capture(pair: Pair): Promise<Capture> {
  const { java, node, topics } = pair;
  // both sides' actuators answer one health request (the Java side's was polled at start too)
  await call(`${java.url}/actuator/health`);
  await call(`${node.url}/actuator/health`);
  const j2n = await callOther(java.url, 'java', node.url, 'node');
  const n2j = await callOther(node.url, 'node', java.url, 'java');
  assert.equal(await fail(java.url, 'java'), 500);
  assert.equal(await fail(node.url, 'node'), 500);
  const jv = uniqueValue('parity-j2n');
  const jPub = await publish(java.url, 'java', topics.node, jv);
  await waitForRecord(node.url, 'node', jv);
  const nv = uniqueValue('parity-n2j');
  const nPub = await publish(node.url, 'node', topics.java, nv);
  await waitForRecord(java.url, 'java', nv);

  const hop = async (traceId: string, service: string, kind: ZipkinSpan['kind']): Promise<ZipkinSpan> =>
    (await waitForHops(traceId, [{ service, kind }])).found[0]!;
  const spans: Capture['spans'] = {
    'HTTP server': [await hop(n2j.traceId, java.appName, 'SERVER'), await hop(j2n.traceId, node.appName, 'SERVER')],
    'HTTP client': [await hop(j2n.traceId, java.appName, 'CLIENT'), await hop(n2j.traceId, node.appName, 'CLIENT')],
    'Kafka send': [await hop(jPub.traceId, java.appName, 'PRODUCER'), await hop(nPub.traceId, node.appName, 'PRODUCER')],
    'Kafka receive': [await hop(nPub.traceId, java.appName, 'CONSUMER'), await hop(jPub.traceId, node.appName, 'CONSUMER')],
  };
  // A listener's timer stops when the listener returns, just after it stored the record: scrape until both have it.
  // And Micrometer binds the Kafka client's metrics when the client starts and then looks for new ones every 60 s
  // (KafkaMetrics' refresh): the per-topic and per-partition families of a topic first used after the start (records
  // sent per topic, lag per partition) appear on Java's scrape only after that refresh. Waiting for them compares a
  // service in its steady state; the JVMs started about a minute earlier, so this wait is mostly already over.
  const has = (e: Exposition, f: string): boolean => (e.get(f)?.series.length ?? 0) > 0;
  const both = await waitFor('both scrapes to hold the listener timer and Java its per-topic Kafka client families', async () => {
    const [j, n] = await Promise.all([scrape(java.url), scrape(node.url)]);
    const ready = has(j, 'spring_kafka_listener_seconds') && has(n, 'spring_kafka_listener_seconds') &&
      has(j, 'kafka_producer_topic_record_send_total') && has(j, 'kafka_consumer_fetch_manager_records_lag');
    return ready ? { j, n } : undefined;
  }, 90_000, 500).catch(async () => ({ j: await scrape(java.url), n: await scrape(node.url) }));
  dropHarnessSeries(both.j);
  return { java: both.j, node: both.n, spans };
}

/** Asserts that `found` are exactly the allowed differences of this Boot line. */
function assertAllowed(line: BootLine, area: 'metrics' | 'spans', found: string[], t: { diagnostic(s: string): void }): void {
  const allowed = ALLOWED.filter((a) => a.id.startsWith(`${area}:`) && (a.lines ?? ['35', '40']).includes(line));
  const unexplained = found.filter((d) => !allowed.some((a) => a.id === d));
  const gone = allowed.filter((a) => !found.includes(a.id)).map((a) => a.id);
  for (const d of found.filter((x) => !unexplained.includes(x))) t.diagnostic(`allowed: ${d}`);
  assert.deepEqual(
    { unexplained, gone },
    { unexplained: [], gone: [] },
    `Spring Boot ${BOOT_VERSION[line]}: differences not in the allowed table (fix nodemeter, or add them with a reason to ` +
      'test/interop/helpers/allowed.ts and the guide), and allowed differences that no longer occur (remove them)',
  );
}

for (const line of bootLines()) {
  describe(`Spring Boot ${BOOT_VERSION[line]} and nodemeter`, () => {
    let fleet: Fleet;
    before(async () => {
      fleet = await startFleet(line, env, admin);
    });
    after(async () => {
      await fleet?.stop();
    });

    test('six services started', (t) => {
      const pairs = Object.values(fleet.pairs);
      t.diagnostic(`all UP after ${fleet.startMs} ms; Spring ${pairs.map((p) => `${p.propagation} ${p.java.startMs}`).join(', ')} ms; ` +
        `nodemeter ${pairs.map((p) => `${p.propagation} ${p.node.startMs}`).join(', ')} ms`);
      assert.equal(pairs.length, PROPAGATIONS.length);
    });

    describe('one unbroken trace', { concurrency: true }, () => {
      for (const propagation of PROPAGATIONS) {
        describe(`propagation ${propagation}`, { concurrency: true }, () => traceTests(() => fleet.pairs[propagation]));
      }
    });

    describe('the same meters and spans for the same requests and records (W3C pair)', () => {
      let got: Capture;
      let norm: (v: string) => string;
      before(async () => {
        const pair = fleet.pairs.W3C;
        norm = normaliser(pair);
        got = await capture(pair);
      });

      test('metric families, label names and label values on /actuator/prometheus', (t) => {
        const diffs = metricDiffs(got.java, got.node, norm);
        const javaOnlyClient = [...got.java.keys()].filter((f) => isKafkaClientFamily(f) && !got.node.has(f));
        t.diagnostic(`compared: ${COMPARED.length} families + ${[...got.node.keys()].filter(isKafkaClientFamily).length} Kafka client ` +
          `families nodemeter emits; Kafka client families only the Java client has: ${javaOnlyClient.length} (see the guide)`);
        assertAllowed(line, 'metrics', diffs, t);
      });

      test('span names, kinds, remote services and tag keys', (t) => {
        const diffs = (Object.entries(got.spans) as [Role, [ZipkinSpan, ZipkinSpan]][]).flatMap(([role, [j, n]]) => spanDiffs(role, j, n, norm));
        assertAllowed(line, 'spans', diffs, t);
      });
    });
  });
}

test('every allowed difference is in the guide\'s table, with its reason', () => {
  const guide = readFileSync(new URL('../../docs/guides/spring-interop.md', import.meta.url), 'utf8');
  const missing = ALLOWED.filter((a) => !guide.includes(`\`${a.id}\``)).map((a) => a.id);
  assert.deepEqual(missing, [], 'docs/guides/spring-interop.md must list each allowed difference (in backticks)');
  for (const a of ALLOWED) assert.ok(a.reason.length > 20, `${a.id}: a reason`);
});
