/** Starts test/hardening/helpers/fake-backend.mjs in a child process and talks to it over stdin/stdout. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FakeStats {
  mode: string;
  hits: number;
  open: number;
  maxOpen: number;
  spans: number;
  logLines: number;
}

export interface FakeBackend {
  readonly url: string;
  readonly child: ChildProcess;
  mode(mode: 'ok' | '500' | 'slow' | 'silent' | 'refuse'): Promise<void>;
  stats(): Promise<FakeStats>;
  reset(): Promise<void>;
  /** Spans received (COLLECT=1): traceId, id, parentId, http.url tag, tags as JSON. */
  dump(): Promise<[string, string, string | null, string | null, string][]>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./fake-backend.mjs', import.meta.url));

export async function startFakeBackend(mode = 'ok', slowMs = 5000, collect = false): Promise<FakeBackend> {
  const child = spawn(process.execPath, [SCRIPT], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, MODE: mode, SLOW_MS: String(slowMs), COLLECT: collect ? '1' : '0' },
  });
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const i = waiters.findIndex((w) => w.test(line));
      if (i !== -1) waiters.splice(i, 1)[0]!.resolve(line);
    }
  });
  const next = (test: (line: string) => boolean, what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`fake backend: no ${what} within 10 s`)), 10_000);
      waiters.push({ test, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  const portLine = await next((l) => l.startsWith('port '), 'port');
  const send = (line: string) => child.stdin!.write(`${line}\n`);
  return {
    url: `http://127.0.0.1:${portLine.slice(5)}`,
    child,
    async mode(m) {
      const ack = next((l) => l === `mode ${m}`, `ack of mode ${m}`);
      send(`mode ${m}`);
      await ack;
    },
    async stats() {
      const line = next((l) => l.startsWith('{'), 'stats');
      send('stats');
      return JSON.parse(await line) as FakeStats;
    },
    async dump() {
      const line = next((l) => l.startsWith('dump '), 'dump');
      send('dump');
      return JSON.parse((await line).slice(5)) as [string, string, string | null, string | null, string][];
    },
    async reset() {
      const ack = next((l) => l === 'reset', 'reset');
      send('reset');
      await ack;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      child.kill();
      await exited;
    },
  };
}
