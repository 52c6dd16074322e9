/**
 * Cluster mode: under node:cluster (PM2's cluster mode forks through it too) every process answers the question
 * 'metrics' with its own families, and a scrape on any of them returns the aggregate of all:
 *
 *   scrape on worker W ──► exchange.gather('metrics') ──► every worker's (and the primary's) families
 *                      ──► aggregateScrape (prom-client's AggregatorRegistry; rules in aggregation.ts) ──► text
 *
 * The primary must run nodemeter too (instrument() before forking, or `--import nodemeter/register`): it relays the
 * question. A primary that does not answer leaves a worker with its own families (Warnings.CLUSTER_PRIMARY_SILENT,
 * once); a worker that misses the deadline is left out of that scrape. Both are counted in
 * `nodemeter_cluster_scrape_missing_total{from}`. Outside a cluster (a primary without workers) nothing changes.
 *
 * Under PM2's cluster mode the primary is PM2's daemon: the workers ask each other over Unix sockets instead
 * (peers.ts), with the same aggregation; a peer that misses the deadline counts as `{from="worker"}`.
 */
import type { Diag } from '../../core/diag.js';
import type { Integration } from '../../core/integration.js';
import { Warnings } from '../../core/warnings.js';
import { isClusterable, type ExpositionFormat, type MeterRegistry, type MetricsJson } from '../registry.js';
import { aggregateScrape } from './aggregate.js';
import { createClusterExchange, type ClusterExchange } from './exchange.js';
import { createPeerExchange, createSoloExchange, isPm2ClusterWorker, peerDirectory } from './peers.js';

/** How long the primary waits for one worker's answer; below Prometheus' default scrape timeout (10 s). */
export const CLUSTER_TIMEOUT_MS = 2_000;

/** What cluster mode needs. */
export interface ClusterDeps {
  readonly registry: MeterRegistry;
  readonly ownMetrics: MeterRegistry;
  readonly diag: Diag;
  readonly serviceName: string;
}

/** What it shares with later integrations: the exchange (the actuator may gather health over it). */
export interface ClusterShares {
  readonly cluster: ClusterExchange;
}

function isFormat(v: unknown): v is ExpositionFormat {
  return v === 'text' || v === 'openmetrics';
}

export const CLUSTER_METRICS: Integration<ClusterDeps, object, ClusterShares> = {
  name: 'cluster',
  setup({ registry, ownMetrics, diag, serviceName }, closers) {
    const exchange = chooseExchange(serviceName, diag);
    closers.add('cluster exchange', () => exchange.close());
    if (!isClusterable(registry)) return { shares: { cluster: exchange } };
    const missing = ownMetrics.counter('nodemeter.cluster.scrape.missing', {
      description: 'Processes left out of an aggregate cluster scrape (no answer in time)',
      labelNames: ['from'],
    });
    const stopResponding = exchange.respond('metrics', (format) =>
      registry.localMetricsJson(isFormat(format) ? format : 'text'),
    );
    closers.add('cluster metrics responder', stopResponding);
    registry.setScrapeSource(async (format) => {
      // A primary without workers is a plain process: its own scrape, no IPC.
      if (exchange.role === 'primary' && exchange.workerCount() === 0) return registry.localScrape(format);
      const gathered = await exchange.gather('metrics', format);
      if (gathered.primaryMissing) {
        diag.warn(Warnings.CLUSTER_PRIMARY_SILENT, { timeoutMs: CLUSTER_TIMEOUT_MS * 2 });
        missing.inc({ from: 'primary' });
      }
      if (gathered.missing > 0) missing.inc({ from: 'worker' }, gathered.missing);
      return aggregateScrape(gathered.answers as MetricsJson[], format);
    });
    closers.add('cluster scrape', () => registry.setScrapeSource(undefined));
    return { shares: { cluster: exchange } };
  },
};

/**
 * PM2's cluster workers ask their peers (PM2's daemon relays nothing); every other process uses node:cluster's IPC.
 * A PM2 worker whose socket directory is unusable warns and answers alone (its IPC goes to PM2's daemon, which
 * would never answer).
 */
function chooseExchange(serviceName: string, diag: Diag): ClusterExchange {
  if (!isPm2ClusterWorker()) return createClusterExchange(CLUSTER_TIMEOUT_MS);
  const dir = peerDirectory(process.env.name ?? serviceName, serviceName);
  try {
    return createPeerExchange(dir, CLUSTER_TIMEOUT_MS);
  } catch (err) {
    diag.warn(Warnings.CLUSTER_PEERS_UNAVAILABLE, { dir, reason: err instanceof Error ? err.message : String(err) });
    return createSoloExchange();
  }
}
