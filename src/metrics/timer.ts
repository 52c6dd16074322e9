/**
 * Timer, as Micrometer's: a summary (`<name>_seconds_count`, `_sum`) plus a separate gauge family
 * `<name>_seconds_max` holding the decaying max (TimeWindowMax, 2 min / 3 buffers). With a bucket ladder the
 * summary becomes a histogram (`_bucket{le}`, cumulative, ending at `+Inf`), as with Spring's
 * `percentiles-histogram` or `slo` settings.
 *
 *   record(seconds) ──► child { count, sum, max ring, bucket counts }  ──scrape──►  summary|histogram + _max gauge
 *
 * record() on a child allocates nothing; label objects for `le` are built once per child, at its first scrape.
 *
 * Exemplars (exemplars.ts), with a sampler or explicit span ids: the latest sampled record of a series is kept as
 * four fields (no object), on the bucket it fell in. On `_count` (Micrometer writes one there too) only with
 * `exemplarsOnCount`: Prometheus before 2.43 rejects the whole scrape when an exemplar sits on anything but
 * `_total` or `_bucket` ("metric name … does not support exemplars"). They are turned into exemplar objects only at
 * scrape time, and prom-client writes them in OpenMetrics only.
 */
import { formatLe } from './buckets.js';
import { exemplarLabels, exemplarTimestamp, type ExemplarSampler, type SpanIds } from './exemplars.js';
import type { Family, Labels, Sample } from './family.js';
import { TimeWindowMax } from './time-window-max.js';

/** A bound timer child. @since 0.1.0 */
export interface TimerChild {
  /**
   * Records one duration, in seconds. Negative or NaN values are ignored. `exemplar`: the span the duration
   * belongs to (sampled), `null` for none; left out, the registry's sampler is asked for the current span.
   */
  record(seconds: number, exemplar?: SpanIds | null): void;
}

/** The latest exemplar of one sample line, kept as plain fields so a sampled record allocates nothing. */
class ExemplarSlot {
  traceId = '';
  spanId = '';
  value = 0;
  atMs = 0;

  set(ids: SpanIds, value: number, atMs: number): void {
    this.traceId = ids.traceId;
    this.spanId = ids.spanId;
    this.value = value;
    this.atMs = atMs;
  }

  toExemplar(): Sample['exemplar'] {
    return { labelSet: exemplarLabels(this), value: this.value, timestamp: exemplarTimestamp(this.atMs) };
  }
}

/** Durations of events: count, total time, decaying max, optional histogram. @since 0.1.0 */
export interface Timer {
  record(seconds: number): void;
  record(labels: Labels, seconds: number): void;
  child(labels: Labels): TimerChild;
  /** Times `fn` (sync or async) and records its duration, whether it returns or throws. */
  time<T>(labels: Labels, fn: () => T): T;
  /** Forgets the series of these label values (e.g. a pool that was unbound). */
  remove(labels: Labels): void;
}

/** @since 0.1.0 */
export interface TimerOptions {
  /** Bucket boundaries in seconds (sorted, finite); `+Inf` is added. Unset: a summary, no buckets. */
  buckets?: readonly number[];
  /** Decaying-max window; Micrometer's defaults. */
  maxExpiryMs?: number;
  /**
   * Exemplars on `_count` as well, as Micrometer writes them; needs Prometheus 2.43 or later (older ones fail the
   * whole scrape). Default false: exemplars on buckets only. @since 0.3.0
   */
  exemplarsOnCount?: boolean;
  maxBufferLength?: number;
}

/**
 * What nodemeter's own binders add to TimerOptions (not exported from the package): `beforeCollect` runs before
 * each read of the timer's values (a scrape, `/actuator/metrics`), so a binder that records from a source read in
 * batches (gc-source.ts) can read it there.
 */
export interface InternalTimerOptions extends TimerOptions {
  readonly beforeCollect?: () => void;
}

class Child implements TimerChild {
  count = 0;
  sum = 0;
  readonly max: TimeWindowMax;
  readonly counts: Float64Array | undefined;
  bucketLabels: Labels[] | undefined;
  /** One per bucket (`+Inf` last), then the one of `_count`. Created on first use. */
  exemplars: ExemplarSlot[] | undefined;

  constructor(
    readonly labels: Labels,
    readonly bounds: Float64Array | undefined,
    expiryMs: number,
    bufferLength: number,
    readonly sampler: ExemplarSampler | undefined,
    /** Where exemplars go: buckets, `_count`, both, or nowhere (then no span is looked at). */
    readonly onBuckets: boolean,
    readonly onCount: boolean,
  ) {
    this.max = new TimeWindowMax(expiryMs, bufferLength);
    this.counts = bounds ? new Float64Array(bounds.length) : undefined;
  }

  record(seconds: number, exemplar?: SpanIds | null): void {
    if (!(seconds >= 0)) return;
    this.count++;
    this.sum += seconds;
    this.max.record(seconds);
    const bounds = this.bounds;
    let slot = 0;
    if (bounds !== undefined) {
      // First boundary >= value (binary search); beyond the last one only +Inf (= count) holds it.
      let lo = 0;
      let hi = bounds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((bounds[mid] as number) < seconds) lo = mid + 1;
        else hi = mid;
      }
      if (lo < bounds.length) (this.counts as Float64Array)[lo]! += 1;
      slot = lo;
    }
    if (!this.onBuckets && !this.onCount) return;
    const ids = exemplar === undefined ? this.sampler?.() : exemplar;
    if (ids === undefined || ids === null) return;
    const n = bounds ? bounds.length + 1 : 0;
    const slots = (this.exemplars ??= Array.from({ length: n + 1 }, () => new ExemplarSlot()));
    const at = Date.now();
    if (this.onBuckets) (slots[slot] as ExemplarSlot).set(ids, seconds, at);
    if (this.onCount) (slots[n] as ExemplarSlot).set(ids, seconds, at);
  }
}

export class TimerImpl implements Timer {
  readonly name: string;
  readonly help: string;
  readonly #labelNames: readonly string[];
  readonly #children = new Map<string, Child>();
  readonly #bounds: Float64Array | undefined;
  readonly #expiryMs: number;
  readonly #bufferLength: number;
  readonly #sampler: ExemplarSampler | undefined;
  readonly #onCount: boolean;
  #noLabels: Child | undefined;
  /** The summary/histogram family and the `_max` gauge family. */
  readonly families: readonly [Family, Family];

  constructor(
    baseName: string,
    help: string,
    labelNames: readonly string[],
    options: TimerOptions = {},
    sampler?: ExemplarSampler,
  ) {
    this.name = baseName;
    this.#sampler = sampler;
    this.#onCount = options.exemplarsOnCount === true;
    this.help = help;
    this.#labelNames = labelNames;
    this.#expiryMs = options.maxExpiryMs ?? 120_000;
    this.#bufferLength = options.maxBufferLength ?? 3;
    if (options.buckets && options.buckets.length > 0) {
      const sorted = [...new Set(options.buckets)].filter((b) => Number.isFinite(b) && b > 0).sort((a, b) => a - b);
      this.#bounds = Float64Array.from(sorted);
    }
    const self = this;
    const before = (options as InternalTimerOptions).beforeCollect;
    this.families = [
      {
        name: baseName,
        help,
        type: this.#bounds ? 'histogram' : 'summary',
        collect: before === undefined ? () => self.#collectMain() : () => (before(), self.#collectMain()),
      },
      // Across cluster workers the max of maxima, not their sum.
      {
        name: `${baseName}_max`,
        help,
        type: 'gauge',
        aggregation: 'max',
        collect: before === undefined ? () => self.#collectMax() : () => (before(), self.#collectMax()),
      },
    ];
  }

  record(labelsOrSeconds: Labels | number, seconds?: number): void {
    if (typeof labelsOrSeconds === 'number') this.#child(undefined).record(labelsOrSeconds);
    else this.#child(labelsOrSeconds).record(seconds as number);
  }

  child(labels: Labels): TimerChild {
    return this.#child(labels);
  }

  time<T>(labels: Labels, fn: () => T): T {
    const child = this.#child(labels);
    const start = process.hrtime.bigint();
    const done = (): void => child.record(Number(process.hrtime.bigint() - start) / 1e9);
    let result: T;
    try {
      result = fn();
    } catch (err) {
      done();
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => {
          done();
          return v;
        },
        (err: unknown) => {
          done();
          throw err;
        },
      ) as T;
    }
    done();
    return result;
  }

  remove(labels: Labels): void {
    if (this.#labelNames.length === 0) {
      this.#noLabels = undefined;
      return;
    }
    let key = '';
    for (const name of this.#labelNames) key += `${labels[name] ?? ''}\u0000`;
    this.#children.delete(key);
  }

  #child(labels: Labels | undefined): Child {
    if (labels === undefined || this.#labelNames.length === 0) {
      this.#noLabels ??= new Child({}, this.#bounds, this.#expiryMs, this.#bufferLength, this.#sampler, this.#bounds !== undefined, this.#onCount);
      return this.#noLabels;
    }
    let key = '';
    for (const name of this.#labelNames) key += `${labels[name] ?? ''}\u0000`;
    let child = this.#children.get(key);
    if (child === undefined) {
      const own: Labels = {};
      for (const name of this.#labelNames) own[name] = labels[name] ?? '';
      child = new Child(own, this.#bounds, this.#expiryMs, this.#bufferLength, this.#sampler, this.#bounds !== undefined, this.#onCount);
      this.#children.set(key, child);
    }
    return child;
  }

  *#all(): Iterable<Child> {
    if (this.#noLabels) yield this.#noLabels;
    yield* this.#children.values();
  }

  #collectMain(): Sample[] {
    const out: Sample[] = [];
    const count = `${this.name}_count`;
    const sum = `${this.name}_sum`;
    const bucket = `${this.name}_bucket`;
    for (const c of this.#all()) {
      if (c.counts && this.#bounds) {
        if (!c.bucketLabels) {
          c.bucketLabels = [...this.#bounds, Infinity].map((b) => ({ ...c.labels, le: formatLe(b) }));
        }
        let cumulative = 0;
        for (let i = 0; i < c.counts.length; i++) {
          cumulative += c.counts[i] as number;
          out.push(withExemplar({ metricName: bucket, labels: c.bucketLabels[i] as Labels, value: cumulative }, c, i));
        }
        out.push(withExemplar({ metricName: bucket, labels: c.bucketLabels[c.counts.length] as Labels, value: c.count }, c, c.counts.length));
      }
      out.push(withExemplar({ metricName: count, labels: c.labels, value: c.count }, c, c.counts ? c.counts.length + 1 : 0));
      out.push({ metricName: sum, labels: c.labels, value: c.sum });
    }
    return out;
  }

  #collectMax(): Sample[] {
    const out: Sample[] = [];
    const now = Date.now();
    for (const c of this.#all()) out.push({ labels: c.labels, value: c.max.poll(now) });
    return out;
  }
}

/** Adds the exemplar kept for sample line `slot` of a child, if any. */
function withExemplar(sample: Sample, c: Child, slot: number): Sample {
  const kept = c.exemplars?.[slot];
  if (kept !== undefined && kept.atMs !== 0) sample.exemplar = kept.toExemplar();
  return sample;
}
