// CPU per observation of a served request (a ReceiverContext without trace headers, as most requests arrive),
// through nodemeter's public observation registry with meters and tracing as instrument() sets them up: the
// machinery the HTTP, Kafka and DB integrations share, without the framework and socket costs that drown it in
// an HTTP run on a busy machine. Each variant runs in its own process; variants alternate per round; medians.
//
//   node benchmarks/tracing/observation.mjs [rounds=5] [observations=200000]
//   BUILDS=after,before (NM_AFTER / NM_BEFORE: dist/index.js of the builds; default: this package's dist only)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startSink } from '../utils/sink.mjs';

const SELF = fileURLToPath(import.meta.url);
const VARIANTS = (process.env.VARIANTS ?? 'off,p0,p0.1,p1').split(',');

if (process.argv[2] === '--child') {
  const [, , , entry, variant, zipkin, n] = process.argv;
  const nodemeter = await import(entry);
  const tracing = variant === 'off' ? { enabled: false } : { samplingProbability: Number(variant.slice(1)), zipkin: { endpoint: `${zipkin}/api/v2/spans` } };
  const nm = nodemeter.instrument({ serviceName: 'bench', diagLevel: 'error', tracing, logging: { console: false } });
  const convention = {
    name: 'http.server.requests',
    lowCardinalityKeyNames: ['method', 'outcome', 'status', 'uri'],
    lowCardinalityValues(_c, out) {
      out[0] = 'GET';
      out[1] = 'SUCCESS';
      out[2] = '200';
      out[3] = '/orders/{id}';
    },
    highCardinality: () => ({ 'http.url': '/orders/1' }),
    contextualName: () => 'http get /orders/{id}',
  };
  const getter = { get: (c, k) => c[k], keys: (c) => Object.keys(c) };
  class Served extends nodemeter.ReceiverContext {
    kind = 'server';
    convention = convention;
  }
  const work = () => 1;
  const count = Number(n);
  const run = () => {
    for (let i = 0; i < count; i++) nm.observations.observe(new Served({}, getter), work);
  };
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
