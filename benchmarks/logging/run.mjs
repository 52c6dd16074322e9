// Cost of a log line shipped to a Loki push receiver: nodemeter's logger (`logging.loki`) against the peer, plain
// pino with the pino-loki transport, both sending to the same receiver in this process, which counts the lines that
// arrive. Each variant runs in its own process, rounds alternated; medians over rounds.
//
//   node benchmarks/logging/run.mjs [seconds=8] [rounds=3] [linesPerSecond=5000]
//
// Every child logs `linesPerSecond` lines (one `info` with one field, inside a span context: trace and span ids in
// the line) for `seconds`, paced in 1 ms ticks (TICK_MS), then shuts its logging down (nodemeter:
// `shutdown()`; the peer: ends its transport) and reports:
//   main µs/line   CPU of the main thread (process.threadCpuUsage) per line: pino, the mixin, the hand-off to the
//                  worker through pino's ring buffer
//   other µs/line  CPU of the rest of the process (process.cpuUsage minus the main thread): the transport's worker
//                  thread (parsing, pino-loki's line building and JSON, the push requests), plus V8's helper threads
//   over pino      both, minus those of plain pino writing nowhere in the same rounds: what shipping adds (the
//                  pacing and the process's own background cost cancel out)
//   arrived        lines the receiver got, of the lines logged (warm-up included); 0 lost is the goal
// CPU is counted from the first measured line until the shutdown is done, so the worker's last batch is in it.
//
// Variants (VARIANTS=a,b to pick): `nodemeter` (the package, or the build NM_AFTER names: …/index.js),
// `nodemeter-before` (NM_BEFORE; only when set), `nodemeter-json` (`loki.format: 'json'`), `pino-loki` (the peer:
// `pino.transport({ target: 'pino-loki' })` with batching every second, its readme's setup), `pino` (the floor: plain
// pino writing nowhere, nothing shipped), `nodemeter-unshipped` (instrument() as above, the logger writing nowhere:
// what nodemeter costs without shipping, its background work included; shipping costs the difference to it). The second table is the cost of one log call without shipping
// (log-call.mjs, needs tsx: `node --import tsx …`; skipped otherwise).
//
// BENCH_JSON=<file> writes both tables in the benchmark report format; BENCH_QUICK=1 is a short smoke run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { load, median, writeBenchJson } from '../utils/bench-json.mjs';

const SELF = fileURLToPath(import.meta.url);
const WARMUP_LINES = 2000;
/**
 * Lines are logged in bursts every TICK_MS (5 lines at 5,000 lines/s), each burst in its own event-loop turn, as a
 * server's requests log: what a transport pays per write of the main thread shows. TICK_MS=5: fewer, larger bursts.
 */
const TICK_MS = Number(process.env.TICK_MS ?? 1);

if (process.argv[2] === '--child') {
  await child(...process.argv.slice(3));
} else {
  await parent();
}

// ─── one variant, in its own process ────────────────────────────────────────────────────────────────────────────
async function child(variant, pushUrl, seconds, rate) {
  const { context, trace, TraceFlags } = await import('@opentelemetry/api');
  let logger;
  let shutdown;
  if (variant.startsWith('nodemeter')) {
    const entry = variant.startsWith('nodemeter-before') ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter');
    const { instrument } = await import(entry.startsWith('/') ? pathToFileURL(entry).href : entry);
    const nm = instrument({
      serviceName: 'bench',
      diagLevel: 'error',
      // Tracing on (so the lines carry the ids of the span context below), nothing sampled: no span is exported.
      tracing: { samplingProbability: 0, zipkin: { endpoint: new URL('/api/v2/spans', pushUrl).href } },
      logging: {
        console: false,
        flushOnSignals: false,
        ...(variant.endsWith('-unshipped') ? {} : { loki: { url: pushUrl, ...(variant === 'nodemeter-json' ? { format: 'json' } : {}) } }),
      },
    });
    logger = nm.logger;
    shutdown = () => nm.shutdown();
  } else {
    const { pino } = await import('pino');
    if (variant === 'pino') {
      // The floor: pino's serialisation and this loop, and no I/O at all.
      logger = pino({ base: { pid: process.pid, app: 'bench' } }, { write() {} });
      shutdown = async () => {};
    } else {
      // The peer as pino-loki's readme sets it up; batches every second (its default is 5 s, and 10,000 lines at
      // most: at 5,000 lines/s it would drop lines before the first push).
      const transport = pino.transport({
        target: 'pino-loki',
        options: { host: pushUrl, endpoint: pushUrl, batching: { interval: 1 }, labels: { app: 'bench' } },
      });
      logger = pino({ base: { pid: process.pid, app: 'bench' } }, transport);
      shutdown = async () => {
        const closed = once(transport, 'close');
        const alive = setInterval(() => {}, 1000); // pino unrefs its worker: keep this thread up until it is gone
        transport.end();
        await closed;
        clearInterval(alive);
      };
    }
  }
  // One span context for the whole run: nodemeter's mixin adds its ids; the peer is given them by hand (what
  // OpenTelemetry's pino instrumentation would add), so both ship the same fields.
  const sc = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
  const byHand = !variant.startsWith('nodemeter');
  const ctx = trace.setSpan(context.active(), trace.wrapSpanContext(sc));
  let n = 0;
  const line = byHand
    ? () => logger.info({ traceId: sc.traceId, spanId: sc.spanId, orderId: String(n++ % 1000) }, 'order read')
    : () => logger.info({ orderId: String(n++ % 1000) }, 'order read');

  await context.with(ctx, async () => {
    for (let i = 0; i < WARMUP_LINES; i++) line();
    await new Promise((r) => setTimeout(r, 1500)); // the warm-up's batch goes out before the measured lines
    const total = Math.round(Number(seconds) * Number(rate));
    const main0 = process.threadCpuUsage();
    const proc0 = process.cpuUsage();
    const t0 = performance.now();
    let logged = 0;
    while (logged < total) {
      const due = Math.min(total, Math.round(((performance.now() - t0) * Number(rate)) / 1000));
      while (logged < due) {
        line();
        logged++;
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const loggedAt = performance.now();
    await shutdown();
    const main = process.threadCpuUsage(main0);
    const proc = process.cpuUsage(proc0);
    const mainUs = main.user + main.system;
    const procUs = proc.user + proc.system;
    process.stdout.write(
      `${JSON.stringify({ lines: total + WARMUP_LINES, measured: total, mainUs, otherUs: procUs - mainUs, shutdownMs: performance.now() - loggedAt })}\n`,
    );
  });
}

// ─── the receiver, the rounds and the tables ────────────────────────────────────────────────────────────────────
async function parent() {
  const quick = process.env.BENCH_QUICK === '1';
  const seconds = Number(process.argv[2] ?? (quick ? 2 : 8));
  const rounds = Number(process.argv[3] ?? (quick ? 1 : 3));
  const rate = Number(process.argv[4] ?? 5000);
  const all = ['pino', 'pino-loki', 'nodemeter-unshipped', ...(process.env.NM_BEFORE ? ['nodemeter-before'] : []), 'nodemeter', 'nodemeter-json'];
  const variants = process.env.VARIANTS ? process.env.VARIANTS.split(',') : all;

  // The receiver: Loki's push API; counts the lines of each child (the path starts with the child's id). Parsing
  // here costs this process's CPU, not the children's.
  const arrived = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = req.url.split('/')[1];
      if (req.url.endsWith('/loki/api/v1/push')) {
        try {
          let count = 0;
          for (const s of JSON.parse(Buffer.concat(chunks).toString('utf8')).streams) count += s.values.length;
          arrived.set(id, (arrived.get(id) ?? 0) + count);
        } catch {
          res.statusCode = 400;
          res.end();
          return;
        }
      }
      res.statusCode = 204;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;

  const load0 = load();
  console.log(`node ${process.version}, ${rate} lines/s for ${seconds} s per run, ${rounds} rounds, load average ${load0.join(' ')}`);
  const results = Object.fromEntries(variants.map((v) => [v, []]));
  let runs = 0;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const id = `r${runs++}`;
      const proc = spawn(process.execPath, [SELF, '--child', variant, `${base}/${id}/loki/api/v1/push`, String(seconds), String(rate)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      proc.stdout.on('data', (d) => (out += d));
      const [code] = await once(proc, 'exit');
      if (code !== 0) throw new Error(`${variant} exited with ${code}`);
      const r = JSON.parse(out.trim().split('\n').pop());
      // A push may still be answered after the child exited: wait a little for the count.
      await new Promise((res) => setTimeout(res, 200));
      const got = arrived.get(id) ?? 0;
      results[variant].push({ ...r, arrived: got });
      console.log(
        `  round ${round + 1} ${variant.padEnd(16)} main ${(r.mainUs / r.measured).toFixed(2)} µs/line, other threads ${(r.otherUs / r.measured).toFixed(2)} µs/line, ` +
          `arrived ${got}/${r.lines}, shutdown ${r.shutdownMs.toFixed(0)} ms`,
      );
    }
  }
  server.close();

  const fmt = (x) => x.toFixed(2);
  const peer = results['pino-loki'];
  const floor = results.pino;
  const floorMain = floor ? median(floor.map((r) => r.mainUs / r.measured)) : undefined;
  const floorOther = floor ? median(floor.map((r) => r.otherUs / r.measured)) : undefined;
  const unshipped = results['nodemeter-unshipped'];
  const unshippedTotal = unshipped ? median(unshipped.map((r) => (r.mainUs + r.otherUs) / r.measured)) : undefined;
  const rows = variants.map((v) => {
    const rs = results[v];
    const mainPer = rs.map((r) => r.mainUs / r.measured);
    const otherPer = rs.map((r) => r.otherUs / r.measured);
    const totalPer = rs.map((r, i) => mainPer[i] + otherPer[i]);
    const peerTotal = peer ? median(peer.map((r) => (r.mainUs + r.otherUs) / r.measured)) : undefined;
    return [
      v,
      `${fmt(median(mainPer))} (${mainPer.map(fmt).join(' ')})`,
      `${fmt(median(otherPer))} (${otherPer.map(fmt).join(' ')})`,
      `${fmt(median(totalPer))}`,
      floor === undefined || v === 'pino' ? '' : `${fmt(median(mainPer) - floorMain)} + ${fmt(median(otherPer) - floorOther)}`,
      unshippedTotal === undefined || !v.startsWith('nodemeter') || v.endsWith('-unshipped') ? '' : fmt(median(totalPer) - unshippedTotal),
      peerTotal === undefined ? '' : `${(median(totalPer) / peerTotal).toFixed(2)}`,
      v === 'pino' || v.endsWith('-unshipped') ? '– (not shipped)' : rs.map((r) => `${r.arrived}/${r.lines}`).join(' '),
      `${median(rs.map((r) => r.shutdownMs)).toFixed(0)}`,
    ];
  });
  const columns = ['variant', 'main thread µs/line (rounds)', 'other threads µs/line (rounds)', 'total µs/line', 'over pino: main + other µs/line', 'shipping: over nodemeter-unshipped µs/line', 'total vs pino-loki', 'lines arrived/logged', 'shutdown ms'];
  console.log(`\n${columns.join(' | ')}`);
  for (const row of rows) console.log(row.join(' | '));

  const tables = [
    {
      suite: 'logging',
      title: 'Log shipping: one line to a Loki push receiver, nodemeter vs plain pino → pino-loki',
      command: `${TICK_MS === 1 ? '' : `TICK_MS=${TICK_MS} `}node benchmarks/logging/run.mjs ${seconds} ${rounds} ${rate}`,
      node: process.version,
      loadavg: { start: load0, end: load() },
      columns,
      rows,
      notes: [
        `${rate} lines/s in bursts every ${TICK_MS} ms for ${seconds} s per process, ${rounds} rounds alternated, medians; each variant in its own process; lines logged inside a span context (trace and span ids in every line).`,
        'Main thread: process.threadCpuUsage(). Other threads: process.cpuUsage() minus the main thread (the transport worker, plus V8 helper threads).',
        'nodemeter-unshipped: instrument() with the same options and no Loki URL (the logger writes nowhere); the shipping column is each nodemeter variant minus it.',
        'Receiver: a Loki push endpoint in the benchmark process that counts the lines of each push. pino: plain pino with a destination that drops every line (no I/O), the floor.',
        "pino-loki: the peer with batching every 1 s (its default 5 s and 10,000-line buffer would drop lines at this rate); nodemeter: `logging.loki` defaults (Boot's line; nodemeter-json: `format: 'json'`).",
      ],
    },
  ];

  // The second table: one log call, no shipping (needs tsx, which imports nodemeter's sources).
  if (process.env.LOG_CALL !== '0') {
    const dir = mkdtempSync(join(tmpdir(), 'nm-log-call-'));
    const file = join(dir, 'log-call.json');
    const calls = quick ? 20000 : 200000;
    const callRounds = quick ? 3 : 7;
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./log-call.mjs', import.meta.url)), String(calls), String(callRounds)], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, LOG_CALL_JSON: file },
    });
    const [code] = await once(proc, 'exit');
    if (code === 0 && existsSync(file)) {
      const t = JSON.parse(readFileSync(file, 'utf8'));
      tables.push({
        suite: 'logging-call',
        title: 'One log call, no shipping: nodemeter (trace mixin, logback_events_total) vs plain pino, and the consoles',
        command: `node --import tsx benchmarks/logging/log-call.mjs ${calls} ${callRounds}`,
        node: process.version,
        loadavg: { start: load0, end: load() },
        columns: t.columns,
        rows: t.rows,
        notes: ['All write to the same /dev/null destination, same process, rounds alternated. Ratio: to plain pino (or the JSON console) in the same span state.'],
      });
    } else {
      console.log(`log-call.mjs did not run (exit ${code}): it needs tsx`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  writeBenchJson(tables);
}
