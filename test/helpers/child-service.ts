/** Starts a fixture service in its own process (tsx), reads its URL from stdout, stops it with SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './http.js';

export interface ChildService {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startService(fixture: string, env: Record<string, string>): Promise<ChildService> {
  const file = fileURLToPath(new URL(`../fixtures/services/${fixture}`, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const url = await waitFor(`${fixture} to start`, () => {
    if (child.exitCode !== null) throw new Error(`${fixture} exited: ${out}`);
    return /^(http:\/\/\S+)$/m.exec(out)?.[1];
  }, 30_000, 50);
  return {
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
