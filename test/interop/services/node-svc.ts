/**
 * The Node side of the interop scenarios: an Express 5 + kafkajs service instrumented the way the docs say, in its
 * own process (one process is one service). The mirror image of the Spring app (test/interop/spring-app):
 *   GET  /node/hello              answers
 *   GET  /node/call?url=URL       calls URL (a Java service) with fetch, the URL's path as the `uri` template (what
 *                                 Spring's RestClient does with `.uri(String)`)
 *   POST /node/publish?topic=T    sends the body (or "hello") to T with an instrumented kafkajs producer
 *   GET  /node/received           what the consumer of LISTEN_TOPIC got: trace id, headers, value
 *   GET  /node/fail               throws (unhandled error)
 *   /actuator/…                   nodemeter's actuator
 * Every answer carries the trace and span id the handler ran in. Prints its URL once the consumer joined its group.
 * Configured from the environment: PORT (default 0), KAFKA_BROKERS, LISTEN_TOPIC, GROUP, plus nodemeter's own
 * variables (NODEMETER_SERVICE_NAME, NODEMETER_ZIPKIN_ENDPOINT, MANAGEMENT_TRACING_PROPAGATION_TYPE,
 * NODEMETER_LOKI_URL, …).
 */
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import express from 'express';
import { Kafka, logLevel } from 'kafkajs';
import { instrument, withUriTemplate } from '../../../src/index.js';

const nm = instrument();
const log = nm.logger;
const name = process.env.NODEMETER_SERVICE_NAME ?? 'node-svc';
const kafka = nm.kafka.instrument(
  new Kafka({ clientId: name, brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }),
  { clientId: name },
);
const producer = kafka.producer();
await producer.connect();

interface Received {
  traceId?: string;
  spanId?: string;
  topic: string;
  value?: string;
  headers: Record<string, string>;
}
const received: Received[] = [];

function ids(): { traceId?: string; spanId?: string } {
  const ctx = trace.getActiveSpan()?.spanContext();
  return { traceId: ctx?.traceId, spanId: ctx?.spanId };
}

const consumer = kafka.consumer({ groupId: process.env.GROUP ?? name });
await consumer.connect();
await consumer.subscribe({ topic: process.env.LISTEN_TOPIC ?? 'node-in', fromBeginning: true });
const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
await consumer.run({
  eachMessage: async ({ topic, message }) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
    received.push({ ...ids(), topic, value: message.value?.toString(), headers });
    log.info(`received ${message.value?.toString()}`);
  },
});

const app = express();
app.use(nm.express());
app.use(express.text({ type: '*/*' }));
/** The trace headers a request came with, to check which propagation format arrived. */
function traceHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i]!.toLowerCase();
    if (n === 'traceparent' || n === 'tracestate' || n === 'b3' || n.startsWith('x-b3-')) out[raw[i]!] = raw[i + 1]!;
  }
  return out;
}

app.get('/node/hello', (req, res) => {
  log.info('hello answered');
  res.json({ ...ids(), service: 'node', headers: traceHeaders(req.rawHeaders) });
});
app.get('/node/call', async (req, res) => {
  const url = String(req.query.url);
  log.info(`calling ${url}`);
  const r = await withUriTemplate(new URL(url).pathname, () => fetch(url));
  res.json({ ...ids(), status: r.status, body: await r.text() });
});
app.post('/node/publish', async (req, res) => {
  const topic = String(req.query.topic);
  const value = typeof req.body === 'string' && req.body !== '' ? req.body : 'hello';
  log.info(`publishing to ${topic}`);
  const [meta] = await producer.send({ topic, messages: [{ value }] });
  res.json({ ...ids(), partition: meta?.partition, offset: meta?.baseOffset });
});
app.get('/node/received', (_req, res) => {
  res.json(received);
});
/** Same class name as the Java side's, so the `exception` values of the two can be compared. */
class IllegalStateException extends Error {}
app.get('/node/fail', () => {
  throw new IllegalStateException('boom');
});
app.use(nm.expressErrorHandler());

await joined;
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
await new Promise((r) => server.once('listening', r));
process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);

process.once('SIGTERM', async () => {
  server.close();
  await consumer.disconnect().catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
  await nm.shutdown();
  process.exit(0);
});
