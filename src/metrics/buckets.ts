/**
 * Histogram bucket ladders. `defaultTimerBuckets()` reproduces Micrometer's PercentileHistogramBuckets between a
 * timer's minimum (1 ms) and maximum (30 s) expected values, both included: 68 finite boundaries, in seconds.
 */

function percentileHistogramNanos(): number[] {
  // 1, 2, 3, then for every even power of two p: p, p + p/3, … up to 4p - p/3 (integer arithmetic, as Micrometer).
  const out = [1, 2, 3];
  for (let exp = 2; exp < 46; exp += 2) {
    let current = 2 ** exp;
    const delta = Math.floor(current / 3);
    const next = current * 4 - delta;
    while (current < next) {
      out.push(current);
      current += delta;
    }
  }
  return out;
}

/** Micrometer's default `percentiles-histogram` ladder for timers, in seconds. */
export function defaultTimerBuckets(minSeconds = 0.001, maxSeconds = 30): number[] {
  const min = Math.round(minSeconds * 1e9);
  const max = Math.round(maxSeconds * 1e9);
  const set = new Set<number>([min, max]);
  for (const b of percentileHistogramNanos()) if (b >= min && b <= max) set.add(b);
  return [...set].sort((a, b) => a - b).map((ns) => ns / 1e9);
}

/** Formats a bucket boundary as Java does (`0.001`, `30.0`), so `le` values match a Spring service's. */
export function formatLe(value: number): string {
  if (value === Infinity) return '+Inf';
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
