/**
 * The Loki push request body: one stream per level with the static labels, the line's own time in nanoseconds,
 * the line sent as written unless it has a `hostname` (taken out: the host is a label), lines that are not JSON
 * objects left out and counted. The requests themselves are tested in loki-transport.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lokiTimestamp, pushBody } from '../../../src/logging/loki-push.js';

type Body = { streams: { stream: Record<string, string>; values: [string, string][] }[] };

test('one stream per level, in order; static labels; the line as written; nanosecond timestamps', () => {
  const lines = [
    '{"level":30,"time":1700000000123,"msg":"a","big":12345678901234567890}',
    '{"level":50,"time":1700000000124,"msg":"b"}',
    '{"level":30,"time":1700000000125,"msg":"c"}',
    '{"level":35,"time":1700000000126,"msg":"custom"}',
    '{"level":"warn","time":1700000000127,"msg":"label"}',
  ];
  const { body, invalid } = pushBody(lines, { app: 'shop', host: 'h1' });
  assert.equal(invalid, 0);
  const parsed = JSON.parse(body) as Body;
  assert.deepEqual(
    parsed.streams.map((s) => [s.stream, s.values.map((v) => v[0])]),
    [
      [{ level: 'info', app: 'shop', host: 'h1' }, ['1700000000123000000', '1700000000125000000', '1700000000126000000']],
      [{ level: 'error', app: 'shop', host: 'h1' }, ['1700000000124000000']],
      [{ level: 'warn', app: 'shop', host: 'h1' }, ['1700000000127000000']],
    ],
  );
  assert.equal(parsed.streams[0]!.values[0]![1], lines[0], 'sent as written: no precision lost');
});

test('hostname is taken out of the line; lines that are not JSON objects are counted, not sent', () => {
  const { body, invalid } = pushBody(['{"level":30,"hostname":"box","msg":"x"}', 'not json', '[1,2]', '42'], { app: 'a' });
  assert.equal(invalid, 3);
  const parsed = JSON.parse(body) as Body;
  assert.deepEqual(JSON.parse(parsed.streams[0]!.values[0]![1]), { level: 30, msg: 'x' });
  assert.deepEqual(pushBody(['nope'], {}), { body: '', invalid: 1 });
});

test('timestamps: seconds, milliseconds and nanoseconds to 19 digits; none or invalid: now', () => {
  assert.equal(lokiTimestamp(1700000000), '1700000000000000000');
  assert.equal(lokiTimestamp(1700000000123), '1700000000123000000');
  const before = BigInt(Date.now()) * 1_000_000n;
  const now = BigInt(lokiTimestamp('2024-01-01T00:00:00Z'));
  assert.ok(now >= before && now <= BigInt(Date.now()) * 1_000_000n);
  assert.equal(lokiTimestamp(undefined).length, 19);
});
