// DB pool overhead: N simple queries (`SELECT 1` through pool.query) on a pg.Pool while bound by nodemeter and while
// not, same run, alternating rounds, concurrency = pool size. One pool is bound and unbound between rounds, so both
// sides use the same connections and the same database backends (two pools would differ by their backends'
// scheduling, which on a small machine outweighs what binding costs). Three variants:
//   outside spans    queries outside any request: metrics only (acquire/usage timers, gauges read at scrape)
//   10% sampled      each query inside a request span, 1 in 10 sampled (Spring's default probability): the
//                    sampled tenth also get a CLIENT span per query
//   all sampled      every query inside a sampled span: metrics + one CLIENT span per query
// In the span variants the unbound rounds run inside the same request spans, so the ratio is the cost of the query
// spans alone. Spans are exported (Zipkin JSON over HTTP) to a sink in this process, so exporting costs CPU here.
// Throughput on a small shared machine (the database competes for the same cores) swings by several percent from
// round to round, and so does the system time of the socket writes; the Node process's user CPU time per query
// (medians over rounds) is printed too, as the steadier measure of what binding costs. On Linux the process pins itself to one core when `taskset` is available (the database keeps the others).
// Measures and prints; never asserts. Needs PostgreSQL: POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test;
// `bash scripts/stack up postgres` starts one).
//
//   node --import tsx benchmarks/db/run.mjs [queries=10000] [rounds=6] [poolSize=10]
//   BENCH_JSON=<file> writes the table (../utils/bench-json.mjs)
import { spawnSync } from 'node:child_process';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import pg from 'pg';
import { bindPool } from '../../src/db/index.ts';
import { startSink } from '../utils/sink.mjs';
import { load, writeBenchJson } from '../utils/bench-json.mjs';
import { instrument } from '../../src/index.ts';

const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 6);
const SIZE = Number(process.argv[4] ?? 10);
const url = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PINNED = spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;

const loadStart = load();
const sink = await startSink();
const nm = instrument({
  serviceName: 'db-bench',
  diagLevel: 'error',
  // The span sink is an HTTP server in this process; it is not the service under test.
  http: { server: { enabled: false }, client: { enabled: false } },
  tracing: { samplingProbability: 1, zipkin: { endpoint: `${sink.url}/api/v2/spans` } },
});
const tracer = nm.tracing.tracer;

const pool = new pg.Pool({ connectionString: url, max: SIZE });
const deps = { registry: nm.registry, health: nm.health, observations: nm.observations, diag: nm.diag };
let unbind;
const bind = () => (unbind = bindPool(deps, pool, { name: 'bench-db', health: false }));

const unsampledParent = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.NONE });

/** Runs `count` queries with SIZE workers; `sampledEvery`: 0 outside spans, n: inside spans, every n-th sampled. */
async function run(pool, count, sampledEvery) {
  let next = 0;
  const one = (i) => {
    if (sampledEvery === 0) return pool.query('SELECT 1');
    if (i % sampledEvery === 0) {
      return tracer.startActiveSpan('request', async (span) => {
        await pool.query('SELECT 1');
        span.end();
      });
    }
    return context.with(trace.setSpan(context.active(), unsampledParent), () => pool.query('SELECT 1'));
  };
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await one(i);
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: SIZE }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { qps: (count / (performance.now() - t0)) * 1000, userUs: cpu.user / count, systemUs: cpu.system / count };
}

// Warm up: open every connection, let the JIT see both the bound and the unbound paths.
await Promise.all(Array.from({ length: SIZE }, () => pool.query('SELECT 1')));
for (const every of [0, 10, 1]) {
  await run(pool, 2_000, every);
  bind();
  await run(pool, 2_000, every);
  unbind();
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `pg pool, node ${process.version}, ${N} x SELECT 1 per round, ${ROUNDS} rounds, pool size ${SIZE}, concurrency ${SIZE}` +
    `${PINNED ? ', pinned to CPU 0' : ''}`,
);
const VARIANTS = [
  ['outside spans', 0],
  ['10% sampled', 10],
  ['all sampled', 1],
];
const rows = [];
for (const [label, every] of VARIANTS) {
  const results = { unbound: [], bound: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['unbound', 'bound'] : ['bound', 'unbound'];
    for (const v of order) {
      if (v === 'bound') bind();
      results[v].push(await run(pool, N, every));
      if (v === 'bound') unbind();
    }
  }
  const qps = (v) => results[v].map((x) => x.qps);
  const user = (v) => median(results[v].map((x) => x.userUs));
  const system = (v) => median(results[v].map((x) => x.systemUs));
  const ratios = results.bound.map((b, i) => b.qps / results.unbound[i].qps);
  console.log(
    `  ${label.padEnd(14)} unbound ${mean(qps('unbound')).toFixed(0).padStart(6)} q/s   bound ${mean(qps('bound')).toFixed(0).padStart(6)} q/s` +
      `   ratio ${(mean(qps('bound')) / mean(qps('unbound'))).toFixed(3)}x (median of rounds ${median(ratios).toFixed(3)}x)` +
      `   user CPU/query ${user('unbound').toFixed(1)} vs ${user('bound').toFixed(1)} µs (+${(user('bound') - user('unbound')).toFixed(1)})` +
      `   system ${system('unbound').toFixed(1)} vs ${system('bound').toFixed(1)} µs`,
  );
  console.log(`  ${''.padEnd(14)} per-round ratios ${ratios.map((x) => x.toFixed(3)).join(' ')}`);
  rows.push([
    label,
    mean(qps('unbound')).toFixed(0),
    mean(qps('bound')).toFixed(0),
    `${median(ratios).toFixed(3)} (${ratios.map((x) => x.toFixed(2)).join(' ')})`,
    `${user('unbound').toFixed(1)} → ${user('bound').toFixed(1)} (${user('bound') >= user('unbound') ? '+' : ''}${(user('bound') - user('unbound')).toFixed(1)})`,
    `${system('unbound').toFixed(1)} → ${system('bound').toFixed(1)}`,
  ]);
}
writeBenchJson({
  suite: 'db',
  title: `DB: ${N} × SELECT 1 through a pg pool bound by nodemeter vs unbound`,
  command: `node --import tsx benchmarks/db/run.mjs ${N} ${ROUNDS} ${SIZE}`,
  node: process.version,
  loadavg: { start: loadStart, end: load() },
  columns: ['variant', 'unbound q/s', 'bound q/s', 'ratio, median of rounds (rounds)', 'user CPU µs/query unbound → bound', 'system CPU µs/query'],
  rows,
  notes: [`pool size ${SIZE}, concurrency ${SIZE}, ${ROUNDS} rounds alternated, one pool bound and unbound between rounds${PINNED ? ', pinned to CPU 0' : ''}; spans exported to a sink in this process. Goal ≥ 0.97.`],
});
await Promise.all([pool.end(), nm.shutdown()]);
sink.close();
