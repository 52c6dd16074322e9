/**
 * Bucket boundaries for a timer or long task timer from the distribution settings, looked up as Spring's
 * PropertiesMeterFilter does: the meter name, then each shorter dotted prefix, then `all`. So a setting for
 * `http.client.requests` also reaches the long task timer `http.client.requests.active`, as in Spring. Undefined
 * means no buckets (a summary).
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

/** Expected-value range of the default ladder when no setting names one, in seconds. */
interface LadderDefaults {
  readonly min: number;
  readonly max: number;
}

/** Micrometer's Timer.Builder: 1 ms to 30 s. */
const TIMER_DEFAULTS: LadderDefaults = { min: 0.001, max: 30 };
/** Micrometer's LongTaskTimer.Builder: 2 min to 2 h (tasks in flight are expected to be long). */
const LONG_TASK_TIMER_DEFAULTS: LadderDefaults = { min: 120, max: 7200 };

function buckets(name: string, d: DistributionOptions, defaults: LadderDefaults): number[] | undefined {
  const histogram = lookup(d.percentilesHistogram, name) === true;
  const slo = lookup(d.slo, name);
  if (!histogram && !slo) return undefined;
  const out = new Set<number>(slo ?? []);
  if (histogram) {
    const min = lookup(d.minimumExpectedValue, name) ?? defaults.min;
    const max = lookup(d.maximumExpectedValue, name) ?? defaults.max;
    for (const b of defaultTimerBuckets(min, max)) out.add(b);
  }
  return [...out].sort((a, b) => a - b);
}

/** Buckets of a timer (`http.server.requests`): the ladder defaults to 1 ms … 30 s. */
export function bucketsFor(name: string, d: DistributionOptions): number[] | undefined {
  return buckets(name, d, TIMER_DEFAULTS);
}

/**
 * Buckets of a long task timer (`http.server.requests.active`): the ladder defaults to 2 min … 2 h, as
 * Micrometer's LongTaskTimer.Builder sets, unless minimum/maximum expected values are configured for the name.
 */
export function longTaskTimerBucketsFor(name: string, d: DistributionOptions): number[] | undefined {
  return buckets(name, d, LONG_TASK_TIMER_DEFAULTS);
}
