// Garbage per request: how many bytes the young generation reclaims per request, per variant, side by side.
//
//   node benchmarks/http-overhead/allocation.mjs [requests=20000] [rounds=3]
//   VARIANTS=bare,metrics,traces10 FRAMEWORKS=fastify,express   (defaults shown; NM_AFTER/NM_BEFORE as run.mjs)
//
// Starts server.mjs with --trace-gc for each variant in turn (alternating per round), sends 5,000 requests to warm
// it up, then `requests` more over 10 connections (autocannon), and sums what each young-generation collection freed
// (before minus after, the figures V8 prints) while they ran: in a steady state that is what the requests
// allocated and dropped. Prints the median over the rounds per variant, and the difference to `bare`. Unlike CPU
// time it does not depend on how busy the machine is, so it tells whether an overhead is allocation (and the
// collections it causes) or not.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startSink } from '../utils/sink.mjs';

const [requests = '20000', rounds = '3'] = process.argv.slice(2);
const N = Number(requests);
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const variants = (process.env.VARIANTS ?? 'bare,metrics,traces10').split(',');
const frameworks = (process.env.FRAMEWORKS ?? 'fastify,express').split(',');
// Scavenge; Minor Mark-Sweep where V8 uses it for the young generation.
const YOUNG = /(Scavenge|Minor Mark-Sweep)\S*\s+([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/;
const sink = await startSink();

async function measure(framework, variant) {
  const child = spawn(process.execPath, ['--trace-gc', SERVER, framework, variant, sink.url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffered = '';
  let port;
  let counting = false;
  let freedMb = 0;
  let collections = 0;
  const listening = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${framework} ${variant} exited with ${code} before listening`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        if (port === undefined && /^\d+$/.test(line)) {
          port = Number(line);
          resolve();
          continue;
        }
        const m = counting ? YOUNG.exec(line) : null;
        if (m !== null) {
          freedMb += Number(m[2]) - Number(m[3]);
          collections++;
        }
      }
    });
  });
  await listening;
  let i = 0;
  const load = (amount) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: 10,
      amount,
      timeout: 10,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/orders/${(i++ % 1000) + 1}` }) }],
    });
  await load(5000);
  counting = true;
  await load(N);
  counting = false;
  const exited = new Promise((resolve) => child.once('close', resolve));
  child.stdin.end('stop\n');
  await exited;
  return { kbPerRequest: (freedMb * 1024) / N, collectionsPer1k: (collections * 1000) / N };
}

const results = new Map();
for (let round = 0; round < Number(rounds); round++) {
  for (const framework of frameworks) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const key = `${framework} ${variant}`;
      const r = await measure(framework, variant);
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(r);
      console.error(`round ${round + 1}: ${key} ${r.kbPerRequest.toFixed(2)} KB/request`);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nNode ${process.version}, ${N} requests per run, median of ${rounds} rounds\n`);
console.log('| framework | variant | KB reclaimed per request | over bare | young collections per 1k requests |');
console.log('|---|---|---|---|---|');
for (const framework of frameworks) {
  const bare = results.has(`${framework} bare`) ? median(results.get(`${framework} bare`).map((r) => r.kbPerRequest)) : undefined;
  for (const variant of variants) {
    const rs = results.get(`${framework} ${variant}`);
    const kb = median(rs.map((r) => r.kbPerRequest));
    const over = bare === undefined || variant === 'bare' ? '' : `${kb - bare >= 0 ? '+' : ''}${(kb - bare).toFixed(2)}`;
    console.log(`| ${framework} | ${variant} | ${kb.toFixed(2)} | ${over} | ${median(rs.map((r) => r.collectionsPer1k)).toFixed(2)} |`);
  }
}
await sink.close();
