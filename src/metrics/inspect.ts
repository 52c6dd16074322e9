/**
 * A read view of a registry's meters by their Micrometer names, as Micrometer's `MeterRegistry.find()` gives Spring's
 * MetricsEndpoint: the dotted names, and per name the statistics of the series whose tags match. It reads the same
 * families the scrape reads (one collect per request), so values equal the exposition's.
 *
 *   counter, function counter   COUNT                         (sum of the series)
 *   gauge                       VALUE                         (sum of the series, as Spring sums matching meters)
 *   timer                       COUNT, TOTAL_TIME, MAX         (MAX is the max of the series)
 *   long task timer             ACTIVE_TASKS, DURATION, MAX
 *
 * Registries that are not nodemeter's (a user's own MeterRegistry implementation) show no meters.
 */
import type { Family, Labels, Sample } from './family.js';
import type { MeterKind } from './naming.js';

/** The key of the registry's internal method; not part of the public interface. */
export const kMeterSources = Symbol('nodemeter.meterSources');

/** What the registry keeps of one meter. */
export interface MeterSource {
  readonly name: string;
  readonly kind: MeterKind | 'long-task-timer';
  readonly baseUnit: string | undefined;
  readonly description: string | undefined;
  readonly families: readonly Family[];
}

/** Micrometer's Statistic names. @since 0.3.0 */
export type Statistic = 'COUNT' | 'TOTAL' | 'TOTAL_TIME' | 'MAX' | 'VALUE' | 'ACTIVE_TASKS' | 'DURATION' | 'UNKNOWN';

/** One meter as `/actuator/metrics/{name}` shows it. @since 0.3.0 */
export interface MeterDescription {
  readonly name: string;
  readonly description: string | null;
  readonly baseUnit: string | null;
  readonly measurements: { statistic: Statistic; value: number }[];
  readonly availableTags: { tag: string; values: string[] }[];
}

function sourcesOf(registry: object): MeterSource[] {
  const read = (registry as { [kMeterSources]?: () => MeterSource[] })[kMeterSources];
  return typeof read === 'function' ? read.call(registry) : [];
}

/** The Micrometer names of every meter, sorted, each once. @since 0.3.0 */
export function meterNames(registry: object): string[] {
  return [...new Set(sourcesOf(registry).map((s) => s.name))].sort();
}

function matches(labels: Labels, tags: Readonly<Record<string, string>>): boolean {
  for (const k in tags) if (String(labels[k]) !== tags[k]) return false;
  return true;
}

/**
 * The statistics of `name` over the series whose labels match `tags` (common tags included); undefined when no
 * meter has that name or no series matches the tags (Spring answers 404 for both).
 */
export async function describeMeter(
  registry: object,
  name: string,
  tags: Readonly<Record<string, string>>,
  commonTags: Readonly<Record<string, string>> = {},
): Promise<MeterDescription | undefined> {
  const source = sourcesOf(registry).find((s) => s.name === name);
  if (source === undefined) return undefined;
  const families = source.families.filter((f) => f.format !== 'openmetrics');
  const collected: Sample[][] = await Promise.all(families.map(async (f) => (await f.collect()) ?? []));
  const own = Object.fromEntries(Object.entries(tags).filter(([k]) => !(k in commonTags)));
  for (const [k, v] of Object.entries(tags)) if (k in commonTags && commonTags[k] !== v) return undefined;

  const totals = new Map<Statistic, number>();
  const add = (statistic: Statistic, value: number, max = false): void => {
    const prev = totals.get(statistic);
    totals.set(statistic, prev === undefined ? value : max ? Math.max(prev, value) : prev + value);
  };
  const tagValues = new Map<string, Set<string>>();
  for (const [k, v] of Object.entries(commonTags)) tagValues.set(k, new Set([v]));
  let matched = false;
  collected.forEach((samples, i) => {
    const family = families[i] as Family;
    const isMax = family.name.endsWith('_max') && source.kind !== 'gauge' && source.kind !== 'counter';
    for (const sample of samples) {
      if (!matches(sample.labels, own)) continue;
      const metric = sample.metricName ?? family.name;
      let statistic: Statistic | undefined;
      if (isMax) statistic = 'MAX';
      else if (source.kind === 'counter') statistic = 'COUNT';
      else if (source.kind === 'gauge') statistic = 'VALUE';
      else if (metric.endsWith('_count')) statistic = source.kind === 'timer' ? 'COUNT' : 'ACTIVE_TASKS';
      else if (metric.endsWith('_sum')) statistic = source.kind === 'timer' ? 'TOTAL_TIME' : 'DURATION';
      if (statistic === undefined) continue; // buckets, quantiles
      matched = true;
      add(statistic, sample.value, statistic === 'MAX');
      for (const [k, v] of Object.entries(sample.labels)) {
        if (k === 'le' || k === 'quantile') continue;
        let set = tagValues.get(k);
        if (set === undefined) tagValues.set(k, (set = new Set()));
        set.add(String(v));
      }
    }
  });
  if (!matched && Object.keys(tags).length > 0) return undefined;

  const order: Statistic[] = ['COUNT', 'TOTAL', 'TOTAL_TIME', 'VALUE', 'ACTIVE_TASKS', 'DURATION', 'MAX'];
  const defaults: Statistic[] =
    source.kind === 'timer'
      ? ['COUNT', 'TOTAL_TIME', 'MAX']
      : source.kind === 'long-task-timer'
        ? ['ACTIVE_TASKS', 'DURATION', 'MAX']
        : source.kind === 'gauge'
          ? ['VALUE']
          : ['COUNT'];
  // A meter with no series yet still shows its statistics, at 0 (Micrometer: NaN for a gauge without a value).
  for (const s of defaults) if (!totals.has(s)) totals.set(s, source.kind === 'gauge' ? Number.NaN : 0);
  return {
    name: source.name,
    description: source.description && source.description.trim() !== '' ? source.description : null,
    baseUnit: source.baseUnit ?? null,
    measurements: order.filter((s) => totals.has(s)).map((statistic) => ({ statistic, value: totals.get(statistic) as number })),
    // Tags given in the query are not offered again, as Spring.
    availableTags: [...tagValues]
      .filter(([k]) => !(k in tags))
      .map(([tag, values]) => ({ tag, values: [...values].sort() })),
  };
}
