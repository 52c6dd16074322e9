// @one-runtime starts every backend from a fresh clone, about a minute of two cores
/**
 * The two commands work wherever a user clones: a checkout in a folder only its owner can enter (`mktemp -d` gives
 * 0700; /root is another) must start every backend of scripts/stack. PostgreSQL and MariaDB run as their own users
 * and cannot enter such a folder; the stack keeps their data elsewhere then (see scripts/stack).
 *
 * Clones the current HEAD into a fresh 0700 folder and runs `scripts/stack up` there for every backend, on
 * alternative ports (NODEMETER_STACK_*_PORT) so that the project's own stack keeps running, then `down`.
 * Starting Kafka and Zipkin costs about a minute of two cores: this runs on one runtime per CI run (the
 * `@one-runtime` line above: in `npm test`, not again in test:node24/26). Downloads come from the Maven and Go caches
 * the first run left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE = Number(process.env.NODEMETER_HARDENING_PORT_BASE ?? 29_000);
const PORTS = {
  NODEMETER_STACK_PROMETHEUS_PORT: BASE + 90,
  NODEMETER_STACK_ZIPKIN_PORT: BASE + 411,
  NODEMETER_STACK_KAFKA_PORT: BASE + 92,
  NODEMETER_STACK_KAFKA_CONTROLLER_PORT: BASE + 93,
  NODEMETER_STACK_VICTORIALOGS_PORT: BASE + 428,
  NODEMETER_STACK_POSTGRES_PORT: BASE + 432,
  NODEMETER_STACK_MARIADB_PORT: BASE + 306,
};
const SERVICES = ['prometheus', 'victorialogs', 'postgres', 'mariadb', 'kafka', 'zipkin'];

/** Runs a command without blocking the event loop; resolves with its exit code and output. */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])) } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

test('every backend of the stack starts from a checkout in a 0700 folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nodemeter-clone-'));
  const repo = join(dir, 'repo');
  try {
    assert.equal((await stat(dir)).mode & 0o777, 0o700, 'mktemp -d gives a folder only its owner can enter');
    const clone = await run('git', ['clone', '-q', ROOT, repo], ROOT);
    assert.equal(clone.code, 0, clone.out);
    const t0 = performance.now();
    const up = await run('bash', ['scripts/stack', 'up', ...SERVICES], repo);
    const upMs = performance.now() - t0;
    const status = await run('bash', ['scripts/stack', 'status', ...SERVICES], repo);
    console.log(`stack from a 0700 checkout (${process.getuid?.() === 0 ? 'as root' : 'as a user'}): up in ${(upMs / 1000).toFixed(1)} s\n${status.out}`);
    assert.equal(up.code, 0, up.out);
    assert.equal(status.code, 0, status.out);
    for (const s of SERVICES) assert.match(status.out, new RegExp(`^${s} +running`, 'm'));
    // A second `up` finds everything running (idempotent).
    const again = await run('bash', ['scripts/stack', 'up', 'postgres', 'mariadb'], repo);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /postgres: already running/);
  } finally {
    const down = await run('bash', ['scripts/stack', 'down'], repo);
    if (down.code !== 0) console.log(down.out);
    await rm(dir, { recursive: true, force: true });
    // The data postgres and mariadb kept outside the checkout (scripts/stack: SHARED_STACK).
    const key = createHash('sha256').update(join(repo, '.stack')).digest('hex').slice(0, 16);
    await rm(`/var/tmp/nodemeter-stack-${key}`, { recursive: true, force: true });
  }
});
