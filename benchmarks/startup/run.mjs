// Start-up cost: `import` + `instrument()` against bare Node, in the same run, in fresh processes, with the variants
// alternated round by round (a slow moment of the machine then hits every variant alike); the median of the rounds.
//
//   npm run bench:startup                       (builds, then runs)
//   node benchmarks/startup/run.mjs [rounds=21]  (uses the current dist/)
//   node benchmarks/startup/run.mjs [rounds] --before <dir>
//                                               also measures another build (a checkout of an earlier commit with
//                                               its own `npm run build`) in the same alternating rounds
//   NM_AFTER=<dist/index.js of a private build> measures that build instead of dist/; BENCH_JSON=<file> writes the
//   table (../utils/bench-json.mjs)
//
// Variants:
//   bare           node, an empty ESM script
//   metrics only   nodemeter with tracing off (NODEMETER_TRACING_ENABLED=false): registry, runtime binders, HTTP
//                  observation, actuator, logger
//   tracing on     nodemeter with its defaults (tracing on, Zipkin export)
//   otel trace sdk OpenTelemetry's NodeTracerProvider + BatchSpanProcessor + ZipkinExporter alone, registered
//   prom-client    `import('prom-client')` and one Registry: a reference row, the floor of a prom-client based SDK
//   prom-client lib  only prom-client's registry, counter and gauge modules, as nodemeter loads them: reference row
//   otel api       `import('@opentelemetry/api')` alone (nodemeter loads it with tracing off too): reference row
//
// Goals (issue 10): metrics only <= 60 ms and <= 10 MB RSS over bare; tracing on over bare <= the OTel trace SDK
// alone over bare.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { load, writeBenchJson } from '../utils/bench-json.mjs';

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const BEFORE = beforeAt >= 0 ? resolve(args.splice(beforeAt, 2)[1]) : undefined;
const ROUNDS = Number(args[0] ?? 21);
const root = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));
const AFTER = process.env.NM_AFTER ? pathToFileURL(resolve(process.env.NM_AFTER)).href : undefined;
const loadStart = load();
if (!AFTER && !existsSync(new URL('../../dist/index.js', import.meta.url))) {
  console.error('dist/ is missing: run `npm run build` (or `npm run bench:startup`)');
  process.exit(1);
}

const VARIANTS = [
  { name: 'bare', arg: 'bare', env: {} },
  { name: 'metrics only', arg: 'nodemeter', entry: AFTER, env: { NODEMETER_TRACING_ENABLED: 'false' } },
  { name: 'tracing on', arg: 'nodemeter', entry: AFTER, env: { NODEMETER_TRACING_ENABLED: 'true' } },
  { name: 'otel trace sdk', arg: 'otel-sdk', env: {} },
  { name: 'prom-client', arg: 'prom-client', env: {} },
  { name: 'prom-client lib', arg: 'prom-client-lib', env: {} },
  { name: 'otel api', arg: 'otel-api', env: {} },
];
if (BEFORE !== undefined) {
  const entry = pathToFileURL(resolve(BEFORE, 'dist/index.js')).href;
  VARIANTS.splice(
    3,
    0,
    { name: 'metrics (before)', arg: 'nodemeter', entry, env: { NODEMETER_TRACING_ENABLED: 'false' } },
    { name: 'tracing (before)', arg: 'nodemeter', entry, env: { NODEMETER_TRACING_ENABLED: 'true' } },
  );
}

function sample(variant) {
  const r = spawnSync(process.execPath, [CHILD, variant.arg, ...(variant.entry ? [variant.entry] : [])], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    // Only what the variant sets: an inherited NODE_OPTIONS or NODEMETER_* would change what is measured.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...variant.env },
  });
  if (r.status !== 0) throw new Error(`${variant.name}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const samples = new Map(VARIANTS.map((v) => [v.name, []]));
// One warm-up round fills the OS file cache; it is not counted.
for (const v of VARIANTS) sample(v);
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order, so no variant always runs right after the same other one.
  for (let i = 0; i < VARIANTS.length; i++) {
    const v = VARIANTS[(i + round) % VARIANTS.length];
    samples.get(v.name).push(sample(v));
  }
}

const MB = 1024 * 1024;
const bare = samples.get('bare');
const bareMs = median(bare.map((s) => s.ms));
const bareRss = median(bare.map((s) => s.rss)) / MB;
const rows = VARIANTS.map((v) => {
  const s = samples.get(v.name);
  const ms = median(s.map((x) => x.ms));
  const rss = median(s.map((x) => x.rss)) / MB;
  return { variant: v.name, ms, rss, overMs: ms - bareMs, overRss: rss - bareRss };
});

console.log(
  `node ${process.version}, ${ROUNDS} rounds (+1 warm-up), medians; "over" = minus bare in this run; ` +
    `load average at the end ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores\n`,
);
console.log('variant            ms since start   over bare   RSS MB   over bare');
for (const r of rows) {
  console.log(
    `${r.variant.padEnd(18)} ${r.ms.toFixed(1).padStart(14)} ${r.overMs.toFixed(1).padStart(11)} ${r.rss.toFixed(1).padStart(8)} ${r.overRss.toFixed(1).padStart(11)}`,
  );
}
const by = Object.fromEntries(rows.map((r) => [r.variant, r]));
const goals = [
  ['metrics only: <= 60 ms over bare', by['metrics only'].overMs <= 60],
  ['metrics only: <= 10 MB RSS over bare', by['metrics only'].overRss <= 10],
  ['tracing on: time over bare <= OTel trace SDK alone', by['tracing on'].overMs <= by['otel trace sdk'].overMs],
  ['tracing on: RSS over bare <= OTel trace SDK alone', by['tracing on'].overRss <= by['otel trace sdk'].overRss],
];
console.log('');
for (const [goal, met] of goals) console.log(`${met ? 'met   ' : 'MISSED'} ${goal}`);
const LABELS = {
  bare: 'bare: node, an empty ESM script',
  'metrics only': 'nodemeter metrics only (tracing off)',
  'tracing on': 'nodemeter defaults (tracing on, Zipkin export)',
  'otel trace sdk': 'OpenTelemetry trace SDK alone (NodeTracerProvider + BatchSpanProcessor + ZipkinExporter): comparison',
  'prom-client': "prom-client's entry and one Registry: reference",
  'prom-client lib': "prom-client's registry, counter and gauge modules (what nodemeter loads): reference",
  'otel api': '`@opentelemetry/api` alone: reference',
};
const goalOf = {
  'metrics only': `≤ 60 ms, ≤ 10 MB: ${goals[0][1] && goals[1][1] ? 'met' : 'missed'}`,
  'tracing on': `≤ the trace SDK alone: ${goals[2][1] && goals[3][1] ? 'met' : 'missed'}`,
};
writeBenchJson({
  suite: 'startup',
  title: 'Start-up: `import` + `instrument()` in a fresh process, over bare Node',
  command: `node benchmarks/startup/run.mjs ${ROUNDS}${BEFORE ? ' --before <dir>' : ''}`,
  node: process.version,
  loadavg: { start: loadStart, end: load() },
  columns: ['variant', 'ms since start', 'ms over bare', 'RSS MB', 'RSS MB over bare', 'goal'],
  rows: rows.map((r) => [LABELS[r.variant] ?? r.variant, r.ms.toFixed(1), r.overMs.toFixed(1), r.rss.toFixed(1), r.overRss.toFixed(1), goalOf[r.variant] ?? '']),
  headline: [
    { what: 'start-up, tracing on (defaults), over bare', result: `${by['tracing on'].overMs.toFixed(1)} ms, ${by['tracing on'].overRss.toFixed(1)} MB RSS`, goal: `≤ the trace SDK alone (${by['otel trace sdk'].overMs.toFixed(1)} ms, ${by['otel trace sdk'].overRss.toFixed(1)} MB)`, met: goals[2][1] && goals[3][1] },
  ],
  notes: [
    `${ROUNDS} rounds (+1 warm-up) of fresh processes, variants in rotating order, medians. RSS is steady from run to run; times on a shared machine resolve tens of ms only. "MB" here is MiB (2^20 bytes).`,
  ],
});
