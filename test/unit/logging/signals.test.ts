/**
 * SIGTERM and exit, in a child process logging to a local stand-in receiver: with no handler of its own the
 * process flushes and still dies of the signal; with the application's handler nodemeter only flushes and the
 * application decides; process.exit() ships what was logged (pino's exit hook ends the worker, which sends what it
 * holds); with the receiver down the process still ends within the flush timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { FakeLoki } from '../../helpers/fake-loki.js';
import { waitFor } from '../../helpers/http.js';

const CHILD = fileURLToPath(new URL('../../fixtures/logging/signal-child.ts', import.meta.url));

interface Child {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  kill(signal: NodeJS.Signals): number;
}

async function run(env: Record<string, string>, waitReady = true): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  if (waitReady) {
    await waitFor('the child to log', () => {
      if (child.exitCode !== null) throw new Error(`child exited: ${out}`);
      return out.includes('ready') ? true : undefined;
    }, 30_000, 20);
  }
  return {
    exit,
    output: () => out,
    kill: (signal) => {
      child.kill(signal);
      return Date.now();
    },
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('SIGTERM, no handler of the application: every line is shipped, then the process dies of SIGTERM', async () => {
  const loki = await new FakeLoki().start();
  try {
    const child = await run({ LOKI_URL: loki.url, LINES: '5000' });
    child.kill('SIGTERM');
    const { code, signal } = await child.exit;
    assert.deepEqual({ code, signal }, { code: null, signal: 'SIGTERM' }, child.output());
    assert.equal(loki.entries.length, 5000);
  } finally {
    await loki.stop();
  }
});

test("SIGTERM with the application's own handler: nodemeter flushes, the application's handler decides the exit", async () => {
  const loki = await new FakeLoki().start();
  try {
    const child = await run({ LOKI_URL: loki.url, LINES: '5000', APP_HANDLER: '1' });
    child.kill('SIGTERM');
    const { code, signal } = await child.exit;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, child.output());
    const seen = new Set(loki.entries.map((e) => e.line.i));
    assert.equal(seen.size, 5001, 'all lines, the handler\'s own line included');
  } finally {
    await loki.stop();
  }
});

test('process.exit() without shutdown(): what was logged is still shipped (the worker sends it at exit)', async () => {
  const loki = await new FakeLoki().start();
  try {
    const child = await run({ LOKI_URL: loki.url, LINES: '5000', EXIT: '1' }, false);
    const { code } = await child.exit;
    assert.equal(code, 0, child.output());
    assert.equal(loki.entries.length, 5000);
  } finally {
    await loki.stop();
  }
});

test('SIGTERM with the receiver down: the process still ends promptly (within the flush timeout)', async () => {
  const port = await closedPort();
  const child = await run({ LOKI_URL: `http://127.0.0.1:${port}/loki/api/v1/push`, LINES: '1000', FLUSH_TIMEOUT_MS: '1000' });
  const sent = child.kill('SIGTERM');
  const { signal } = await child.exit;
  const took = Date.now() - sent;
  assert.equal(signal, 'SIGTERM', child.output());
  assert.ok(took < 4000, `ended ${took} ms after SIGTERM`);
});
