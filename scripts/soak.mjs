#!/usr/bin/env node
// The soak: the hardening suite's "backends failing under load" run, longer. A plain node:http service instrumented
// by nodemeter (its own process, 100% sampling, one shipped log line per request) takes a fixed request rate while
// a fake Zipkin and a fake log receiver (their own processes, 127.0.0.1 only) alternate between healthy and each
// failure mode: refusing connections, answering 500, answering after 5 s, accepting and never answering. It stops
// by itself after the duration, then prints every round, the memory, and the drop counters against what the fakes
// received. Exit status 1 when a check fails. Documented in docs/soak.md.
//
//   node scripts/soak.mjs [--minutes 3] [--rate 400] [--round-seconds 10]
//
// Runs the TypeScript sources through tsx (a devDependency), so it works in a checkout without a build.
import { register } from 'tsx/esm/api';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    rate: { type: 'string', default: '400' },
    'round-seconds': { type: 'string', default: '10' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const roundMs = Number(values['round-seconds']) * 1000;
if (!(minutes > 0 && rate > 0 && roundMs >= 1000)) {
  console.error('usage: node scripts/soak.mjs [--minutes 3] [--rate 400] [--round-seconds 10]');
  process.exit(2);
}
if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`node ${process.version}: nodemeter needs Node 22 or newer (npx -y node@22 scripts/soak.mjs)`);
  process.exit(2);
}

register();
const { runFaultRounds, faultRatios, median } = await import('../test/hardening/helpers/fault-rounds.ts');

const modes = ['refuse', '500', 'slow', 'silent'];
// One cycle = a healthy and a faulty round per mode; plus the warm-up, the last healthy round and the drain.
const cycles = Math.max(1, Math.round((minutes * 60_000 - 5_000 - roundMs) / (roundMs * 2 * modes.length)));
const started = Date.now();
console.log(`soak: ${cycles} cycle(s) of ${modes.length} modes, ${roundMs / 1000} s rounds, ${rate} req/s, node ${process.version}`);
const r = await runFaultRounds({ roundMs, rate, cycles, modes, exportTimeoutMs: 8000, logBufferLines: 1000 });

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
const spansDropped = sum(r.spans.dropped);
const logsDropped = sum(r.logs.dropped);
const healthy = r.rounds.filter((x) => x.mode === 'ok');
const cpu = faultRatios(r.rounds, (x) => x.cpuPerRequestUs);
const p99 = faultRatios(r.rounds, (x) => x.p99Ms);
const byMode = (xs) => modes.map((m) => `${m} ${median(xs.filter((x) => x.mode === m).map((x) => x.ratio)).toFixed(2)}`).join(', ');
const checks = [
  ['every request answered 200', r.rounds.every((x) => x.non2xx === 0 && x.errors === 0)],
  ['no unhandled rejection or exception', r.unhandled.length === 0],
  ['clean exit after shutdown()', r.exitedCleanly],
  ['spans: exported + dropped = produced', r.spans.exported + spansDropped === r.spans.produced],
  ['spans: exported = received by the fake Zipkin', r.spans.exported === r.spans.atZipkin],
  ['logs: sent + dropped = produced', r.logs.sent + logsDropped === r.logs.produced],
  ['logs: sent = received by the fake receiver', r.logs.sent === r.logs.atReceiver],
];
console.log(`
soak finished in ${((Date.now() - started) / 1000).toFixed(0)} s: ${r.requests} requests
  RSS after warm-up ${r.rssBaselineMiB.toFixed(1)} MiB, max ${r.rssMaxMiB.toFixed(1)} MiB (+${(r.rssMaxMiB - r.rssBaselineMiB).toFixed(1)}); ` +
  `RSS at the end of each healthy round: ${healthy.map((x) => x.rssMiB.toFixed(0)).join(' ')} MiB
  CPU per request, faulty ÷ neighbouring healthy rounds (median per mode): ${byMode(cpu)}; overall median ${median(cpu.map((x) => x.ratio)).toFixed(2)}
  p99 latency, same ratio: ${byMode(p99)}; overall median ${median(p99.map((x) => x.ratio)).toFixed(2)}; healthy p99 median ${median(healthy.map((x) => x.p99Ms)).toFixed(1)} ms
  spans: produced ${r.spans.produced}, exported ${r.spans.exported}, at Zipkin ${r.spans.atZipkin}, dropped ${JSON.stringify(r.spans.dropped)}
  logs:  produced ${r.logs.produced}, sent ${r.logs.sent}, at receiver ${r.logs.atReceiver}, dropped ${JSON.stringify(r.logs.dropped)}
  drain ${r.drainMs} ms
${checks.map(([what, ok]) => `  ${ok ? 'ok  ' : 'FAIL'} ${what}`).join('\n')}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
