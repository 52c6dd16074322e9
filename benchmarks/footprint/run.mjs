// Footprint after load: RSS of a served process once it has handled the same load, bare vs nodemeter's
// configurations (and OpenTelemetry's auto-instrumentation when installed), with where the memory is: V8 heap
// spaces (new space grows with the allocation rate and is not retained data), heap used after a full GC (what
// is retained), external memory, and the heap at listen time (code and modules loaded).
//
//   node benchmarks/footprint/run.mjs [secondsPerRound=10] [rounds=3] [connections=10]
//   REQUESTS=<n>: every round serves n requests instead of running for a time. Prefer it on a shared machine: how
//   far V8 grows the young generation and how much reaches the old one depend on the work done, and a variant
//   that got less of the CPU in its seconds did less work.
//   VARIANTS=bare,metrics,traces10,traces100,otel10 (default: bare,metrics,traces10, plus otel10 when
//   @opentelemetry/auto-instrumentations-node is installed); FRAMEWORKS=express,fastify;
//   a variant may carry environment for its server: `traces10~OTEL_BSP_MAX_EXPORT_BATCH_SIZE=64`;
//   NM_AFTER=<build>/index.js, NM_BEFORE=<build>/index.js for `<variant>-before`; HEAP_SNAPSHOT=<dir>;
//   BENCH_JSON=<file> writes the tables as JSON.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SECONDS = Number(process.argv[2] ?? 10);
const REQUESTS = process.env.REQUESTS ? Number(process.env.REQUESTS) : undefined;
const LOAD = REQUESTS ? `${REQUESTS} requests` : `${SECONDS}s`;
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = Number(process.argv[4] ?? 10);
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const require = createRequire(import.meta.url);
const OTEL_AUTO = (() => {
  try {
    return require.resolve('@opentelemetry/auto-instrumentations-node/register');
  } catch {
    return undefined;
  }
})();
const VARIANTS = (process.env.VARIANTS ?? `bare,metrics,traces10${OTEL_AUTO ? ',otel10' : ''}`).split(',');
const FRAMEWORKS = (process.env.FRAMEWORKS ?? 'express,fastify').split(',');
const PIN = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
if (PIN) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
const loadStart = loadavg();

// A Zipkin-compatible sink: accepts every batch, parses none (it shares the load generator's core).
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.statusCode = 202;
    res.end();
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const ZIPKIN = `http://127.0.0.1:${sink.address().port}`;

async function round(framework, variantArg) {
  const [variant, ...assignments] = variantArg.split('~');
  const nodeArgs = ['--expose-gc'];
  const env = { ...process.env };
  for (const a of assignments) env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  if (variant === 'otel10') {
    if (!OTEL_AUTO) throw new Error('otel10 needs @opentelemetry/auto-instrumentations-node');
    nodeArgs.push('--require', OTEL_AUTO);
    Object.assign(env, {
      OTEL_SERVICE_NAME: 'bench',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${ZIPKIN}/api/v2/spans`,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_LOG_LEVEL: 'error',
      // No cloud metadata probes (they would leave this machine and only warn here).
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    });
  }
  const args = [...nodeArgs, SERVER, framework, variant, ZIPKIN];
  const child = PIN
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  const lines = [];
  child.stdout.setEncoding('utf8');
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop();
    lines.push(...parts.filter(Boolean));
  });
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
    ...(REQUESTS ? { amount: REQUESTS, timeout: 30 } : { duration: SECONDS }),
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/orders/${(i++ % 1000) + 1}` }) }],
  });
  child.stdin.write('stop\n');
  await once(child, 'exit');
  const out = JSON.parse(lines[1]);
  return { ...out, requests: result.requests.total, seconds: result.duration, errors: result.errors + result.non2xx };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f1 = (x) => x.toFixed(1);
const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

console.log(
  `load average ${loadStart.map(f1).join(' ')}; footprint after load, node ${process.version}, ${ROUNDS} rounds x ` +
    `${LOAD}, ${CONNECTIONS} connections, GET /orders/:id${PIN ? ', load generator on CPU 0, server on CPU 1' : ''}`,
);
const tables = [];
const COLUMNS = [
  'variant', 'RSS MiB after load', 'RSS over bare', 'at listen: RSS / heap used', 'new space MiB',
  'bytes surviving scavenges per request (scavenges)', 'old space MiB',
  'code space MiB', 'heap used after GC', 'external', 'seconds', 'CPU µs/req', 'spans exported / dropped',
];
for (const framework of FRAMEWORKS) {
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order each round so no variant always runs on a warmer or cooler machine.
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) results[v].push(await round(framework, v));
  }
  const m = (v, pick) => median(results[v].map(pick));
  const sum = (v, pick) => results[v].reduce((a, x) => a + pick(x), 0);
  const bareRss = m('bare', (x) => x.afterLoad.rss);
  const rows = VARIANTS.map((v) => {
    const rss = m(v, (x) => x.afterLoad.rss);
    return [
      v,
      `${f1(rss)} (${results[v].map((x) => f1(x.afterLoad.rss)).join(' ')})`,
      v === 'bare' ? '' : signed(rss - bareRss),
      `${f1(m(v, (x) => x.atListen.rss))} / ${f1(m(v, (x) => x.atListen.heapUsed))}`,
      `${f1(m(v, (x) => x.afterLoad.spaces.new_space.size))} (used ${f1(m(v, (x) => x.afterLoad.spaces.new_space.used))})`,
      `${m(v, (x) => x.gc.survived / Math.max(1, x.requests)).toFixed(0)} (${m(v, (x) => x.gc.scavenges)})`,
      `${f1(m(v, (x) => x.afterLoad.spaces.old_space.size))} (used ${f1(m(v, (x) => x.afterLoad.spaces.old_space.used))})`,
      f1(m(v, (x) => x.afterLoad.spaces.code_space.size)),
      f1(m(v, (x) => x.afterGc.heapUsed)),
      f1(m(v, (x) => x.afterLoad.external)),
      f1(m(v, (x) => x.seconds)),
      f1(m(v, (x) => x.cpuUs / Math.max(1, x.requests))),
      results[v][0].spans === undefined ? '' : `${sum(v, (x) => x.spans.exported ?? 0)} / ${sum(v, (x) => Object.entries(x.spans).filter(([k]) => k !== 'exported').reduce((a, [, n]) => a + n, 0))}`,
    ];
  });
  console.log(`\n${framework}`);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`;
  console.log(line(COLUMNS));
  for (const row of rows) console.log(line(row));
  const headline = [];
  for (const v of VARIANTS.filter((x) => x === 'traces10' || x === 'otel10')) {
    const over = m(v, (x) => x.afterLoad.rss) - bareRss;
    headline.push({
      what: `RSS over bare after load, ${v === 'traces10' ? 'nodemeter tracing at 10%' : 'OpenTelemetry auto-instrumentation at 10%'}, ${framework}`,
      result: `${signed(over)} MiB`,
      ...(v === 'traces10' ? { goal: '≤ 20 MB', met: over * 1.048576 <= 20 } : {}),
    });
  }
  tables.push({
    suite: `footprint-${framework}`,
    title: `RSS after load, ${framework === 'express' ? 'Express 5' : 'Fastify 5'} (MiB)`,
    columns: COLUMNS,
    rows,
    headline,
    notes: [
      `${ROUNDS} rounds x ${LOAD}, ${CONNECTIONS} connections, GET /orders/:id; medians (per-round RSS in brackets).`,
      'New space is sized by V8 after what survives scavenges: it grows (up to its maximum semi-space) each time the ' +
        'bytes that survived since its last growth exceed its capacity, and does not shrink while allocation stays fast; ' +
        'it is not retained data. Bytes surviving scavenges per request (copied within the young generation or ' +
        'promoted, from V8\'s GC profiler over the load) decide how far it grows for a given load. ' +
        '"Heap used after GC" is what stays reachable after a full GC.',
    ],
  });
}
sink.close();
const loadEnd = loadavg();
console.log(`\nload average at the end ${loadEnd.map(f1).join(' ')}`);
if (process.env.BENCH_JSON) {
  const command = `${REQUESTS ? `REQUESTS=${REQUESTS} ` : ''}node benchmarks/footprint/run.mjs ${SECONDS} ${ROUNDS} ${CONNECTIONS}`;
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify(tables.map((t) => ({
      ...t, command, node: process.version, loadavg: { start: loadStart, end: loadEnd },
    })), null, 2),
  );
}
