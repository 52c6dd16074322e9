// CPU profile of one benchmark server under load: where a variant's time per request goes.
//
//   node benchmarks/http-overhead/profile.mjs <express|fastify> <variant> [seconds=8] [top=25]
//
// Starts server.mjs with --cpu-prof (same variants, `-before` and NM_BEFORE/NM_AFTER as run.mjs), drives it with
// autocannon on 127.0.0.1, stops it, and prints the server's CPU per request (process.cpuUsage), the top frames by
// self time, a summary per package, and the inclusive cost of nodemeter's and OpenTelemetry's frames (a sample
// counts once for each distinct frame on its stack). The .cpuprofile stays in the printed directory (open it in
// DevTools).
//
// The profiler samples wall time on the main thread: a sample taken inside the socket write syscall (`writev`,
// `writeUtf8String`) counts the time the process waited there, descheduled on a busy machine, as much as the
// kernel's own work. So the figures below leave those frames out ("busy, write excluded"), and the server's CPU per
// request is printed beside them: the two agree on a quiet machine only.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startSink } from '../utils/sink.mjs';

const [framework = 'fastify', variant = 'traces10', seconds = '8', top = '25'] = process.argv.slice(2);
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nm-prof-'));
const sink = await startSink();
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', dir, SERVER, framework, variant, sink.url], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = [];
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => lines.push(...d.split('\n').filter(Boolean)));
while (lines.length === 0) await new Promise((r) => setTimeout(r, 20));
let i = 0;
const result = await autocannon({
  url: `http://127.0.0.1:${lines[0]}`,
  connections: 10,
  duration: Number(seconds),
  requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/orders/${(i++ % 1000) + 1}` }) }],
});
child.stdin.write('stop\n');
await once(child, 'exit');
sink.close();

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const served = result.requests.total;
const self = new Map();
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const total = profile.samples.length;
const pkgs = new Map();
for (const [id, n] of counts) {
  const f = byNode.get(id).callFrame;
  const url = f.url.replace(/^file:\/\//, '');
  const where = !url ? '' : url.includes('node_modules/') && !url.includes('/.cache/') ? url.replace(/.*node_modules\//, '') : url.startsWith('node:') ? url : url.replace(/.*\/(dist|src|\.bench-builds\/[^/]+)\//, 'nodemeter/');
  const key = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + n);
  const pkg = !f.url ? f.functionName : f.url.startsWith('node:') ? 'node internals' : where.startsWith('nodemeter/') ? 'nodemeter' : where.split('/').slice(0, where.startsWith('@') ? 2 : 1).join('/');
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + n);
}
// µs of CPU per request in a frame: its samples × the sampling interval / requests served.
const interval = (profile.endTime - profile.startTime) / total;
const busy = total - (pkgs.get('(idle)') ?? 0);
const pct = (n) => `${((100 * n) / busy).toFixed(1).padStart(5)}%  ${((n * interval) / result.requests.total).toFixed(2).padStart(6)} µs/req`;
const writes = (pkgs.get('writev') ?? 0) + (pkgs.get('writeUtf8String') ?? 0) + (pkgs.get('writeLatin1String') ?? 0) + (pkgs.get('writeBuffer') ?? 0);
const perReq = (n) => ((n * interval) / served).toFixed(2);
console.log(`${framework} ${variant}, node ${process.version}: ${served} requests, ${total} samples, profile in ${dir}`);
console.log(`server CPU ${(Number(lines[2]) / served).toFixed(1)} µs/req (process.cpuUsage, profiler overhead included)`);
console.log(`busy ${perReq(busy)} µs/req (idle excluded), of which the socket write ${perReq(writes)}; busy, write excluded ${perReq(busy - writes)} µs/req; % of busy samples`);
console.log('\ntop frames by self time');
for (const [k, n] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`  ${pct(n)}  ${k}`);
console.log('\nby package');
for (const [k, n] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(n)}  ${k}`);

// Inclusive cost of the per-request path: a sample is nodemeter's (or OpenTelemetry's, prom-client's) when the
// first frame above its leaf that is not Node's own (node:*, natives, GC) is one of theirs; it then counts once for
// each distinct such frame on its stack, up to the first frame of the application or its framework. So a frame
// that calls the application back (the Express middleware's next(), a scope around the handler) is charged only
// for its own work, not for the routing and handler it runs.
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const labelOf = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\//, '');
  const where = url.includes('node_modules/') ? url.replace(/.*node_modules\//, '') : url.startsWith('node:') || !url ? url : url.replace(/.*\/(dist|src|\.bench-builds\/[^/]+)\//, 'nodemeter/');
  return { key: `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`, where };
};
const OURS = /^(nodemeter\/|@opentelemetry\/|prom-client\/)/;
const inclusive = new Map();
let anyOurs = 0;
for (const [id, n] of counts) {
  const leaf = byNode.get(id).callFrame;
  if (!leaf.url && leaf.functionName.startsWith('write')) continue; // the socket write syscall: see above
  const seen = new Set();
  let mine = false;
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const { key, where } = labelOf(byNode.get(at));
    if (where === '' || where.startsWith('node:')) continue;
    if (!OURS.test(where)) break;
    mine = true;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + n);
  }
  if (mine) anyOurs += n;
}
console.log(`\nnodemeter + OpenTelemetry + prom-client, inclusive of what they call but not of the application they call back: ${perReq(anyOurs)} µs/req`);
for (const [k, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`  ${pct(n)}  ${k}`);
