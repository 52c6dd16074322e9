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
 */
import type { Diag } from '../../core/diag.js';
import type { Integration } from '../../core/integration.js';
import { Warnings } from '../../core/warnings.js';
import { isClusterable, type ExpositionFormat, type MeterRegistry, type MetricsJson } from '../registry.js';
import { aggregateScrape } from './aggregate.js';
import { createClusterExchange, type ClusterExchange } from './exchange.js';

/** How long the primary waits for one worker's answer; below Prometheus' default scrape timeout (10 s). */
export const CLUSTER_TIMEOUT_MS = 2_000;

/** What cluster mode needs. */
export interface ClusterDeps {
  readonly registry: MeterRegistry;
  readonly ownMetrics: MeterRegistry;
  readonly diag: Diag;
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
  setup({ registry, ownMetrics, diag }, closers) {
    const exchange = createClusterExchange(CLUSTER_TIMEOUT_MS);
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
