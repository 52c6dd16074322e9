// Cost of one scrape with 10,000 series: nodemeter's MeterRegistry vs raw prom-client registry.metrics(), in the
// same process, alternating rounds so both see the same machine state. Prints medians and the ratio.
//
//   node benchmarks/scrape.mjs [series=10000] [rounds=15] [scrapesPerRound=20]
//   NM_AFTER=<dist/index.js of a private build> (default: this package's dist/); BENCH_JSON=<file> (one table)
import { Gauge, Registry } from 'prom-client';
import { load, median, writeBenchJson } from './utils/bench-json.mjs';

const { Diag, createMeterRegistry } = await import(process.env.NM_AFTER ?? 'nodemeter');
const loadStart = load();

const SERIES = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 15);
const PER_ROUND = Number(process.argv[4] ?? 20);
const FAMILIES = 10;
const PER_FAMILY = SERIES / FAMILIES;
const common = { application: 'bench-service', region: 'eu-1' };

const raw = new Registry();
raw.setDefaultLabels(common);
for (let f = 0; f < FAMILIES; f++) {
  const g = new Gauge({ name: `bench_family_${f}_bytes`, help: 'bench', labelNames: ['id', 'area'], registers: [raw] });
  for (let i = 0; i < PER_FAMILY; i++) g.set({ id: `pool-${i}`, area: 'heap' }, i * 1.5);
}

const { application, ...rest } = common;
const nm = createMeterRegistry({ commonTags: { application, ...rest }, diag: new Diag('silent') });
for (let f = 0; f < FAMILIES; f++) {
  const g = nm.gauge(`bench.family.${f}`, { baseUnit: 'bytes', description: 'bench', labelNames: ['id', 'area'] });
  for (let i = 0; i < PER_FAMILY; i++) g.set({ id: `pool-${i}`, area: 'heap' }, i * 1.5);
}

const a = await raw.metrics();
const b = await nm.scrape();
if (a !== b) {
  console.error('the two expositions differ; the comparison would be unfair');
  process.exit(1);
}

async function round(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / PER_ROUND;
}

const rawTimes = [];
const nmTimes = [];
for (let i = 0; i < 3; i++) {
  await round(() => raw.metrics());
  await round(() => nm.scrape());
}
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2 === 0) {
    rawTimes.push(await round(() => raw.metrics()));
    nmTimes.push(await round(() => nm.scrape()));
  } else {
    nmTimes.push(await round(() => nm.scrape()));
    rawTimes.push(await round(() => raw.metrics()));
  }
}
const mr = median(rawTimes);
const mn = median(nmTimes);
console.log(`scrape of ${SERIES} series (${(b.length / 1024).toFixed(0)} KiB), node ${process.version}, ${ROUNDS} rounds x ${PER_ROUND} scrapes`);
console.log(`  prom-client registry.metrics()  median ${mr.toFixed(2)} ms`);
console.log(`  nodemeter registry.scrape()     median ${mn.toFixed(2)} ms`);
console.log(`  ratio nodemeter / prom-client   ${(mn / mr).toFixed(3)}x  (goal <= 1.05x)`);
const ratios = rawTimes.map((t, i) => (nmTimes[i] / t).toFixed(2)).join(' ');
writeBenchJson({
  suite: 'scrape',
  title: `Scrape of ${SERIES} series: nodemeter's registry vs raw prom-client`,
  command: `node benchmarks/scrape.mjs ${SERIES} ${ROUNDS} ${PER_ROUND}`,
  node: process.version,
  loadavg: { start: loadStart, end: load() },
  columns: ['variant', 'ms per scrape (median)', 'ratio to prom-client (rounds)', 'goal'],
  rows: [
    ['prom-client `registry.metrics()`', mr.toFixed(2), '1.00', ''],
    ['nodemeter `registry.scrape()`', mn.toFixed(2), `${(mn / mr).toFixed(3)} (${ratios})`, `≤ 1.05: ${mn / mr <= 1.05 ? 'met' : 'missed'}`],
  ],
  headline: [{ what: `scrape of ${SERIES} series, ratio to raw prom-client`, result: `${(mn / mr).toFixed(3)}`, goal: '≤ 1.05', met: mn / mr <= 1.05 }],
  notes: [
    `${(b.length / 1024).toFixed(0)} KiB exposition, byte-identical between the two (checked before measuring); ${ROUNDS} rounds × ${PER_ROUND} scrapes, the two alternated in one process.`,
  ],
});
