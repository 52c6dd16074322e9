// HTTP overhead: bare vs instrumented, Express and Fastify, variants alternated in one run. Each round starts a
// fresh server process and drives it with autocannon on 127.0.0.1 for a fixed time. Traced variants export to a
// Zipkin-compatible sink in this process (accepts POST /api/v2/spans with 202, counts spans).
//
//   node benchmarks/http-overhead/run.mjs [secondsPerRound=5] [rounds=3] [connections=50]
//   VARIANTS=bare,metrics,traces10,traces100,logs10 (default) or e.g. bare,binders,http; FRAMEWORKS=express,fastify
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import autocannon from 'autocannon';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = Number(process.argv[4] ?? 50);
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
// On a 2-core machine the load generator and the server fight for the same cores; pin them apart when possible.
const PIN = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
if (PIN) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
const VARIANTS = (process.env.VARIANTS ?? 'bare,metrics,traces10,traces100,logs10').split(',');

let sunkSpans = 0;
const sink = createServer((req, res) => {
  if (req.url.startsWith('/loki/')) {
    // Log batches: drain only; parsing them here would slow the load generator.
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    try {
      sunkSpans += JSON.parse(body).length;
    } catch {
      /* not a span batch */
    }
    res.statusCode = 202;
    res.end();
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const ZIPKIN = `http://127.0.0.1:${sink.address().port}`;

async function round(framework, variant) {
  const args = [SERVER, framework, variant, ZIPKIN];
  const child = PIN
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => lines.push(...d.split('\n').filter(Boolean)));
  let exited = false;
  child.once('exit', () => (exited = true));
  while (lines.length === 0) {
    if (exited) throw new Error(`server ${framework} ${variant} exited before listening`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(lines[0]);
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/orders/${(i++ % 1000) + 1}` }) }],
  });
  child.stdin.write('stop\n');
  await once(child, 'exit');
  return {
    rps: result.requests.average,
    cpuPerReq: Number(lines[2]) / Math.max(1, result.requests.total),
    p50: result.latency.p50,
    p99: result.latency.p99,
    rss: Number(lines[1]) / 1024 / 1024,
    errors: result.errors + result.non2xx,
  };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
  `HTTP overhead, node ${process.version}, ${ROUNDS} rounds x ${SECONDS}s, ${CONNECTIONS} connections, GET /orders/:id` +
    (PIN ? ', load generator on CPU 0, server on CPU 1' : ''),
);
const FRAMEWORKS = (process.env.FRAMEWORKS ?? 'express,fastify').split(',');
for (const framework of FRAMEWORKS) {
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  await round(framework, 'bare'); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    // Alternate the order each round so no variant always runs on a warmer or cooler machine.
    for (const v of order) results[v].push(await round(framework, v));
  }
  // Medians over rounds; the ratio's spread is each round's figure against the same round's bare.
  const bare = median(results.bare.map((x) => x.rps));
  const bareCpu = median(results.bare.map((x) => x.cpuPerReq));
  console.log(`\n${framework}`);
  console.log('  variant            req/s   ratio (rounds)          cpu µs/req  cpu ratio  p99 ms  RSS MiB  errors');
  for (const v of VARIANTS) {
    const xs = results[v];
    const rps = median(xs.map((x) => x.rps));
    const perRound = xs.map((x, r) => (x.rps / results.bare[r].rps).toFixed(2)).join(' ');
    const cpu = median(xs.map((x) => x.cpuPerReq));
    console.log(
      `  ${v.padEnd(17)} ${rps.toFixed(0).padStart(6)}  ${(rps / bare).toFixed(2)}x (${perRound})`.padEnd(50) +
        `${cpu.toFixed(1).padStart(8)}  ${(bareCpu / cpu).toFixed(2).padStart(8)}x  ${median(xs.map((x) => x.p99)).toFixed(1).padStart(6)}  ${median(xs.map((x) => x.rss)).toFixed(0).padStart(7)}  ${xs.reduce((a, x) => a + x.errors, 0)}`,
    );
  }
}
console.log(`\nspans received by the sink: ${sunkSpans}`);
sink.close();
