// CPU per observation of a served request (a ReceiverContext without trace headers, as most requests arrive),
// through nodemeter's public observation registry with meters and tracing as instrument() sets them up: the
// machinery the HTTP, Kafka and DB integrations share, without the framework and socket costs that drown it in
// an HTTP run on a busy machine. Each variant runs in its own process; variants alternate per round; medians.
//
//   node benchmarks/tracing/observation.mjs [rounds=5] [observations=200000]
//   VARIANTS=off,p0,p0.1,p1,off+4,p0.1+4 (default): tracing off, or on at that sampling probability; `+n`: one
//   observation of another kind every 1,000 (n kinds in turn: client, producer, consumer, internal), as a service
//   that also calls out, produces and consumes observes (benchmarks/utils/served-requests.mjs)
//   BUILDS=after,before (NM_AFTER / NM_BEFORE: dist/index.js of the builds; default: this package's dist only)
//   BENCH_JSON=<file>: the results also as JSON, in the format of benchmarks/utils/bench-json.mjs
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { load, writeBenchJson } from '../utils/bench-json.mjs';
import { servedRequests } from '../utils/served-requests.mjs';
import { startSink } from '../utils/sink.mjs';

const SELF = fileURLToPath(import.meta.url);
const VARIANTS = (process.env.VARIANTS ?? 'off,p0,p0.1,p1,off+4,p0.1+4').split(',');

if (process.argv[2] === '--child') {
  const [, , , entry, variant, zipkin, n] = process.argv;
  const nodemeter = await import(entry);
  const [sampling, kinds = '0'] = variant.split('+');
  const tracing = sampling === 'off' ? { enabled: false } : { samplingProbability: Number(sampling.slice(1)), zipkin: { endpoint: `${zipkin}/api/v2/spans` } };
  const nm = nodemeter.instrument({ serviceName: 'bench', diagLevel: 'error', tracing, logging: { console: false } });
  const count = Number(n);
  const observe = servedRequests(nodemeter, nm, { otherKinds: Number(kinds) });
  const run = () => observe(count);
  run(); // warm-up (JIT)
  const before = process.cpuUsage();
  run();
  const cpu = process.cpuUsage(before);
  await nm.shutdown?.();
  process.stdout.write(`${((cpu.user + cpu.system) / count).toFixed(3)}\n`);
  process.exit(0);
}

const ROUNDS = Number(process.argv[2] ?? 5);
const N = process.argv[3] ?? '200000';
const builds = (process.env.BUILDS ?? 'after').split(',');
const entryOf = (b) => (b === 'before' ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter'));
const sink = await startSink();
const results = new Map();
const loadStart = load();
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}; ${ROUNDS} rounds x ${N} observations`);
for (let r = 0; r < ROUNDS; r++) {
  const order = builds.flatMap((b) => VARIANTS.map((v) => [b, v]));
  if (r % 2) order.reverse();
  for (const [b, v] of order) {
    const child = spawn(process.execPath, [SELF, '--child', entryOf(b), v, sink.url, N], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await once(child, 'exit');
    const key = `${b} ${v}`;
    results.set(key, [...(results.get(key) ?? []), Number(out)]);
  }
}
sink.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('variant (build, tracing)   CPU µs per observation: median (min–max)');
for (const [k, xs] of results) console.log(`  ${k.padEnd(22)} ${median(xs).toFixed(2).padStart(6)}  (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`);

const LABELS = { off: 'tracing off (metrics only)', p0: 'tracing on, always_off (probability 0)', 'p0.1': 'tracing on, 10% sampled (the default)', p1: 'tracing on, 100% sampled' };
const labelOf = (k) => {
  const [b, variant] = k.split(' ');
  const [v, kinds] = variant.split('+');
  const what = `${LABELS[v] ?? `tracing ${v}`}${kinds ? `, among ${kinds} other kinds of observation (one in 1,000)` : ''}`;
  return builds.length > 1 ? `${what}, ${b}` : what;
};
const base = process.argv.slice(2).join(' ');
writeBenchJson({
  suite: 'observation',
  title: 'One observation of a served request (meters + tracing as instrument() sets them up, no framework or socket)',
  command: `node benchmarks/tracing/observation.mjs${base ? ` ${base}` : ''}`,
  node: process.version,
  loadavg: { start: loadStart, end: load() },
  columns: ['variant', 'CPU µs per observation (median)', 'range', 'processes'],
  rows: [...results].map(([k, xs]) => [labelOf(k), median(xs).toFixed(2), `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`, String(xs.length)]),
  notes: [
    'Each variant runs in its own process, variants alternate per round; CPU is process.cpuUsage() over the measured loop (after a warm-up loop of the same size), divided by the observations.',
    'The 100% variant drops most spans at the export queue: the loop outruns the exporter (the SDK counts them), so it measures span creation, not export.',
  ],
  headline: results.has(`${builds[0]} p0.1`)
    ? [{ what: 'one observation, tracing on at 10% (the default)', result: `${median(results.get(`${builds[0]} p0.1`)).toFixed(2)} µs CPU` }]
    : undefined,
});
