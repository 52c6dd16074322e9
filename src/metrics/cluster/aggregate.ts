/**
 * The aggregate scrape: the families of every worker, as prom-client JSON, combined by prom-client's
 * AggregatorRegistry.aggregate (each family by its `aggregator`: see aggregation.ts) and written by prom-client.
 * prom-client's aggregation drops exemplars, so the newest exemplar of each sample line among the workers is put
 * back on the aggregated line.
 */
import { aggregatorRegistry, Registry } from '../compat/prom-client.js';
import type { Labels, Sample } from '../family.js';
import type { ExpositionFormat, MetricsJson } from '../registry.js';

type Exemplar = NonNullable<Sample['exemplar']>;

/** A sample line's identity: its name and its labels in key order. */
function lineKey(family: string, sample: { metricName?: string; labels?: Labels }): string {
  const labels = sample.labels ?? {};
  let key = sample.metricName ?? family;
  for (const k of Object.keys(labels).sort()) key += `\u0000${k}=${labels[k]}`;
  return key;
}

/** Writes the aggregate of `collections` (one per process) in `format`. */
export async function aggregateScrape(collections: MetricsJson[], format: ExpositionFormat): Promise<string> {
  const contentType = format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
  const newest = new Map<string, Exemplar>();
  for (const families of collections) {
    for (const family of families) {
      for (const sample of family.values as Sample[]) {
        if (sample.exemplar === undefined) continue;
        const key = lineKey(family.name, sample);
        const seen = newest.get(key);
        if (seen === undefined || seen.timestamp < sample.exemplar.timestamp) newest.set(key, sample.exemplar);
      }
    }
  }
  // prom-client's typings omit the content type argument its runtime takes, and type the input as its own metric
  // objects; the JSON it produced itself is what it reads.
  // Loaded on the first aggregate scrape: a process not in cluster mode never loads prom-client's cluster module.
  const aggregate = aggregatorRegistry().aggregate as unknown as (metrics: MetricsJson[], contentType: string) => Registry;
  const aggregated = aggregate(collections, contentType);
  if (newest.size > 0) {
    for (const metric of aggregated.getMetricsAsArray() as unknown as { get(): Promise<{ name: string; values: Sample[] }> }[]) {
      const family = await metric.get();
      for (const sample of family.values) {
        const exemplar = newest.get(lineKey(family.name, sample));
        if (exemplar !== undefined) sample.exemplar = exemplar;
      }
    }
  }
  return aggregated.metrics();
}
