/**
 * Backends failing under load, shared by the hardening test (short rounds) and scripts/soak.mjs (long rounds).
 *
 * Three kinds of process: the service (load-service.ts), two fakes (fake-backend.mjs, one Zipkin, one log
 * receiver), and this one generating the load with autocannon at a fixed rate. Rounds alternate: healthy (both fakes
 * answer at once), then faulty (both fakes in one failure mode at the same time), for every mode, and a healthy round
 * last. After the run the fakes answer again, the service drains, and its drop counters are compared with what the
 * service produced and what the fakes received.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startFakeBackend, type FakeBackend } from './fake-backend.js';
import type { ServiceStats } from './load-service.js';

export type FaultMode = 'refuse' | '500' | 'slow' | 'silent';

export interface FaultRunOptions {
  roundMs: number;
  warmupMs?: number;
  /** Requests per second, fixed (autocannon's overallRate), so that latency is the service's, not saturation's. */
  rate: number;
  connections?: number;
  modes?: FaultMode[];
  /** How many healthy/faulty pairs per mode (the soak repeats them). */
  cycles?: number;
  /** Span export and log push request timeout in the service; the fakes' slow mode answers after 5 s. */
  exportTimeoutMs?: number;
  logBufferLines?: number;
  log?: (line: string) => void;
}

export interface Round {
  label: string;
  mode: 'ok' | FaultMode;
  requests: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** The service's CPU time per request in this round, µs. */
  cpuPerRequestUs: number;
  eldP99Ms: number;
  rssMiB: number;
}

export interface FaultRunResult {
  rounds: Round[];
  rssBaselineMiB: number;
  rssMaxMiB: number;
  requests: number;
  unhandled: string[];
  spans: { produced: number; exported: number; dropped: Record<string, number>; atZipkin: number; queue: number };
  logs: { produced: number; sent: number; dropped: Record<string, number>; atReceiver: number; buffered: number };
  exitedCleanly: boolean;
  /** forceFlush() calls during the drain that had not returned after 15 s. */
  flushesHung: number;
  drainMs: number;
}

interface Autocannon {
  (opts: Record<string, unknown>, cb: (err: unknown, result: AutocannonResult) => void): unknown;
}
interface AutocannonResult {
  latency: { p50: number; p99: number };
  requests: { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const SERVICE = fileURLToPath(new URL('./load-service.ts', import.meta.url));
const MiB = 1024 * 1024;

/** Sum of the series of `family` matching `match` in the counter lines, by the value of `key` (or '' if absent). */
function sumBy(lines: string[], family: string, key: string, match: (l: string) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) {
    if (!l.startsWith(`${family}{`) && !l.startsWith(`${family} `)) continue;
    if (!match(l)) continue;
    const k = new RegExp(`${key}="([^"]*)"`).exec(l)?.[1] ?? '';
    out[k] = (out[k] ?? 0) + Number(l.slice(l.lastIndexOf(' ') + 1));
  }
  return out;
}
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export async function runFaultRounds(o: FaultRunOptions): Promise<FaultRunResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const modes = o.modes ?? ['refuse', '500', 'slow', 'silent'];
  const zipkin = await startFakeBackend('ok', 5000);
  const loki = await startFakeBackend('ok', 5000);
  const child = fork(SERVICE, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans`,
      LOKI_URL: `${loki.url}/loki/api/v1/push`,
      EXPORT_TIMEOUT_MS: String(o.exportTimeoutMs ?? 8000),
      LOKI_TIMEOUT_MS: String(o.exportTimeoutMs ?? 8000),
      LOG_BUFFER_LINES: String(o.logBufferLines ?? 1000),
    },
  });
  let exited = false;
  const waiting = new Set<(e: Error) => void>();
  child.once('exit', (code, signal) => {
    exited = true;
    for (const reject of waiting) reject(new Error(`service exited (${code ?? signal})`));
  });
  // Startup under `--import tsx` on two busy cores was seen to take over 20 s.
  const reply = <T>(test: (m: Record<string, unknown>) => boolean, what = 'port', timeoutMs = 60_000): Promise<T> =>
    new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        clearTimeout(t);
        waiting.delete(fail);
        child.off('message', on);
        reject(e);
      };
      const t = setTimeout(() => fail(new Error(`service: no answer to ${what} within ${timeoutMs} ms`)), timeoutMs);
      const on = (m: Record<string, unknown>) => {
        if (!test(m)) return;
        clearTimeout(t);
        waiting.delete(fail);
        child.off('message', on);
        resolve(m as T);
      };
      child.on('message', on);
      waiting.add(fail);
    });
  const ask = <T>(cmd: string, test: (m: Record<string, unknown>) => boolean): Promise<T> => {
    const r = reply<T>(test, cmd);
    child.send({ cmd });
    return r;
  };
  const stats = () => ask<ServiceStats>('stats', (m) => 'rssBytes' in m);

  try {
    const { port } = await reply<{ port: number }>((m) => 'port' in m);
    const url = `http://127.0.0.1:${port}`;
    const load = (ms: number, label: string, rate = o.rate): Promise<AutocannonResult> =>
      new Promise((resolve, reject) => {
        autocannon(
          { url: `${url}/work/${label}`, connections: o.connections ?? 8, overallRate: rate, duration: ms / 1000, timeout: 10 },
          (err, result) => (err ? reject(err) : resolve(result)),
        );
      });

    const setMode = async (m: 'ok' | FaultMode) => {
      await zipkin.mode(m);
      await loki.mode(m);
    };
    const rounds: Round[] = [];
    let rssMax = 0;
    const round = async (label: string, mode: 'ok' | FaultMode, ms: number, keep = true, rate = o.rate) => {
      await setMode(mode);
      const before = await stats();
      // RSS sampled during the round, not only at its ends.
      const sampler = setInterval(() => void stats().then((s) => (rssMax = Math.max(rssMax, s.rssBytes)), () => {}), 1000);
      const r = await load(ms, label, rate);
      clearInterval(sampler);
      const after = await stats();
      rssMax = Math.max(rssMax, after.rssBytes);
      const served = after.requests - before.requests;
      const row: Round = {
        label,
        mode,
        requests: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        cpuPerRequestUs: served > 0 ? (after.cpuMicros - before.cpuMicros) / served : 0,
        eldP99Ms: after.eldP99Ms,
        rssMiB: after.rssBytes / MiB,
      };
      if (keep) rounds.push(row);
      log(
        `  ${label.padEnd(10)} ${mode.padEnd(6)} ${String(row.requests).padStart(6)} req  p50 ${row.p50Ms.toFixed(1)} ms  ` +
          `p99 ${row.p99Ms.toFixed(1)} ms  cpu ${row.cpuPerRequestUs.toFixed(0)} µs/req  loop p99 ${row.eldP99Ms.toFixed(1)} ms  ` +
          `rss ${row.rssMiB.toFixed(1)} MiB  non2xx ${row.non2xx}  errors ${row.errors}`,
      );
      return row;
    };

    log(`fault rounds: ${o.rate} req/s, ${o.roundMs} ms per round, modes ${modes.join(' ')} (Zipkin and log receiver together)`);
    // At three times the rate, for the JIT: CPU per request falls by half over the first few thousand requests.
    await round('warmup', 'ok', o.warmupMs ?? 5000, false, o.rate * 3);
    const baseline = (await stats()).rssBytes;
    for (let c = 0; c < (o.cycles ?? 1); c++) {
      for (const m of modes) {
        await round(`healthy`, 'ok', o.roundMs);
        await round(`fault`, m, o.roundMs);
      }
    }
    await round('healthy', 'ok', o.roundMs);

    // Drain: the fakes answer, so every held span and line must end up exported/sent or counted as dropped.
    await setMode('ok');
    const drainStart = Date.now();
    const deadline = drainStart + 30_000;
    let last: ServiceStats;
    let flushHung = 0;
    let z = await zipkin.stats();
    let l = await loki.stats();
    for (;;) {
      const f = await ask<{ flushed: boolean; ms: number }>('flush', (m) => 'flushed' in m);
      if (!f.flushed) flushHung++;
      last = await stats();
      z = await zipkin.stats();
      l = await loki.stats();
      const queue = total(sumBy(last.counters, 'nodemeter_spans_queue_size', 'x'));
      const buffered = total(sumBy(last.counters, 'nodemeter_logs_buffer_lines', 'x'));
      const exported = total(sumBy(last.counters, 'nodemeter_spans_total', 'result', (x) => x.includes('result="exported"')));
      const sent = total(sumBy(last.counters, 'nodemeter_logs_sent_total', 'x'));
      if ((queue === 0 && buffered === 0 && exported === z.spans && sent === l.logLines) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const c = last.counters;
    const spansDropped = sumBy(c, 'nodemeter_spans_total', 'reason', (x) => x.includes('result="dropped"'));
    const result: FaultRunResult = {
      rounds,
      rssBaselineMiB: baseline / MiB,
      rssMaxMiB: rssMax / MiB,
      requests: last.requests,
      unhandled: last.unhandled,
      spans: {
        // every request made exactly one span (a server span; the service calls nothing)
        produced: last.requests,
        exported: total(sumBy(c, 'nodemeter_spans_total', 'result', (x) => x.includes('result="exported"'))),
        dropped: spansDropped,
        atZipkin: z.spans,
        queue: total(sumBy(c, 'nodemeter_spans_queue_size', 'x')),
      },
      logs: {
        produced: total(sumBy(c, 'logback_events_total', 'level')),
        sent: total(sumBy(c, 'nodemeter_logs_sent_total', 'x')),
        dropped: sumBy(c, 'nodemeter_logs_dropped_total', 'reason'),
        atReceiver: l.logLines,
        buffered: total(sumBy(c, 'nodemeter_logs_buffer_lines', 'x')),
      },
      exitedCleanly: false,
      flushesHung: flushHung,
      drainMs: Date.now() - drainStart,
    };
    const done = await ask<{ done: boolean; unhandled: string[] }>('shutdown', (m) => 'done' in m);
    result.unhandled = done.unhandled;
    await new Promise<void>((r) => (exited ? r() : child.once('exit', () => r())));
    result.exitedCleanly = child.exitCode === 0;
    return result;
  } finally {
    if (!exited) child.kill('SIGKILL');
    await zipkin.stop();
    await loki.stop();
  }
}

/**
 * Per faulty round: its value of `pick` divided by the mean of the healthy rounds just before and after it (the
 * neighbours share the machine's load of that moment, which on two busy cores moves more than any fault does).
 */
export function faultRatios(rounds: Round[], pick: (r: Round) => number): { mode: string; ratio: number }[] {
  const out: { mode: string; ratio: number }[] = [];
  rounds.forEach((r, i) => {
    if (r.mode === 'ok') return;
    const near = [rounds[i - 1], rounds[i + 1]].filter((x): x is Round => x !== undefined && x.mode === 'ok');
    const healthy = near.reduce((a, x) => a + pick(x), 0) / near.length;
    out.push({ mode: r.mode, ratio: pick(r) / healthy });
  });
  return out;
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export type { FakeBackend };
