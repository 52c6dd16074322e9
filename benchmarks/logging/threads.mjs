// Where a shipped log line's cost goes in a server: the HTTP benchmark's server (../http-overhead/server.mjs) under
// autocannon, its CPU split per thread and its context switches per request, read from /proc (Linux only) before and
// after the load. Variants alternated per round, each in a fresh server process; medians over rounds.
//
//   node benchmarks/logging/threads.mjs [secondsPerRound=5] [rounds=4] [connections=10]
//   VARIANTS=traces100,logs100 (default; any HTTP variant, <name>-before with NM_BEFORE); FRAMEWORK=express|fastify;
//   NM_AFTER=<build>/index.js; BENCH_PIN=0 to leave the server unpinned (default: the server on CPU 1 alone, as a
//   container limited to one CPU runs it, the load generator on CPU 0)
//
// Per request served, per group of threads: CPU µs, voluntary switches (the thread went to sleep: a worker waiting
// for the next write) and involuntary ones (the thread was preempted: on one core, the main thread giving way to a
// worker that was just woken).
//   main     the server's JavaScript thread
//   worker   other threads named by their file (pino's transport worker: nodemeter's Loki worker)
//   v8       V8's platform threads (parallel and concurrent garbage collection, compilation) of every isolate
//   libuv    libuv's thread pool
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startSink } from '../utils/sink.mjs';
import { load, median } from '../utils/bench-json.mjs';
import { variantOf } from '../utils/http-variants.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 4);
const CONNECTIONS = Number(process.argv[4] ?? 10);
const FRAMEWORK = process.env.FRAMEWORK ?? 'express';
const VARIANTS = (process.env.VARIANTS ?? 'traces100,logs100').split(',').map(variantOf);
const SERVER = fileURLToPath(new URL('../http-overhead/server.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PIN = process.env.BENCH_PIN !== '0' && spawnSync('taskset', ['-c', '1', 'true']).status === 0;
if (PIN) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
const GROUPS = ['main', 'worker', 'v8', 'libuv'];

function group(comm) {
  if (comm === 'MainThread' || comm === 'node') return 'main';
  if (comm.startsWith('V8')) return 'v8';
  if (comm.startsWith('libuv')) return 'libuv';
  return 'worker';
}

/** CPU µs and switches per thread group of a process, now. */
function snapshot(pid) {
  const out = Object.fromEntries(GROUPS.map((g) => [g, { cpu: 0, vol: 0, nvol: 0 }]));
  const tick = 1e6 / 100; // USER_HZ is 100 on Linux
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const g = out[group(comm)];
      g.cpu += (Number(fields[11]) + Number(fields[12])) * tick;
      g.vol += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      g.nvol += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const sink = await startSink();
const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OTEL_|MANAGEMENT_|NODEMETER_|NODE_OPTIONS$|BENCH_JSON$)/.test(k)));

async function round(variant) {
  const args = [...(variant.nodeArgs ?? []), SERVER, FRAMEWORK, variant.name, sink.url];
  const options = { cwd: ROOT, env: { ...inherited, ...variant.env(sink.url) }, stdio: ['pipe', 'pipe', 'inherit'] };
  // taskset execs node: the child's pid is the server's.
  const child = PIN ? spawn('taskset', ['-c', '1', process.execPath, ...args], options) : spawn(process.execPath, args, options);
  const lines = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => lines.push(...d.split('\n').filter(Boolean)));
  const exit = once(child, 'exit');
  while (lines.length === 0) {
    if (child.exitCode !== null) throw new Error(`server ${variant.name} exited before listening`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const before = snapshot(child.pid);
  const sinkBefore = sink.counts().lines;
  let i = 0;
  await autocannon({
    url: `http://127.0.0.1:${Number(lines[0])}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/orders/${(i++ % 1000) + 1}` }) }],
  });
  const after = snapshot(child.pid);
  child.stdin.end('stop\n');
  await exit;
  const served = Number(lines[3]);
  const row = { process: Number(lines[2]) / served, arrived: sink.counts().lines - sinkBefore, served };
  for (const g of GROUPS) {
    row[`${g} cpu`] = (after[g].cpu - before[g].cpu) / served;
    row[`${g} vol`] = (after[g].vol - before[g].vol) / served;
    row[`${g} nvol`] = (after[g].nvol - before[g].nvol) / served;
  }
  return row;
}

console.log(
  `load average ${load().join(' ')}; node ${process.version}, ${FRAMEWORK}, ${ROUNDS} rounds x ${SECONDS}s, ` +
    `${CONNECTIONS} connections` + (PIN ? ', server on CPU 1 alone, load generator on CPU 0' : ', server unpinned'),
);
const results = new Map(VARIANTS.map((v) => [v.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) results.get(v.name).push(await round(v));
}
const keys = ['process', ...GROUPS.flatMap((g) => [`${g} cpu`, `${g} vol`, `${g} nvol`])];
console.log('per request served (medians over rounds): CPU µs, voluntary and involuntary context switches');
console.log([`${'variant'.padEnd(16)}`, ...keys.map((k) => k.padStart(11))].join(' '));
for (const [name, rows] of results) {
  const cells = keys.map((k) => median(rows.map((row) => row[k])).toFixed(k.endsWith('vol') ? 2 : 1).padStart(11));
  const lost = rows.some((row) => VARIANTS.find((v) => v.name === name).log && row.arrived < row.served);
  console.log(`${name.padEnd(16)} ${cells.join(' ')}${lost ? '  (lines lost)' : ''}`);
}
console.log(`load average ${load().join(' ')}`);
await sink.close?.();
process.exit(0);
