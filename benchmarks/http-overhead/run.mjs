// HTTP overhead: bare, the usual peers and nodemeter, Express 5 and Fastify 5, variants alternated in one run. Each
// round starts a fresh server process per variant (its environment and node flags set as a user sets them: see
// ../utils/http-variants.mjs) and drives it with autocannon on 127.0.0.1 for a fixed time. Traced and logging
// variants export to a Zipkin/Loki sink in this process, which counts the spans and log lines that arrived (after
// the server flushed on stop): lines lost = lines logged − lines arrived.
//
//   node benchmarks/http-overhead/run.mjs [secondsPerRound=5] [rounds=3] [connections=10]
//   VARIANTS=bare,peer-metrics,otel10,otel100,metrics,traces10,zero10,traces100,logs100,otel-all3 (default; also logs10,
//   traces0, traces1, traces1held, binders, http, and any as <name>-before with NM_BEFORE); FRAMEWORKS=express,fastify;
//   NM_AFTER=<dist/index.js>;
//   BENCH_PIN=0 to not pin the load generator and the server to different cores; BENCH_JSON=<file> (one table per
//   framework, see ../utils/bench-json.mjs); BENCH_OUTGOING_MS=1000 makes every server, bare included, call the
//   sink once a second, as a service that calls another (see server.mjs); BENCH_WORK_US=<µs> makes every request
//   busy-wait that long (the harness's calibration, see server.mjs); BENCH_TRACEPARENT=1 sends every request
//   (to every variant, bare included) with a W3C traceparent, one in ten sampled, as the requests a service inside a
//   fleet traced at Spring's default receives: the server then joins those traces instead of starting its own
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startSink } from '../utils/sink.mjs';
import { load, median, writeBenchJson } from '../utils/bench-json.mjs';
import { DEFAULT_HTTP_VARIANTS, variantOf } from '../utils/http-variants.mjs';
import { traceparents } from '../utils/traceparents.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = Number(process.argv[4] ?? 10);
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// On a 2-core machine the load generator and the server fight for the same cores; pin them apart when possible.
const PIN = process.env.BENCH_PIN !== '0' && spawnSync('taskset', ['-c', '1', 'true']).status === 0;
if (PIN) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
const VARIANTS = (process.env.VARIANTS ?? DEFAULT_HTTP_VARIANTS.join(',')).split(',').map(variantOf);
if (!VARIANTS.some((v) => v.name === 'bare')) VARIANTS.unshift(variantOf('bare'));
const FRAMEWORKS = (process.env.FRAMEWORKS ?? 'express,fastify').split(',');
const loadStart = load();
// BENCH_TRACEPARENT=1: the incoming trace contexts, drawn once (ids random, one in ten sampled), cycled through.
const PARENTS = process.env.BENCH_TRACEPARENT === '1' ? traceparents(1000) : undefined;

const sink = await startSink();
// Variables that would change what a variant measures are not inherited: each variant sets its own.
const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OTEL_|MANAGEMENT_|NODEMETER_|NODE_OPTIONS$|BENCH_JSON$)/.test(k)));

async function round(framework, variant) {
  const args = [...(variant.nodeArgs ?? []), SERVER, framework, variant.name, sink.url];
  const env = { ...inherited, ...variant.env(sink.url) };
  const options = { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] };
  const child = PIN ? spawn('taskset', ['-c', '1', process.execPath, ...args], options) : spawn(process.execPath, args, options);
  const lines = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => lines.push(...d.split('\n').filter(Boolean)));
  let exited = false;
  const exit = once(child, 'exit');
  exit.then(() => (exited = true));
  while (lines.length === 0) {
    if (exited) throw new Error(`server ${framework} ${variant.name} exited before listening`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(lines[0]);
  const before = sink.counts();
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const n = i++ % 1000;
          return PARENTS ? { ...req, path: `/orders/${n + 1}`, headers: { ...req.headers, traceparent: PARENTS[n] } } : { ...req, path: `/orders/${n + 1}` };
        },
      },
    ],
  });
  child.stdin.end('stop\n');
  const [code] = await exit;
  if (code !== 0) throw new Error(`server ${framework} ${variant.name} exited with ${code} on stop`);
  const after = sink.counts();
  const served = Number(lines[3]);
  return {
    rps: result.requests.average,
    cpuPerReq: Number(lines[2]) / Math.max(1, served),
    p99: result.latency.p99,
    rss: Number(lines[1]) / 1024 / 1024,
    errors: result.errors + result.non2xx,
    served,
    spans: after.spans - before.spans,
    lines: after.lines - before.lines,
  };
}

console.log(
  `load average ${loadStart.join(' ')}; HTTP overhead, node ${process.version}, ${ROUNDS} rounds x ${SECONDS}s, ` +
    `${CONNECTIONS} connections, GET /orders/:id` + (PIN ? ', load generator on CPU 0, server on CPU 1' : '') +
    (process.env.BENCH_OUTGOING_MS ? `, every server (bare too) makes one outgoing GET every ${process.env.BENCH_OUTGOING_MS} ms` : '') +
    (PARENTS ? ', every request with a W3C traceparent (one in ten sampled)' : ''),
);
const COLUMNS = [
  'variant',
  'req/s',
  'ratio to bare (rounds)',
  'CPU µs/req',
  'CPU × bare',
  'p99 ms',
  'RSS MiB',
  'RSS over bare',
  'spans arrived per req',
  'log lines arrived / logged',
  'goal (ratio to bare)',
];
const tables = [];
const f = (x, d = 1) => x.toFixed(d);
for (const framework of FRAMEWORKS) {
  const results = new Map(VARIANTS.map((v) => [v.name, []]));
  await round(framework, variantOf('bare')); // warm-up: file cache, CPU frequency
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order each round so no variant always runs on a warmer or cooler machine.
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) {
      // A round that fails is kept as such (shown in its row), so one crashing variant does not cost the others.
      results.get(v.name).push(
        await round(framework, v).catch((e) => {
          console.error(`${framework} ${v.name}, round ${r + 1}: ${e.message}`);
          return { error: e.message };
        }),
      );
    }
  }
  // Medians over rounds; the ratio's spread is each round's figure against the same round's bare.
  const bareAll = results.get('bare');
  const bareRuns = bareAll.filter((x) => !x.error);
  if (bareRuns.length === 0) throw new Error(`${framework}: every bare round failed: ${bareAll[0].error}`);
  const bare = median(bareRuns.map((x) => x.rps));
  const bareCpu = median(bareRuns.map((x) => x.cpuPerReq));
  const bareRss = median(bareRuns.map((x) => x.rss));
  const rows = [];
  const headline = [];
  let peer;
  for (const v of VARIANTS) {
    const all = results.get(v.name);
    const xs = all.filter((x) => !x.error);
    const failed = all.filter((x) => x.error);
    const failure = failed.length ? ` (${failed.length} of ${all.length} rounds failed: ${failed[0].error})` : '';
    if (xs.length === 0) {
      rows.push([`${v.labels?.[framework] ?? v.label} [${v.name}]${failure}`, 'failed', ...COLUMNS.slice(2).map(() => '')]);
      continue;
    }
    const rps = median(xs.map((x) => x.rps));
    const ratio = rps / bare;
    // A goal is judged on the ratio as shown (two decimals), so a row never reads "0.92, ≥ 0.92: missed".
    const shown = Number(f(ratio, 2));
    const perRound = all.map((x, r) => (x.error || bareAll[r].error ? '–' : f(x.rps / bareAll[r].rps, 2))).join(' ');
    const cpu = median(xs.map((x) => x.cpuPerReq));
    const rss = median(xs.map((x) => x.rss));
    const served = xs.reduce((a, x) => a + x.served, 0);
    const spans = xs.reduce((a, x) => a + x.spans, 0);
    const lines = xs.reduce((a, x) => a + x.lines, 0);
    const errors = xs.reduce((a, x) => a + x.errors, 0);
    const lostPerRound = xs.map((x) => x.served - x.lines).join(' ');
    const logged = v.log ? `${lines} / ${served}${lines === served ? '' : ` (${served - lines} lost; rounds: ${lostPerRound})`}` : '';
    const goalMet = v.goal === undefined ? undefined : shown >= v.goal && (!v.log || lines === served);
    const goal = v.goal === undefined ? '' : `≥ ${v.goal}${v.log ? ', 0 lines lost' : ''}: ${goalMet ? 'met' : 'missed'}`;
    rows.push([
      `${v.labels?.[framework] ?? v.label} [${v.name}]${errors ? ` (${errors} errors)` : ''}${failure}`,
      f(rps, 0),
      `${f(ratio, 2)} (${perRound})`,
      f(cpu),
      f(cpu / bareCpu, 2),
      f(median(xs.map((x) => x.p99))),
      f(rss, 0),
      `${rss - bareRss >= 0 ? '+' : ''}${f(rss - bareRss)}`,
      spans || v.spansExpected ? `${f(spans / Math.max(1, served), 3)}${v.spansExpected ? ` (expected ${v.spansExpected})` : ''}` : '',
      logged,
      goal,
    ]);
    if (v.headline && !v.before) {
      const rssOver = rss - bareRss;
      headline.push(
        { what: `${v.label}: req/s ratio to bare (rounds)`, result: `${f(ratio, 2)} (${perRound})`, goal: `≥ ${v.goal}`, met: shown >= v.goal },
        { what: 'same: server CPU per request', result: `${f(cpu)} µs (bare ${f(bareCpu)} µs, +${f(cpu - bareCpu)})` },
        { what: 'same: RSS over bare after load', result: `${f(rssOver)} MiB`, goal: '≤ 20 MiB', met: rssOver <= 20 },
      );
    }
    // The peer at the same sampling, for comparison in the headline.
    if (v.base === 'otel10' && !v.before) peer = `${f(ratio, 2)} (${perRound}), ${f(cpu)} µs/req, RSS +${f(rss - bareRss)} MiB`;
  }
  if (peer && headline.length) headline.push({ what: 'for comparison, OpenTelemetry auto-instrumentation at 10% in the same run: ratio (rounds), CPU, RSS over bare', result: peer });
  console.log(`\n${framework}`);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (i === 0 ? r[0].replace(/.*\[/, '[').length : r[i].length))));
  console.log('  ' + COLUMNS.map((c, i) => c.padEnd(widths[i])).join('  '));
  for (const r of rows) console.log('  ' + r.map((c, i) => (i === 0 ? c.replace(/.*\[/, '[') : c).padEnd(widths[i])).join('  '));
  tables.push({
    suite: `http-${framework}`,
    title: `HTTP, ${framework === 'express' ? 'Express 5' : 'Fastify 5'}: GET /orders/:id, bare vs peers vs nodemeter`,
    command: `FRAMEWORKS=${framework} node benchmarks/http-overhead/run.mjs ${SECONDS} ${ROUNDS} ${CONNECTIONS}`,
    node: process.version,
    loadavg: { start: loadStart, end: load() },
    columns: COLUMNS,
    rows,
    headline,
    notes: [
      `${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections, autocannon in the runner's process; each variant a fresh server process per round, the order alternated per round; medians over rounds.` +
        (PIN ? ' Load generator (and sink) on CPU 0, server on CPU 1.' : '') +
        (PARENTS ? ' Every request (bare included) carries a W3C traceparent, one in ten sampled, as inside a fleet traced at 10%.' : ''),
      'Ratio to bare: median req/s over bare\'s median; in brackets each round against the same round\'s bare. CPU µs/req: process.cpuUsage() of the server (every thread, log shipping workers included) from listening to stop, over requests served: the figure a busy machine disturbs least. RSS after load, before shutdown.',
      'Spans and log lines are counted by the sink after each server flushed on stop; a log line per request is expected for the log variants. OpenTelemetry auto-instrumentation makes several spans per Express request (middleware, handler); for Fastify (no Fastify instrumentation in auto-instrumentations-node) only the HTTP server span.',
      "Log lines the peer can lose on a clean shutdown: pino-loki's close() pushes what its buffer holds but does not wait for a push its timer started just before, and thread-stream's worker calls process.exit() as soon as close() resolves, cutting that push off (up to one batch interval of lines).",
      'nodemeter is configured through environment variables (MANAGEMENT_TRACING_ENABLED, MANAGEMENT_ZIPKIN_TRACING_ENDPOINT, MANAGEMENT_TRACING_SAMPLING_PROBABILITY, NODEMETER_LOKI_URL, NODEMETER_LOGGING_CONSOLE=false) and `instrument({ serviceName })`; OpenTelemetry with `--require @opentelemetry/auto-instrumentations-node/register` and OTEL_* (Zipkin exporter, resource detectors env,host,os,process,serviceinstance); pino-loki batches every second.',
    ],
  });
}
sink.close();
writeBenchJson(tables);
