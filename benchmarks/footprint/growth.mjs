// When V8 grows a served process's young generation: one footprint server (server.mjs) under load with
// `--trace-gc-nvp`, each scavenge's survivors (copied within the young generation + promoted) summed from start-up,
// and every change of the semi-space capacity with what had survived since the change before. V8 grows the young
// generation once about its capacity in bytes has survived its scavenges since its last growth (docs/benchmarks.md,
// "Thirteenth look"), so this says whether start-up, the first requests or the steady load takes it there.
//
//   node benchmarks/footprint/growth.mjs <express|fastify> <variant>[~KEY=VALUE…] [requests=150000] [firstScavenges=0]
//   The variants and NM_AFTER / NM_BEFORE are server.mjs's; firstScavenges > 0 also prints each of the first n
//   scavenges. Spans go to the benchmarks' sink (../utils/sink.mjs), which accepts every batch. Load generator on
//   CPU 0, server on CPU 1 where taskset exists.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startSink } from '../utils/sink.mjs';

const [framework, variantArg, requestsArg, firstArg] = process.argv.slice(2);
if (framework === undefined || variantArg === undefined) {
  console.error('usage: node benchmarks/footprint/growth.mjs <express|fastify> <variant>[~KEY=VALUE…] [requests] [firstScavenges]');
  process.exit(2);
}
const REQUESTS = Number(requestsArg ?? 150000);
const FIRST = Number(firstArg ?? 0);
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const PIN = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
if (PIN) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });

const sink = await startSink();

const [variant, ...assignments] = variantArg.split('~');
const env = { ...process.env };
for (const a of assignments) env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
const args = ['--expose-gc', '--trace-gc-nvp', SERVER, framework, variant, sink.url];
const child = PIN
  ? spawn('taskset', ['-c', '1', process.execPath, ...args], { env, stdio: ['pipe', 'pipe', 'inherit'] })
  : spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });

const MiB = (b) => (b / 1048576).toFixed(2);
const field = (line, name) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? 0);
let pending = '';
let port;
let scavenges = 0;
let survived = 0;
let sinceChange = 0;
let capacity;
let atListen;
const lines = [];
child.stdout.on('data', (d) => {
  pending += d;
  for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
    const line = pending.slice(0, i);
    pending = pending.slice(i + 1);
    if (port === undefined && /^\d+$/.test(line)) {
      port = Number(line);
      atListen = { scavenges, survived, capacity };
      continue;
    }
    if (!line.includes('gc=s ')) continue;
    scavenges++;
    const bytes = field(line, 'new_space_survived') + field(line, 'promoted');
    survived += bytes;
    sinceChange += bytes;
    const when = port === undefined ? 'start-up' : 'load';
    if (scavenges <= FIRST) lines.push(`  scavenge ${scavenges} (${when}): ${(bytes / 1024).toFixed(0)} KiB survived`);
    const now = field(line, 'new_space_capacity');
    if (capacity !== undefined && now !== capacity) {
      lines.push(`  scavenge ${scavenges} (${when}): semi-space ${capacity / 1048576} -> ${now / 1048576} MiB, ${MiB(sinceChange)} MiB survived since the last change`);
      sinceChange = 0;
    }
    capacity = now;
  }
});
const exited = new Promise((r) => child.on('exit', r));
const deadline = Date.now() + 30_000;
while (port === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
if (port === undefined) throw new Error('the server did not print its port within 30 s');
await autocannon({ url: `http://127.0.0.1:${port}/orders/1`, connections: 10, amount: REQUESTS });
const atLoad = { scavenges, survived };
child.stdin.write('stop\n');
await exited;
sink.close();
console.log(
  `${framework} ${variantArg}, node ${process.version}: at listen ${atListen.scavenges} scavenges, ${MiB(atListen.survived)} MiB survived, ` +
    `semi-space ${atListen.capacity / 1048576} MiB; ${REQUESTS} requests: ${atLoad.scavenges - atListen.scavenges} scavenges, ` +
    `${((atLoad.survived - atListen.survived) / REQUESTS).toFixed(1)} bytes survived a request; semi-space at the end ${capacity / 1048576} MiB`,
);
for (const l of lines) console.log(l);
