// @one-runtime about 50 s of two cores under load
/**
 * Backends failing under load. A plain node:http service (its own process, 100% sampling, one shipped log line per
 * request) takes a fixed rate of requests while a fake Zipkin and a fake log receiver (each its own process) are
 * healthy, then refuse connections, answer 500, answer after 5 s, accept and never answer, one mode per round,
 * healthy rounds in between (helpers/fault-rounds.ts).
 *
 * Asserted: every request answered 200, no unhandled rejection or exception, a clean exit; RSS growth after the
 * warm-up under RSS_BOUND_MIB; every span and every log line is either at the fake or in a drop counter (produced
 * = exported + dropped, exported = what the fake accepted; the same for lines); the service's CPU per request in a
 * faulty round within 1.2× of the healthy rounds beside it (median over the modes).
 *
 * Why CPU per request and not p99: with two cores shared by the load generator, two fakes, the service and the
 * other suites, p99 of neighbouring HEALTHY rounds was seen to differ by 5× (14 ms vs 230 ms); a 1.2× bound on
 * latency would fail for the machine, not for nodemeter. The p99 ratios are printed all the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultRatios, median, runFaultRounds } from './helpers/fault-rounds.js';

const RSS_BOUND_MIB = 96;

test('Zipkin and the log receiver failing under load: no failed request, no crash, bounded memory, exact drop counters', async () => {
  const r = await runFaultRounds({
    roundMs: Number(process.env.HARDENING_ROUND_MS ?? 4000),
    rate: 400,
    exportTimeoutMs: 8000,
    logBufferLines: 1000,
  });
  const cpu = faultRatios(r.rounds, (x) => x.cpuPerRequestUs);
  const p99 = faultRatios(r.rounds, (x) => x.p99Ms);
  const fmt = (xs: { mode: string; ratio: number }[]) => xs.map((x) => `${x.mode} ${x.ratio.toFixed(2)}`).join(', ');
  console.log(
    `faulty backends: ${r.requests} requests; RSS ${r.rssBaselineMiB.toFixed(1)} MiB after warm-up, max ${r.rssMaxMiB.toFixed(1)} MiB ` +
      `(+${(r.rssMaxMiB - r.rssBaselineMiB).toFixed(1)}, bound ${RSS_BOUND_MIB}); ` +
      `CPU/request faulty÷healthy: ${fmt(cpu)} (median ${median(cpu.map((x) => x.ratio)).toFixed(2)}); ` +
      `p99 faulty÷healthy (printed, not asserted): ${fmt(p99)} (median ${median(p99.map((x) => x.ratio)).toFixed(2)})\n` +
      `  spans: produced ${r.spans.produced}, exported ${r.spans.exported}, at Zipkin ${r.spans.atZipkin}, dropped ${JSON.stringify(r.spans.dropped)}, queued ${r.spans.queue}\n` +
      `  logs: produced ${r.logs.produced}, sent ${r.logs.sent}, at receiver ${r.logs.atReceiver}, dropped ${JSON.stringify(r.logs.dropped)}, buffered ${r.logs.buffered}; ` +
      `drain ${r.drainMs} ms, flushes hung ${r.flushesHung}`,
  );
  for (const round of r.rounds) {
    assert.equal(round.non2xx, 0, `${round.mode}: non-2xx answers`);
    assert.equal(round.errors, 0, `${round.mode}: request errors`);
  }
  assert.deepEqual(r.unhandled, []);
  assert.ok(r.exitedCleanly, 'the service exits 0 after shutdown()');
  assert.equal(r.flushesHung, 0);
  assert.ok(r.rssMaxMiB - r.rssBaselineMiB < RSS_BOUND_MIB, `RSS grew ${(r.rssMaxMiB - r.rssBaselineMiB).toFixed(1)} MiB`);

  const spansDropped = Object.values(r.spans.dropped).reduce((a, b) => a + b, 0);
  assert.equal(r.spans.exported, r.spans.atZipkin, 'exported spans = spans the fake Zipkin accepted');
  assert.equal(r.spans.queue, 0);
  assert.equal(r.spans.exported + spansDropped, r.spans.produced, 'every span exported or counted as dropped');
  assert.ok(spansDropped > 0, 'the faults did lose spans (else the test proves nothing)');
  const logsDropped = Object.values(r.logs.dropped).reduce((a, b) => a + b, 0);
  assert.equal(r.logs.sent, r.logs.atReceiver, 'sent lines = lines the fake receiver accepted');
  assert.equal(r.logs.buffered, 0);
  assert.equal(r.logs.sent + logsDropped, r.logs.produced, 'every line sent or counted as dropped');
  assert.equal(r.logs.produced, r.requests, 'one line per request');

  assert.ok(median(cpu.map((x) => x.ratio)) <= 1.2, `CPU per request in faulty rounds: ${fmt(cpu)}`);
});
