// CPU profile of one benchmark server under load: where a variant's time per request goes.
//
//   node benchmarks/http-overhead/profile.mjs <express|fastify> <variant> [seconds=8] [top=25]
//
// Starts server.mjs with --cpu-prof (same variants, `-before` and NM_BEFORE/NM_AFTER as run.mjs), drives it with
// autocannon on 127.0.0.1, stops it, and prints the top frames by self time (% of the profile's samples, idle and
// GC included) and a summary per package. The .cpuprofile stays in the printed directory (open it in DevTools).
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
const self = new Map();
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const total = profile.samples.length;
const pkgs = new Map();
for (const [id, n] of counts) {
  const f = byNode.get(id).callFrame;
  const url = f.url.replace(/^file:\/\//, '');
  const where = !url ? '' : url.includes('node_modules/') && !url.includes('/.cache/') ? url.replace(/.*node_modules\//, '') : url.startsWith('node:') ? url : url.replace(/.*\/(dist|src)\//, 'nodemeter/$1/');
  const key = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + n);
  const pkg = !f.url ? f.functionName : f.url.startsWith('node:') ? 'node internals' : where.startsWith('nodemeter/') ? 'nodemeter' : where.split('/').slice(0, where.startsWith('@') ? 2 : 1).join('/');
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + n);
}
// µs of CPU per request in a frame: its samples × the sampling interval / requests served.
const interval = (profile.endTime - profile.startTime) / total;
const busy = total - (pkgs.get('(idle)') ?? 0);
const pct = (n) => `${((100 * n) / busy).toFixed(1).padStart(5)}%  ${((n * interval) / result.requests.total).toFixed(2).padStart(6)} µs/req`;
console.log(`${framework} ${variant}, node ${process.version}: ${result.requests.total} requests, ${total} samples, profile in ${dir}`);
console.log(`busy ${((busy * interval) / result.requests.total).toFixed(1)} µs/req (idle excluded); % of busy samples`);
console.log('\ntop frames by self time');
for (const [k, n] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`  ${pct(n)}  ${k}`);
console.log('\nby package');
for (const [k, n] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(n)}  ${k}`);
