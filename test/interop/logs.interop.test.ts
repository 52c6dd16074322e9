// @backends victorialogs zipkin kafka spring
/**
 * The log side of the interop suite: a real Spring Boot service (3.5 and 4.0, test/interop/spring-app, loki4j 2.0.1
 * from Maven Central with the fleet's conventional configuration) and the nodemeter service
 * (test/interop/services/node-svc.ts, defaults only) ship to the stack's VictoriaLogs through the Loki push API. For
 * ONE trace crossing both (Java calls Node over HTTP), the fleet's three ways of finding lines must find the lines of
 * both services:
 *   label query            `{app="…", level="INFO"}` (and `level="ERROR"` for an unhandled error on each side);
 *   structured metadata    `traceId` as a field of its own (`{app="…"} | traceId="…"` in Loki; `traceId:=…` here);
 *   derived-field regex    TRACE_ID_DERIVED_FIELD_REGEX applied to the stored line gives the trace id.
 * VictoriaLogs keeps Loki stream labels as stream fields, structured metadata as fields, the line as `_msg`.
 * One Spring JVM per Boot line (at most one at a time), one nodemeter service beside it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { TRACE_ID_DERIVED_FIELD_REGEX } from '../../src/logging/spring-format.js';
import { waitFor } from '../helpers/http.js';
import { untracedFetch } from '../helpers/untraced.js';
import { forceFlush, query, streamLabels, type StoredLine } from '../helpers/victorialogs.js';
import { interopEnv, type InteropEnv } from './helpers/env.js';
import { startNode, type NodeService } from './helpers/node.js';
import { BOOT_VERSION, bootLines, startSpring, type SpringApp } from './helpers/spring.js';

let env: InteropEnv;
let admin: Admin;

before(async () => {
  env = interopEnv();
  process.env.VICTORIALOGS_URL ??= env.victoriaLogsUrl;
  admin = new Kafka({ clientId: 'interop-logs', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
});

/** Grafana applies a derived field's regex to the line with JavaScript's RegExp; so does this. */
const DERIVED = new RegExp(TRACE_ID_DERIVED_FIELD_REGEX);

/** The lines a LogsQL query finds once `enough` says so (VictoriaLogs made searchable before each try). */
async function lines(what: string, logsql: string, enough: (l: StoredLine[]) => boolean): Promise<StoredLine[]> {
  return waitFor(what, async () => {
    await forceFlush();
    const found = await query(logsql);
    return enough(found) ? found : undefined;
  }, 20_000, 200).catch(async (err: Error) => {
    throw new Error(`${err.message}; the query ${logsql} found:\n${JSON.stringify(await query(logsql), null, 1)}`);
  });
}

function show(l: StoredLine[]): string {
  return JSON.stringify(l.map((x) => ({ _msg: x._msg, _stream: x._stream, traceId: x.traceId, spanId: x.spanId })), null, 1);
}

for (const line of bootLines()) {
  describe(`Spring Boot ${BOOT_VERSION[line]} and nodemeter: one trace, the same log queries`, () => {
    let java: SpringApp;
    let node: NodeService;
    let traceId = '';

    before(async () => {
      const tag = `${line}-${process.pid}`;
      const topics = { java: `interop-logs-java-${tag}`, node: `interop-logs-node-${tag}` };
      await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
      const common = { propagation: 'W3C' as const, kafkaBrokers: env.kafkaBrokers, zipkinUrl: env.zipkinUrl, victoriaLogsUrl: env.victoriaLogsUrl };
      java = await startSpring({ ...common, line, appName: `java-logs-${tag}`, listenTopic: topics.java });
      node = await startNode({ ...common, appName: `node-logs-${tag}`, listenTopic: topics.node });
      // The trace: Java's /java/call logs "calling …" and calls Node's /node/hello, which logs "hello answered".
      const res = await untracedFetch(`${java.url}/java/call?url=${encodeURIComponent(`${node.url}/node/hello`)}`, { signal: AbortSignal.timeout(30_000) });
      assert.equal(res.status, 200, await res.clone().text());
      traceId = ((await res.json()) as { traceId: string }).traceId;
      assert.match(traceId, /^[0-9a-f]{32}$/);
      // An unhandled error on each side (Tomcat's / nodemeter's ERROR line).
      for (const url of [`${java.url}/java/fail`, `${node.url}/node/fail`]) {
        const r = await untracedFetch(url, { signal: AbortSignal.timeout(30_000) });
        assert.equal(r.status, 500, `${url} answered ${r.status}`);
        await r.arrayBuffer();
      }
    });

    after(async () => {
      await node?.stop();
      await java?.stop();
    });

    test('the label query {app, level="INFO"} finds the trace\'s lines of both services; both streams have the labels app, host, level', async () => {
      for (const [app, msg] of [[java.appName, 'calling '], [node.appName, 'hello answered']] as const) {
        const found = await lines(`INFO lines of ${app}`, `{app="${app}",level="INFO"}`, (l) => l.some((x) => (x._msg ?? '').includes(msg)));
        const mine = found.find((x) => (x._msg ?? '').includes(msg))!;
        const labels = streamLabels(mine);
        assert.deepEqual(Object.keys(labels).sort(), ['app', 'host', 'level'], `${app}: ${mine._stream}`);
        assert.equal(labels.level, 'INFO');
      }
    });

    test('the label query {app, level="ERROR"} finds the unhandled error of each service, once, with its stack', async () => {
      for (const app of [java.appName, node.appName]) {
        const found = await lines(`ERROR lines of ${app}`, `{app="${app}",level="ERROR"}`, (l) => l.length >= 1);
        assert.equal(found.length, 1, `${app}: exactly one ERROR line\n${show(found)}`);
        assert.match(found[0]!._msg ?? '', /IllegalStateException.*boom/s, `${app}: the error`);
        assert.match(found[0]!._msg ?? '', /\n\s+at /, `${app}: its stack`);
      }
    });

    test('the structured-metadata filter traceId finds the trace\'s lines of both services', async () => {
      for (const [app, msg] of [[java.appName, 'calling '], [node.appName, 'hello answered']] as const) {
        const found = await lines(`${app} lines with traceId ${traceId}`, `{app="${app}"} traceId:="${traceId}"`, (l) => l.some((x) => (x._msg ?? '').includes(msg)));
        for (const l of found) {
          assert.equal(l.traceId, traceId);
          assert.match(l.spanId ?? '', /^[0-9a-f]{16}$/, `${app}: spanId beside traceId`);
        }
      }
    });

    test('one derived-field regex reads the trace id from the stored lines of both services', async () => {
      for (const app of [java.appName, node.appName]) {
        const found = await lines(`${app} lines with traceId ${traceId}`, `{app="${app}"} traceId:="${traceId}"`, (l) => l.length > 0);
        for (const l of found) {
          const m = DERIVED.exec(l._msg ?? '');
          assert.equal(m?.[1], traceId, `${app}: ${TRACE_ID_DERIVED_FIELD_REGEX} on ${JSON.stringify(l._msg)}`);
        }
      }
      // and the same line filter finds both: `|= "<traceId>"` in Loki
      await forceFlush();
      const both = await query(`{app=~"${java.appName}|${node.appName}"} "${traceId}"`);
      const apps = new Set(both.map((l) => streamLabels(l).app));
      assert.deepEqual([...apps].sort(), [java.appName, node.appName].sort(), show(both));
    });
  });
}
