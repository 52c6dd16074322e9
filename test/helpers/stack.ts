/**
 * `scripts/stack up|down|status <service>` from a test, without blocking this process's event loop.
 *
 * The tests that stop and restart a backend often run the service under test in their own process. A
 * `spawnSync` there freezes that service for as long as the backend takes to start (Zipkin, Kafka: several
 * seconds, more on a busy machine). When the freeze outlasts the HTTP server's keep-alive timeout (5 s), the next
 * request goes out on a pooled connection that the server closes in the same turn of the loop: the client sees
 * ECONNRESET ("fetch failed"). No real service is frozen by its backend restarting, so the tests must not be either.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const STACK = fileURLToPath(new URL('../../scripts/stack', import.meta.url));
const run = promisify(execFile);

export type StackService = 'prometheus' | 'zipkin' | 'kafka' | 'victorialogs' | 'postgres' | 'mariadb';

/** Runs `scripts/stack <action> <service>`; rejects with the script's stderr if it fails (`status`: false). */
export async function stack(action: 'up' | 'down' | 'status', service: StackService): Promise<boolean> {
  try {
    await run('bash', [STACK, action, service], { timeout: 180_000 });
    return true;
  } catch (err) {
    if (action === 'status') return false;
    const e = err as Error & { stderr?: string };
    throw new Error(`scripts/stack ${action} ${service} failed: ${e.stderr || e.message}`);
  }
}
