/**
 * The worker's bounded buffer, batching and retry, with a fake sink standing in for pino-loki: batch sizes and
 * order, one request at a time, the bound in lines and in bytes (oldest waiting lines dropped, the batch in flight
 * kept, every drop counted), retry with backoff on retryable failures, rejection without retry, flush and close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LokiShipper, type SendResult, type ShipperEvent, type ShipperOptions } from '../../../src/logging/loki-shipper.js';
import { createSharedCounters, SharedCounters, SLOT } from '../../../src/logging/shared-counters.js';
import { waitFor } from '../../helpers/http.js';

const BASE: ShipperOptions = {
  maxBufferLines: 1000,
  maxBufferBytes: 1024 * 1024,
  maxBatchLines: 10,
  maxBatchBytes: 64 * 1024,
  batchIntervalMs: 20,
  minBackoffMs: 5,
  maxBackoffMs: 20,
};

/** A sink whose answers the test scripts: `next` decides each attempt; `hold` keeps requests open until released. */
class FakeSink {
  readonly batches: string[][] = [];
  readonly attempts: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  next: (attempt: number) => SendResult = () => ({ ok: true });
  #held: (() => void)[] = [];
  hold = false;

  async send(lines: readonly string[]): Promise<SendResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.attempts.push([...lines]);
    if (this.hold) await new Promise<void>((r) => this.#held.push(r));
    this.inFlight--;
    const result = this.next(this.attempts.length);
    if (result.ok) this.batches.push([...lines]);
    return result;
  }

  release(): void {
    this.hold = false;
    for (const r of this.#held.splice(0)) r();
  }

  get delivered(): string[] {
    return this.batches.flat();
  }
}

function setup(options: Partial<ShipperOptions> = {}) {
  const counters = new SharedCounters(createSharedCounters());
  const sink = new FakeSink();
  const events: ShipperEvent[] = [];
  const shipper = new LokiShipper({ ...BASE, ...options }, sink, counters, (e) => events.push(e));
  return { counters, sink, events, shipper };
}

const line = (i: number, pad = 0) => JSON.stringify({ i, pad: 'x'.repeat(pad) });

test('full batches go at once, the rest after the batch interval; order is kept, one request at a time', async () => {
  const { shipper, sink, counters } = setup({ maxBatchLines: 10, batchIntervalMs: 50 });
  for (let i = 0; i < 25; i++) shipper.accept(line(i));
  await waitFor('20 lines in two full batches', () => (sink.delivered.length >= 20 ? true : undefined), 2000, 2);
  assert.deepEqual(sink.batches.slice(0, 2).map((b) => b.length), [10, 10]);
  assert.equal(sink.delivered.length, 20, 'the last 5 wait for the interval');
  await waitFor('the rest after the interval', () => (sink.delivered.length === 25 ? true : undefined), 2000, 5);
  assert.deepEqual(sink.delivered, Array.from({ length: 25 }, (_, i) => line(i)));
  assert.equal(sink.maxInFlight, 1);
  assert.equal(counters.get(SLOT.sent), 25);
  assert.equal(counters.get(SLOT.bufferedLines), 0);
});

test('a batch stops before maxBatchBytes (but always holds at least one line)', async () => {
  const { shipper, sink } = setup({ maxBatchLines: 100, maxBatchBytes: 1024 });
  const big = line(0, 2000);
  shipper.accept(big);
  for (let i = 1; i <= 9; i++) shipper.accept(line(i, 300));
  await shipper.flush(2000);
  assert.deepEqual(sink.batches[0], [big], 'a line larger than a batch goes alone');
  for (const batch of sink.batches.slice(1)) {
    assert.ok(batch.reduce((n, l) => n + Buffer.byteLength(l), 0) <= 1024);
  }
  assert.equal(sink.delivered.length, 10);
});

test('bound in lines: the oldest waiting lines are dropped, the batch in flight is kept, all counted', async () => {
  const { shipper, sink, counters, events } = setup({ maxBufferLines: 50, maxBatchLines: 10 });
  sink.hold = true;
  for (let i = 0; i < 10; i++) shipper.accept(line(i));
  await waitFor('first batch in flight', () => (sink.inFlight === 1 ? true : undefined), 2000, 2);
  for (let i = 10; i < 200; i++) shipper.accept(line(i));
  assert.equal(counters.get(SLOT.bufferedLines), 50, 'held: 10 in flight + 40 waiting');
  assert.equal(counters.get(SLOT.droppedBufferFull), 150);
  assert.equal(events.filter((e) => e.type === 'dropped').length, 1, 'reported once per episode');
  sink.release();
  await shipper.flush(2000);
  const expected = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 40 }, (_, i) => 160 + i)];
  assert.deepEqual(sink.delivered.map((l) => (JSON.parse(l) as { i: number }).i), expected, 'in flight + the newest 40');
  assert.equal(counters.get(SLOT.sent) + counters.get(SLOT.droppedBufferFull), 200, 'every line is sent or counted');
});

test('bound in bytes: same rule; a line larger than the whole bound is dropped alone', async () => {
  const { shipper, sink, counters } = setup({ maxBufferBytes: 2000, maxBatchLines: 5 });
  sink.hold = true;
  const lines = Array.from({ length: 30 }, (_, i) => line(i, 100 - String(i).length)); // 117 bytes each
  const size = Buffer.byteLength(lines[0]!);
  for (const l of lines) shipper.accept(l);
  const heldBytes = counters.get(SLOT.bufferedBytes);
  assert.ok(heldBytes <= 2000 && heldBytes > 2000 - size, `held ${heldBytes} bytes`);
  assert.equal(counters.get(SLOT.bufferedLines), Math.floor(2000 / size));
  const before = counters.get(SLOT.droppedBufferFull);
  assert.equal(before, 30 - Math.floor(2000 / size));
  shipper.accept(line(99, 3000));
  assert.equal(counters.get(SLOT.droppedBufferFull), before + 1, 'only the oversized line is dropped');
  assert.equal(counters.get(SLOT.bufferedLines), Math.floor(2000 / size), 'the held lines stay');
  sink.release();
  await shipper.flush(2000);
  assert.equal(counters.get(SLOT.sent) + counters.get(SLOT.droppedBufferFull), 31);
});

test('network errors, 429 and 5xx: the same batch again after a backoff, until it goes through', async () => {
  const { shipper, sink, counters, events } = setup({ minBackoffMs: 10, maxBackoffMs: 40 });
  const failures: SendResult[] = [
    { ok: false, retry: true, error: 'ECONNREFUSED' },
    { ok: false, retry: true, status: 503 },
    { ok: false, retry: true, status: 429 },
  ];
  const stamps: number[] = [];
  sink.next = (n) => {
    stamps.push(Date.now());
    return failures[n - 1] ?? { ok: true };
  };
  for (let i = 0; i < 3; i++) shipper.accept(line(i));
  await waitFor('delivered after 3 failures', () => (sink.delivered.length === 3 ? true : undefined), 3000, 5);
  assert.equal(sink.attempts.length, 4);
  assert.ok(sink.attempts.every((a) => a.length === 3), 'the same batch each time');
  assert.ok(stamps[1]! - stamps[0]! >= 7 && stamps[3]! - stamps[2]! >= 25, `backoff grows: ${stamps.map((s) => s - stamps[0]!)}`);
  assert.equal(counters.get(SLOT.failedAttempts), 3);
  assert.equal(counters.get(SLOT.sent), 3);
  assert.deepEqual(events.map((e) => e.type), ['failed', 'failed', 'failed', 'recovered']);
});

test('other 4xx: the batch is dropped as rejected, not retried; shipping goes on', async () => {
  const { shipper, sink, counters, events } = setup({ maxBatchLines: 2 });
  sink.next = (n) => (n === 1 ? { ok: false, retry: false, status: 400, error: 'HTTP 400: bad timestamp' } : { ok: true });
  for (let i = 0; i < 4; i++) shipper.accept(line(i));
  await shipper.flush(2000);
  assert.equal(sink.attempts.length, 2);
  assert.equal(counters.get(SLOT.droppedRejected), 2);
  assert.equal(counters.get(SLOT.sent), 2);
  assert.deepEqual(events[0], { type: 'rejected', lines: 2, status: 400, error: 'HTTP 400: bad timestamp' });
});

test('flush resolves when what was accepted before it is delivered, and after its timeout when it cannot be', async (t) => {
  const { shipper, sink } = setup({ batchIntervalMs: 60_000 });
  shipper.accept(line(1));
  await shipper.flush(2000);
  assert.equal(sink.delivered.length, 1, 'flush does not wait for the batch interval');
  t.after(() => shipper.close(0));

  sink.next = () => ({ ok: false, retry: true, error: 'down' });
  shipper.accept(line(2));
  const started = Date.now();
  await shipper.flush(100);
  const took = Date.now() - started;
  assert.ok(took >= 90 && took < 1000, `flush gave up after its timeout (${took} ms)`);
  assert.equal(shipper.held.lines, 1, 'the line is still held, to be retried');
});

test('close sends what is held; with the receiver down, its deadline drops the rest, counted as shutdown', async () => {
  const ok = setup({ batchIntervalMs: 60_000 });
  for (let i = 0; i < 25; i++) ok.shipper.accept(line(i));
  await ok.shipper.close(2000);
  assert.equal(ok.sink.delivered.length, 25);
  ok.shipper.accept(line(99));
  assert.equal(ok.counters.get(SLOT.droppedShutdown), 1, 'a line after close is dropped and counted');

  const down = setup({ batchIntervalMs: 60_000, minBackoffMs: 10, maxBackoffMs: 10 });
  down.sink.next = () => ({ ok: false, retry: true, error: 'ECONNREFUSED' });
  for (let i = 0; i < 25; i++) down.shipper.accept(line(i));
  const started = Date.now();
  await down.shipper.close(150);
  const took = Date.now() - started;
  assert.ok(took >= 140 && took < 1000, `close is bounded (${took} ms)`);
  assert.equal(down.counters.get(SLOT.droppedShutdown), 25);
  assert.equal(down.counters.get(SLOT.bufferedLines), 0);

  const discard = setup({ batchIntervalMs: 60_000 });
  for (let i = 0; i < 5; i++) discard.shipper.accept(line(i));
  await discard.shipper.close(5000, true);
  assert.equal(discard.sink.attempts.length, 0);
  assert.equal(discard.counters.get(SLOT.droppedShutdown), 5);
});
