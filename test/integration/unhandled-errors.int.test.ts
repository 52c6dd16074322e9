// @backends victorialogs zipkin kafka
/**
 * An error that escapes an Express handler, a Fastify handler or a Kafka listener reaches the real log receiver
 * (VictoriaLogs, Loki push) exactly once, at ERROR (`{level="ERROR"}`), with its stack and the trace id of the
 * request or record it ended, as Spring logs it. An error the application's own Express error handler answers is
 * not logged; a 4xx reaching the final handler is not logged at ERROR either. A bare node:http request listener that
 * throws (or an async one that rejects) still ends the process as Node does, now with its ERROR line shipped
 * before it exits (child processes, test/fixtures/logging/uncaught-http-child.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import express from 'express';
import Fastify from 'fastify';
import { Kafka, logLevel } from 'kafkajs';
import { instrument, type Nodemeter } from '../../src/index.js';
import { close, waitFor } from '../helpers/http.js';
import { forceFlush, lokiPushUrl, query, requireVictoriaLogs, streamLabels } from '../helpers/victorialogs.js';
import { randomHex, requireZipkin, ZIPKIN_URL } from '../helpers/zipkin.js';
import { untracedFetch } from '../helpers/untraced.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);

before(() => {
  requireVictoriaLogs();
  requireZipkin();
  if (BROKERS.length === 0) throw new Error('KAFKA_BROKERS must be set (npm test starts the stack and sets it)');
});

function start(app: string): Nodemeter {
  return instrument({
    serviceName: app,
    diagLevel: 'error',
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${ZIPKIN_URL}/api/v2/spans` }, export: { scheduledDelayMs: 100 } },
    logging: { console: false, flushOnSignals: false, loki: { url: lokiPushUrl(), batchIntervalMs: 100 } },
  });
}

/** The ERROR lines of `app` in VictoriaLogs, once `n` are there (or the deadline passes: then what is there). */
async function errorLines(app: string, n: number) {
  const q = `{app="${app}",level="ERROR"}`;
  return waitFor(`${n} ERROR lines of ${app}`, async () => {
    await forceFlush();
    const lines = await query(q);
    return lines.length >= n ? lines : undefined;
  }, 20_000, 200).catch(() => query(q));
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.once('listening', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

let stop: (() => Promise<void>)[] = [];
after(async () => {
  for (const s of stop) await s();
});

test('Express: an unanswered error is logged once at ERROR with its stack and the trace id; handled errors and 4xx are not', async () => {
  const app = `express-err-${process.pid}`;
  const nm = start(app);
  const web = express();
  web.use(nm.express());
  let traceId = '';
  web.get('/boom', () => {
    traceId = trace.getActiveSpan()!.spanContext().traceId;
    throw new TypeError('boom in express');
  });
  web.get('/handled', () => {
    throw new RangeError('handled by the app');
  });
  web.get('/missing', (_req, _res, next) => next(Object.assign(new Error('no such order'), { status: 404 })));
  // The application's own error handler answers RangeErrors; the rest goes on to nodemeter's and Express's final one.
  web.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (err instanceof RangeError) res.status(500).send('handled');
    else next(err);
  });
  web.use(nm.expressErrorHandler());
  const server = web.listen(0, '127.0.0.1');
  const base = await listen(server);
  const stderr = process.stderr.write;
  // Express's final handler prints the stack to stderr; keep the test output readable.
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    assert.equal((await untracedFetch(`${base}/boom`)).status, 500);
    assert.equal((await untracedFetch(`${base}/handled`)).status, 500);
    assert.equal((await untracedFetch(`${base}/missing`)).status, 404);
  } finally {
    process.stderr.write = stderr;
  }
  await nm.logger.flush();
  const lines = await errorLines(app, 1);
  await close(server);
  await nm.shutdown();
  // Shipped after shutdown: anything more would be there now.
  const all = await query(`{app="${app}",level="ERROR"}`);
  assert.equal(all.length, 1, JSON.stringify(all));
  const line = lines[0]!;
  assert.equal(streamLabels(line).level, 'ERROR');
  assert.equal(line.traceId, traceId, 'the structured metadata carries the request trace id');
  assert.ok((line._msg ?? "").includes(`[${traceId}-`), 'and the Boot line its correlation');
  assert.match((line._msg ?? ""), /Unhandled error in http get \/boom: TypeError: boom in express.*\nTypeError: boom in express\n {4}at /s);
  assert.ok((line._msg ?? "").includes('"http.url":"/boom"'), 'the request it belongs to');
});

test('Fastify with its logger off: an error thrown by a handler is logged once at ERROR with the trace id', async () => {
  const app = `fastify-err-${process.pid}`;
  const nm = start(app);
  const fastify = Fastify();
  await fastify.register(nm.fastify);
  let traceId = '';
  fastify.get('/boom', async () => {
    traceId = trace.getActiveSpan()!.spanContext().traceId;
    throw new Error('boom in fastify');
  });
  fastify.get('/bad', async () => {
    throw Object.assign(new Error('bad input'), { statusCode: 400 });
  });
  const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
  stop.push(() => fastify.close().then(() => undefined));
  assert.equal((await untracedFetch(`${base}/boom`)).status, 500);
  assert.equal((await untracedFetch(`${base}/bad`)).status, 400);
  await nm.logger.flush();
  const lines = await errorLines(app, 1);
  await fastify.close();
  await nm.shutdown();
  const all = await query(`{app="${app}",level="ERROR"}`);
  assert.equal(all.length, 1, JSON.stringify(all));
  assert.equal(lines[0]!.traceId, traceId);
  assert.match((lines[0]!._msg ?? ""), /Unhandled error in http get \/boom: Error: boom in fastify/);
});

test('Kafka: a listener that throws is logged once per failed delivery at ERROR with the record and its trace id', async () => {
  const app = `kafka-err-${process.pid}`;
  const topic = `err-${process.pid}-${randomHex(3)}`;
  const nm = start(app);
  const raw = new Kafka({ clientId: app, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = raw.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const kafka = nm.kafka.instrument(raw, { clientId: app });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'order-1', value: 'poison' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `err-${process.pid}`, retry: { retries: 0 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const traceIds: string[] = [];
  await consumer.run({
    eachMessage: async () => {
      traceIds.push(trace.getActiveSpan()!.spanContext().traceId);
      throw new Error('cannot process order-1');
    },
  });
  try {
    // kafkajs redelivers a failed record; each delivery is one failed listener call, logged once.
    await waitFor('a failed delivery', () => (traceIds.length >= 1 ? true : undefined), 30_000, 100);
    await consumer.stop();
    await nm.logger.flush();
    const lines = await errorLines(app, traceIds.length);
    assert.equal(lines.length, traceIds.length, `one ERROR line per failed delivery (${traceIds.length})`);
    const line = lines.find((l) => l.traceId === traceIds[0]);
    assert.ok(line, JSON.stringify(lines));
    assert.match((line._msg ?? ""), new RegExp(`Unhandled error in ${topic} (process|receive): Error: cannot process order-1`));
    assert.ok((line._msg ?? "").includes('"messaging.kafka.message.offset":"0"'), 'the record it belongs to');
    assert.ok((line._msg ?? "").includes('\nError: cannot process order-1\n    at '), 'with its stack');
  } finally {
    await consumer.disconnect();
    await nm.shutdown();
  }
});

/** Runs the bare node:http child, sends it one request with a known trace id, and waits for it to die. */
async function crashChild(app: string, mode: 'throw' | 'reject', extra: Record<string, string> = {}) {
  const file = fileURLToPath(new URL('../fixtures/logging/uncaught-http-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    env: { ...process.env, APP: app, MODE: mode, LOKI_URL: lokiPushUrl(), ZIPKIN_URL, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  // 'close', not 'exit': it comes after the last of the child's output has been read, and stderr is asserted on.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const url = await waitFor(`${app} to listen`, () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${err}`);
      return /^(http:\/\/\S+)$/m.exec(out)?.[1];
    }, 30_000, 50);
    const traceId = randomHex(16);
    // The connection dies with the process: no answer.
    await untracedFetch(`${url}/orders/42`, { headers: { traceparent: `00-${traceId}-${randomHex(8)}-01` }, signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    return { traceId, code: await exited, stderr: err };
  } finally {
    clearTimeout(killer);
  }
}

for (const mode of ['throw', 'reject'] as const) {
  test(`bare node:http: a listener that ${mode === 'throw' ? 'throws' : 'rejects'} still ends the process, and its one ERROR line with the stack and trace id is shipped first`, async () => {
    const app = `http-${mode}-${process.pid}`;
    const { traceId, code, stderr } = await crashChild(app, mode);
    const Err = mode === 'throw' ? 'TypeError: thrown in /orders/42' : 'RangeError: rejected in /orders/42';
    assert.equal(code, 1, 'Node\'s exit status for an uncaught error');
    assert.ok(stderr.includes(Err), `Node still prints the error: ${stderr}`);
    const lines = await errorLines(app, 1);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    const line = lines[0]!;
    const msg = line._msg ?? '';
    assert.equal(line.traceId, traceId, `the trace id of the request: ${JSON.stringify(line)}`);
    assert.match(line.spanId ?? '', /^[0-9a-f]{16}$/);
    assert.ok(msg.includes(`[${traceId}-${line.spanId}]`), msg);
    const what = mode === 'throw' ? 'Uncaught exception' : 'Unhandled rejection';
    assert.ok(msg.includes(`${what} in http get: ${Err}`), msg);
    assert.ok(msg.includes('"http.url":"/orders/42"'), `the request it belongs to: ${msg}`);
    assert.ok(msg.includes(`\n${Err}\n    at `), `with its stack: ${msg}`);
  });
}

test('bare node:http: with the application\'s own uncaughtException listener, it decides and nodemeter logs nothing', async () => {
  const app = `http-apphandler-${process.pid}`;
  const { code } = await crashChild(app, 'throw', { APP_HANDLER: '1' });
  assert.equal(code, 3, 'the application\'s handler ran');
  // Its `started` line arrives through the exit flush: once it is there, an ERROR line would be too.
  await waitFor(`${app} started line`, async () => {
    await forceFlush();
    return (await query(`{app="${app}",level="INFO"}`)).length > 0 ? true : undefined;
  }, 20_000, 200);
  assert.deepEqual(await query(`{app="${app}",level="ERROR"}`), []);
});
