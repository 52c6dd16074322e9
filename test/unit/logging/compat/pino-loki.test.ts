/**
 * pino-loki as the Loki worker's Sink, run in this thread against a local stand-in receiver: pino-loki builds the
 * push (level label per line, static labels, no `hostname`, the line's own time in nanoseconds), and the outcome of
 * each request comes from the diagnostics channels of Node's fetch: 2xx sent; 5xx, network errors and timeouts
 * retried; other 4xx rejected; lines that are not JSON objects counted, not sent. Outside pino-loki 3.x a batch is
 * handed over and counted as sent, with the version event. The worker and the shipper around it are tested in
 * loki-transport.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PinoLokiSink, PINO_LOKI_SUPPORTED, pinoLokiVerdict, type SinkOptions } from '../../../../src/logging/compat/pino-loki.js';
import { createLokiSink, type SinkVersionEvent } from '../../../../src/logging/loki-sink.js';
import { FakeLoki } from '../../../helpers/fake-loki.js';
import { fetchPublishesBodies } from '../../../helpers/fetch-channels.js';

function options(url: string, extra: Partial<SinkOptions> = {}): SinkOptions {
  return { url, labels: { app: 'shop', host: 'h1' }, headers: {}, timeoutMs: 5000, format: 'json', ...extra };
}

test('the installed pino-loki is in the supported range; other majors are not', () => {
  assert.equal(PINO_LOKI_SUPPORTED.range, '>=3.0.0 <4');
  assert.equal(pinoLokiVerdict().supported, true);
  assert.deepEqual(pinoLokiVerdict('4.1.0'), { supported: false, version: '4.1.0' });
  assert.deepEqual(pinoLokiVerdict('2.6.0'), { supported: false, version: '2.6.0' });
});

test('2xx: sent; the push as pino-loki builds it: level label per line, static labels, no hostname, nanosecond times', async () => {
  const loki = await new FakeLoki().start();
  const sink = new PinoLokiSink(options(loki.url));
  try {
    const lines = [
      '{"level":30,"time":1700000000123,"msg":"a","hostname":"box"}',
      '{"level":50,"time":1700000000124,"msg":"b"}',
      '{"level":35,"time":1700000000,"msg":"custom"}',
      '{"level":"warn","time":1700000000127,"msg":"label"}',
    ];
    assert.deepEqual(await sink.send(lines), { ok: true });
    assert.equal(loki.requests, 1, 'one request per batch');
    assert.deepEqual(
      loki.entries.map((e) => [e.labels, e.ts, e.line.msg]),
      [
        [{ level: 'INFO', app: 'shop', host: 'h1' }, '1700000000123000000', 'a'],
        [{ level: 'ERROR', app: 'shop', host: 'h1' }, '1700000000124000000', 'b'],
        [{ level: 'INFO', app: 'shop', host: 'h1' }, '1700000000000000000', 'custom'],
        [{ level: 'WARN', app: 'shop', host: 'h1' }, '1700000000127000000', 'label'],
      ],
    );
    assert.equal(loki.entries[0]!.line.hostname, undefined, 'the host is a label, not a field');
    assert.deepEqual(loki.entries.map((e) => e.metadata?.level), ['INFO', 'ERROR', 'INFO', 'WARN'], 'the level is structured metadata too, as loki4j sends it');
  } finally {
    sink.close();
    await loki.stop();
  }
});

test('5xx, 429 and 408 are retried; other 4xx are rejected with what the receiver said', async () => {
  const loki = await new FakeLoki().start();
  const statuses = [500, 503, 429, 408, 400, 413];
  loki.answer = (n) => statuses[n - 1] ?? 204;
  const sink = new PinoLokiSink(options(loki.url));
  const body = await fetchPublishesBodies();
  try {
    for (const status of statuses) {
      const result = await sink.send(['{"level":30,"msg":"x"}']);
      assert.equal(result.ok, false);
      if (result.ok) continue;
      assert.equal(result.status, status);
      assert.equal(result.retry, status >= 500 || status === 429 || status === 408, `retry on ${status}`);
      // The receiver's answer is in the reason where the runtime publishes response bodies (Node 24 and later).
      assert.equal(result.error, body ? `HTTP ${status}: answer ${status}` : `HTTP ${status}`);
    }
    assert.deepEqual(await sink.send(['{"level":30,"msg":"y"}']), { ok: true });
    assert.deepEqual(loki.entries.map((e) => e.line.msg), ['y']);
  } finally {
    sink.close();
    await loki.stop();
  }
});

test('network error and timeout: retried, with the reason', async () => {
  const loki = await new FakeLoki().start();
  const url = loki.url;
  await loki.stop();
  const down = new PinoLokiSink(options(url));
  try {
    const result = await down.send(['{"level":30,"msg":"x"}']);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.retry && /ECONNREFUSED/.test(result.error ?? ''), JSON.stringify(result));
  } finally {
    down.close();
  }
  const hanging = await new FakeLoki().start();
  hanging.answer = () => 'hang';
  const slow = new PinoLokiSink(options(hanging.url, { timeoutMs: 200 }));
  try {
    const t0 = Date.now();
    assert.deepEqual(await slow.send(['{"level":30,"msg":"x"}']), { ok: false, retry: true, error: 'timed out' });
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    slow.close();
    await hanging.stop();
  }
});

test('lines that are not JSON objects are counted, not sent; the others go', async () => {
  const loki = await new FakeLoki().start();
  const sink = new PinoLokiSink(options(loki.url));
  try {
    assert.deepEqual(await sink.send(['{"level":30,"msg":"ok"}', 'not json', '[1,2]', '42']), { ok: true, invalid: 3 });
    assert.deepEqual(await sink.send(['nope']), { ok: true, invalid: 1 });
    assert.deepEqual(loki.entries.map((e) => e.line.msg), ['ok']);
  } finally {
    sink.close();
    await loki.stop();
  }
});

test('requests to other URLs of the thread are not taken for the push', async () => {
  const loki = await new FakeLoki().start();
  const other = await new FakeLoki().start();
  other.answer = () => 500;
  const sink = new PinoLokiSink(options(loki.url));
  try {
    const sent = sink.send(['{"level":30,"msg":"x"}']);
    await fetch(other.url, { method: 'POST', body: '{}' });
    assert.deepEqual(await sent, { ok: true });
  } finally {
    sink.close();
    await loki.stop();
    await other.stop();
  }
});

test('no outcome observed (pino-loki made no request): a retryable failure after the timeout and a margin', async () => {
  // fetch refuses a URL with credentials before any request is made: nothing is published.
  const sink = new PinoLokiSink(options('http://user:pw@127.0.0.1:9/loki/api/v1/push', { timeoutMs: 1 }));
  try {
    const t0 = Date.now();
    assert.deepEqual(await sink.send(['{"level":30,"msg":"x"}']), {
      ok: false,
      retry: true,
      error: 'no outcome of the push request was observed',
    });
    const took = Date.now() - t0;
    assert.ok(took >= 4900 && took < 8000, `${took} ms`);
  } finally {
    sink.close();
  }
});

test('pino-loki outside the range: the version event, and batches still shipped, counted as handed over', async () => {
  const loki = await new FakeLoki().start();
  loki.answer = () => 500;
  const events: SinkVersionEvent[] = [];
  const sink = createLokiSink(options(loki.url), (e) => events.push(e), '4.0.0');
  try {
    assert.deepEqual(events, [{ type: 'unsupported', package: 'pino-loki', version: '4.0.0', range: '>=3.0.0 <4' }]);
    assert.deepEqual(await sink.send(['{"level":30,"msg":"x"}', 'not json']), { ok: true, invalid: 1 });
    for (let i = 0; i < 100 && loki.requests === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(loki.requests, 1, 'still sent');
  } finally {
    sink.close();
    await loki.stop();
  }
  const supported: SinkVersionEvent[] = [];
  createLokiSink(options(loki.url), (e) => supported.push(e)).close();
  assert.deepEqual(supported, []);
});
