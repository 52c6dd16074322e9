/**
 * Health across a cluster: under node:cluster (or PM2's cluster mode) `/actuator/health` and its liveness and
 * readiness groups, asked of any worker or the primary, show the health of every process. Each process answers the
 * question 'health' with its own indicators (HealthRegistry.localCheck); the asked one gathers the answers over
 * the cluster exchange (metrics/cluster: IPC through the primary, or the PM2 peers' sockets) and merges them:
 *
 *   status          the aggregate of every process's status (DOWN > OUT_OF_SERVICE > UP > UNKNOWN), as Spring
 *                   aggregates components: one worker refusing traffic makes the service's readiness 503
 *   components      the same keys as one process shows (the JSON is Spring's, no per-worker level); each one's
 *                   status is the aggregate over the processes, its details those of the process with that status
 *   no answer       a process that does not answer in time (its event loop is blocked) counts as UNKNOWN: its
 *                   state is not known, which is what Spring's UNKNOWN says, and UNKNOWN ranks below UP, so a
 *                   busy worker neither fails the liveness probe (Kubernetes would restart the whole pod for one
 *                   slow worker) nor the readiness probe; the worker that answers is a working one. Counted in
 *                   `nodemeter_cluster_health_missing_total`.
 *
 * The deadline for a process's answer: for the probes (liveness, readiness: states read from memory) 500 ms, so a
 * probe with a blocked worker still answers within Kubernetes' default 1 s probe timeout; for the rest, the
 * indicators' own timeout plus one second (a DB indicator that times out makes that process DOWN, which the merge
 * must see). Outside a cluster nothing changes.
 */
import type { Integration } from '../core/integration.js';
import { LIVENESS_COMPONENT, READINESS_COMPONENT } from './availability.js';
import { aggregateStatus, isClusterableHealth, type Health, type HealthCheckOptions, type HealthRegistry, type HealthResponse, type HealthStatus } from './registry.js';

/** The part of the cluster exchange (metrics/cluster/exchange.ts) health uses; structural, so health imports no metrics. */
export interface HealthExchange {
  readonly role: 'primary' | 'worker' | 'peer';
  respond(topic: string, answer: (arg: unknown) => unknown): () => void;
  gather(topic: string, arg?: unknown, timeoutMs?: number): Promise<{ readonly answers: unknown[]; readonly missing: number }>;
  workerCount(): number;
}

/** The counter of processes that did not answer; structural (the MeterRegistry's `counter`). */
interface MissingCounterFactory {
  counter(name: string, options: { description: string }): { inc(amount?: number): void };
}

export interface ClusterHealthDeps {
  readonly health: HealthRegistry;
  readonly cluster: HealthExchange;
  readonly ownMetrics: MissingCounterFactory;
}

const ORDER: readonly HealthStatus[] = ['DOWN', 'OUT_OF_SERVICE', 'UP', 'UNKNOWN'];

/** How long the probes wait for another process: the states are in memory, an answer takes microseconds. */
export const PROBE_DEADLINE_MS = 500;
const INSTANT: readonly string[] = [LIVENESS_COMPONENT, READINESS_COMPONENT];

/** The deadline of one process's answer to `options`. */
export function deadlineOf(options: HealthCheckOptions, registryTimeoutMs: number): number {
  if (options.names !== undefined && options.names.every((n) => INSTANT.includes(n))) return PROBE_DEADLINE_MS;
  return (options.timeoutMs ?? registryTimeoutMs) + 1_000;
}
const rank = (h: Health): number => {
  const i = ORDER.indexOf(h.status);
  return i < 0 ? ORDER.length : i;
};

/** One component as several processes report it: the worst one's status and details, components merged by key. */
export function mergeHealth(reports: readonly Health[]): Health {
  let worst = reports[0] as Health;
  for (const h of reports) if (rank(h) < rank(worst)) worst = h;
  const merged: Health = { status: worst.status };
  if (worst.details !== undefined) merged.details = worst.details;
  const nested = mergeComponents(reports.map((h) => h.components));
  if (nested !== undefined) merged.components = nested;
  return merged;
}

function mergeComponents(all: readonly (Record<string, Health> | undefined)[]): Record<string, Health> | undefined {
  const byName = new Map<string, Health[]>();
  for (const components of all) {
    if (components === undefined) continue;
    for (const [name, h] of Object.entries(components)) {
      const list = byName.get(name);
      if (list === undefined) byName.set(name, [h]);
      else list.push(h);
    }
  }
  if (byName.size === 0) return undefined;
  const out: Record<string, Health> = {};
  for (const name of [...byName.keys()].sort()) out[name] = mergeHealth(byName.get(name) as Health[]);
  return out;
}

function isResponse(v: unknown): v is HealthResponse {
  return typeof v === 'object' && v !== null && ORDER.includes((v as HealthResponse).status);
}

/** The health of every process: `answers` (each process's HealthResponse), `missing` processes as UNKNOWN. */
export function mergeResponses(answers: readonly unknown[], missing: number): HealthResponse {
  const responses = answers.filter(isResponse);
  const statuses: HealthStatus[] = responses.map((r) => r.status);
  if (missing > 0) statuses.push('UNKNOWN');
  const result: HealthResponse = { status: aggregateStatus(statuses) };
  const components = mergeComponents(responses.map((r) => r.components));
  if (components !== undefined) result.components = components;
  return result;
}

/** Plain data for the question (it crosses IPC or a socket as JSON). */
function question(options: HealthCheckOptions): HealthCheckOptions {
  const q: { names?: readonly string[]; timeoutMs?: number } = {};
  if (options.names !== undefined) q.names = [...options.names];
  if (options.timeoutMs !== undefined) q.timeoutMs = options.timeoutMs;
  return q;
}

export const CLUSTER_HEALTH: Integration<ClusterHealthDeps> = {
  name: 'cluster health',
  setup({ health, cluster, ownMetrics }, closers) {
    if (!isClusterableHealth(health)) return {};
    const local = health;
    closers.add('cluster health responder', cluster.respond('health', (arg) => local.localCheck((arg ?? {}) as HealthCheckOptions)));
    const missingCounter = ownMetrics.counter('nodemeter.cluster.health.missing', {
      description: 'Processes that did not answer a cluster health check in time (counted as UNKNOWN)',
    });
    local.checkSource = async (options) => {
      // A primary without workers (or a process outside any cluster) is a plain process: no IPC.
      if (cluster.role === 'primary' && cluster.workerCount() === 0) return local.localCheck(options);
      const gathered = await cluster.gather('health', question(options), deadlineOf(options, local.timeoutMs));
      if (gathered.missing > 0) missingCounter.inc(gathered.missing);
      // Nobody answered, not even this process (its responder is gone: shutting down): its own indicators.
      if (gathered.answers.length === 0) return local.localCheck(options);
      return mergeResponses(gathered.answers, gathered.missing);
    };
    closers.add('cluster health', () => {
      local.checkSource = undefined;
    });
    return {};
  },
};
