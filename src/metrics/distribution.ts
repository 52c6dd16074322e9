/**
 * Bucket boundaries for a timer from the distribution settings, looked up as Spring's PropertiesMeterFilter does:
 * the meter name, then each shorter dotted prefix, then `all`. Undefined means a summary without buckets.
 */
import type { DistributionOptions } from './options.js';
import { defaultTimerBuckets } from './buckets.js';

function lookup<T>(table: Record<string, T> | undefined, name: string): T | undefined {
  if (!table) return undefined;
  let key = name;
  for (;;) {
    if (key in table) return table[key];
    const dot = key.lastIndexOf('.');
    if (dot === -1) break;
    key = key.slice(0, dot);
  }
  return table.all;
}

export function bucketsFor(name: string, d: DistributionOptions): number[] | undefined {
  const histogram = lookup(d.percentilesHistogram, name) === true;
  const slo = lookup(d.slo, name);
  if (!histogram && !slo) return undefined;
  const out = new Set<number>(slo ?? []);
  if (histogram) {
    const min = lookup(d.minimumExpectedValue, name) ?? 0.001;
    const max = lookup(d.maximumExpectedValue, name) ?? 30;
    for (const b of defaultTimerBuckets(min, max)) out.add(b);
  }
  return [...out].sort((a, b) => a - b);
}
