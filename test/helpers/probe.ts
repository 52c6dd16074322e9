// A probe script run in a fresh process from the repository's root (the source through tsx), with only PATH, HOME
// and the given variables: for checks of what a process loads, which the test's own process has loaded already.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `script` (an ES module) and returns its stdout's lines; fails the test on a non-zero exit, with stderr. */
export function runProbe(script: string, env: Record<string, string>): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}
