// Every benchmark suite on the runtime this is started with, each suite a child process writing its tables to
// BENCH_JSON, then docs/benchmarks.md's section for this Node major regenerated from the run (./report/render.mjs).
//
//   npm run bench                         (builds dist/, then runs this with the node npm runs on)
//   npx -y node@24 benchmarks/run-all.mjs (another runtime; build first with `npm run build`)
//   BENCH_QUICK=1        a smoke run: 1 round, short rounds (the section says so; its figures are not to be quoted)
//   BENCH_SUITES=http-express,scrape,…   only these suites (default: all of them in the order below but `db`)
//   BENCH_DOC=0          print the section instead of writing docs/benchmarks.md
//   NM_AFTER=<build>/index.js            measure that build instead of dist/ (passed on to every suite)
//
// Kafka needs a broker: KAFKA_BROKERS, else the repository's stack (`bash scripts/stack up kafka`) is started for
// the suite, and stopped afterwards only if this run started it. A suite that fails, times out or writes no
// results is reported as such in the section, never left out. Every suite has a time limit; load goes to 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSection, updateDoc } from './report/render.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const DOC = join(ROOT, 'docs/benchmarks.md');
const MAJOR = Number(process.versions.node.split('.')[0]);
const TSX = ['--import', 'tsx'];

// id, title (shown when a suite has no tables), script, node flags, arguments for a full and a quick run, extra
// environment, time limit in seconds (full run; a quick run gets half), whether it needs Kafka.
const SUITES = [
  { id: 'scrape', title: 'Scrape of 10,000 series', script: 'benchmarks/scrape.mjs', full: ['10000', '15', '20'], quick: ['10000', '3', '5'], limit: 120 },
  { id: 'http-express', title: 'HTTP, Express 5', script: 'benchmarks/http-overhead/run.mjs', full: ['5', '3', '10'], quick: ['2', '1', '10'], env: { FRAMEWORKS: 'express' }, limit: 420 },
  { id: 'http-fastify', title: 'HTTP, Fastify 5', script: 'benchmarks/http-overhead/run.mjs', full: ['5', '3', '10'], quick: ['2', '1', '10'], env: { FRAMEWORKS: 'fastify' }, limit: 420 },
  { id: 'kafka', title: 'Kafka, produce and consume', script: 'benchmarks/kafka/run.mjs', full: ['30000', '3', '10000'], quick: ['5000', '1', '2000'], limit: 420, kafka: true },
  { id: 'logging', title: 'Logging and log shipping', script: 'benchmarks/logging/run.mjs', flags: TSX, full: ['5', '3'], quick: [], limit: 300 },
  { id: 'observation', title: 'Tracing, one observation', script: 'benchmarks/tracing/observation.mjs', full: ['5', '100000'], quick: ['1', '20000'], limit: 240 },
  { id: 'startup', title: 'Start-up', script: 'benchmarks/startup/run.mjs', full: ['15'], quick: ['1'], limit: 240 },
  { id: 'footprint', title: 'Footprint after load', script: 'benchmarks/footprint/run.mjs', full: ['5', '2', '10'], quick: ['2', '1', '10'], limit: 300 },
  { id: 'install', title: 'Install size and tarball', script: 'benchmarks/footprint/install.mjs', full: [], quick: [], limit: 240 },
  // Only when asked for (BENCH_SUITES=db): it needs PostgreSQL (POSTGRES_URL, or `bash scripts/stack up postgres`).
  { id: 'db', title: 'DB pool, pg', script: 'benchmarks/db/run.mjs', flags: TSX, full: ['10000', '6'], quick: ['2000', '1'], limit: 300, optional: true },
];

if (MAJOR < 22) {
  console.error(`nodemeter runs on Node 22, 24 and 26; this is ${process.version}. Run \`npx -y node@24 benchmarks/run-all.mjs\` (after \`npm run build\`).`);
  process.exit(2);
}
const selected = process.env.BENCH_SUITES?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = selected?.filter((id) => !SUITES.some((s) => s.id === id)) ?? [];
if (unknown.length) {
  console.error(`unknown suite(s) ${unknown.join(', ')}; known: ${SUITES.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
const suites = selected ? SUITES.filter((s) => selected.includes(s.id)) : SUITES.filter((s) => !s.optional);
if (!process.env.NM_AFTER && !existsSync(join(ROOT, 'dist/index.js'))) {
  console.error('dist/ is missing: run `npm run build` first (`npm run bench` does), or set NM_AFTER to a build');
  process.exit(2);
}

const load = () => loadavg().map((l) => Math.round(l * 10) / 10);
const started = Date.now();
const loadStart = load();
const work = mkdtempSync(join(tmpdir(), 'nodemeter-bench-'));
const results = [];
let stackStartedKafka = false;

/** KAFKA_BROKERS for the Kafka suite: the caller's, else the stack's (started if it is not running). */
function kafkaEnv() {
  if (process.env.KAFKA_BROKERS) return { KAFKA_BROKERS: process.env.KAFKA_BROKERS };
  const stack = (args, timeout) => spawnSync('bash', ['scripts/stack', ...args], { cwd: ROOT, encoding: 'utf8', timeout });
  const running = stack(['status', 'kafka'], 30_000).status === 0;
  const up = stack(['up', 'kafka'], 300_000);
  if (up.status !== 0) throw new Error(`no KAFKA_BROKERS and \`bash scripts/stack up kafka\` failed (exit ${up.status ?? up.signal})\n${(up.stderr ?? '').trim().split('\n').slice(-8).join('\n')}`);
  stackStartedKafka = !running;
  const line = up.stdout.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  if (!line) throw new Error('`bash scripts/stack up kafka` printed no KAFKA_BROKERS');
  return { KAFKA_BROKERS: line.slice('KAFKA_BROKERS='.length).trim() };
}

/**
 * The part of a failed suite's stderr worth showing: its first error line and its last lines, without stack frames,
 * and without this machine's paths (the report is committed).
 */
function excerpt(stderr) {
  const lines = stderr.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l));
  const first = lines.find((l) => /error/i.test(l));
  const last = lines.slice(-8);
  const picked = first && !last.includes(first) ? [first, '…', ...last] : last;
  return picked.join('\n').replaceAll(ROOT, '').replaceAll(tmpdir(), '<tmp>');
}

/** Runs one suite as a child process (its own process group, so a time-out ends its servers too). */
async function runSuite(suite) {
  const args = QUICK ? suite.quick : suite.full;
  const command = `node ${[...(suite.flags ?? []), suite.script, ...args].join(' ')}`;
  const base = { id: suite.id, title: suite.title, command };
  const json = join(work, `${suite.id}.json`);
  let env;
  try {
    env = { ...process.env, ...(suite.env ?? {}), ...(suite.kafka ? kafkaEnv() : {}), BENCH_JSON: json, ...(QUICK ? { BENCH_QUICK: '1' } : {}) };
  } catch (e) {
    return { ...base, status: 'failed', error: e.message };
  }
  const limit = (QUICK ? suite.limit / 2 : suite.limit) * 1000;
  console.log(`\n=== ${suite.id}: ${command} (limit ${limit / 1000} s)`);
  const child = spawn(process.execPath, [...(suite.flags ?? []), suite.script, ...args], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.on('data', (d) => process.stdout.write(d));
  child.stderr.on('data', (d) => {
    process.stderr.write(d);
    stderr = (stderr + d).slice(-4000);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, limit);
  const [code, signal] = await new Promise((resolve) => child.once('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  const tail = excerpt(stderr);
  if (timedOut) return { ...base, status: 'failed', error: `timed out after ${limit / 1000} s\n${tail}` };
  if (code !== 0) return { ...base, status: 'failed', error: `exit ${code ?? signal}\n${tail}` };
  if (!existsSync(json)) return { ...base, status: 'no-json', code };
  try {
    const parsed = JSON.parse(readFileSync(json, 'utf8'));
    const tables = Array.isArray(parsed) ? parsed : [parsed];
    if (tables.length === 0) return { ...base, status: 'no-json', code };
    return { ...base, status: 'ok', tables };
  } catch (e) {
    return { ...base, status: 'failed', error: `its BENCH_JSON does not parse: ${e.message}` };
  }
}

/** Version of an installed package (read from its package.json: not every package exports that file). */
function version(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function nodemeterVersion() {
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const git = (args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const commit = git(['rev-parse', '--short', 'HEAD']).stdout?.trim();
  if (!commit) return own;
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src']).stdout?.trim();
  const build = process.env.NM_AFTER ? ', a private build' : '';
  return `${own} (commit ${commit}${dirty ? ', with uncommitted changes under src/' : ''}${build})`;
}

try {
  for (const suite of suites) {
    const t0 = Date.now();
    const r = { ...(await runSuite(suite)), durationS: (Date.now() - t0) / 1000 };
    results.push(r);
    console.log(`=== ${suite.id}: ${r.status} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  if (stackStartedKafka) spawnSync('bash', ['scripts/stack', 'down', 'kafka'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
  rmSync(work, { recursive: true, force: true });
}

const cpu = cpus();
const run = {
  major: MAJOR,
  node: process.version,
  date: `${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  quick: QUICK,
  selected,
  durationS: (Date.now() - started) / 1000,
  machine: {
    cpus: availableParallelism(),
    model: (cpu[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    os: `${type()} ${arch()}`,
    loadStart,
    loadEnd: load(),
  },
  versions: [
    ['nodemeter', nodemeterVersion()],
    ...[
      'prom-client',
      '@opentelemetry/api',
      '@opentelemetry/sdk-trace-node',
      '@opentelemetry/exporter-zipkin',
      'pino',
      'pino-loki',
      'kafkajs',
      'express',
      'fastify',
      'express-prom-bundle',
      '@opentelemetry/auto-instrumentations-node',
      '@opentelemetry/sdk-node',
      '@opentelemetry/instrumentation-kafkajs',
      'autocannon',
    ].map((n) => [n, version(n)]),
  ],
  suites: results,
};
const section = renderSection(run);
if (process.env.BENCH_DOC === '0') console.log(`\n${section}`);
else {
  writeFileSync(DOC, updateDoc(readFileSync(DOC, 'utf8'), MAJOR, section));
  console.log(`\ndocs/benchmarks.md: the Node ${MAJOR} section regenerated (${results.filter((r) => r.status === 'ok').length} of ${results.length} suites with results)`);
}
process.exitCode = results.every((r) => r.status === 'ok') ? 0 : 1;
