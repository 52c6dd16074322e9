/**
 * The MeterRegistry: get-or-create meters by Micrometer-style name, common tags on every series, and the scrape in
 * Prometheus text 0.0.4 or OpenMetrics 1.0, written by prom-client.
 *
 *   counter()/gauge()/timer() ──► Family ──► view (text name) ──► prom-client Registry (text 0.0.4)
 *                                        └─► view (OM name)   ──► prom-client Registry (OpenMetrics 1.0)
 *
 * Two registries because prom-client fixes the format per registry and renames counter families when it writes
 * OpenMetrics; each view keeps its own name so the two never disturb each other. Asking for a meter a second time
 * returns the same meter; asking with another type or other label names warns once (Warnings.METER_KIND_CONFLICT) and returns a no-op,
 * never throws (prom-client's throw on duplicates is what we avoid).
 *
 * A gauge whose name ends in `.info` is written as an OpenMetrics `info` family (`# TYPE jvm info`, sample
 * `jvm_info{…} 1`), as Micrometer's PrometheusMeterRegistry does; text 0.0.4 has no info type and keeps `gauge`.
 * With an exemplar sampler, counters and timers carry the ids of sampled spans (exemplars.ts), in OpenMetrics only.
 * In a node:cluster, `scrape()` may be answered by the cluster's aggregate instead (src/metrics/cluster/).
 */
import { Registry } from './compat/prom-client.js';
import type { ExemplarSampler } from './exemplars.js';
import type { DistributionOptions } from './options.js';
import { Diag } from '../core/diag.js';
import { Warnings } from '../core/warnings.js';
import { bucketsFor, longTaskTimerBucketsFor } from './distribution.js';
import { PromBackedCounter, type Counter } from './counter.js';
import type { ClusterAggregation, Family, Sample } from './family.js';
import { clusterAggregationOf } from './cluster/aggregation.js';
import { FunctionCounterImpl, type EmitValue, type FunctionCounter } from './function-counter.js';
import { PromBackedGauge, type Gauge, type GaugeCollect } from './gauge.js';
import { checkLabelNames, prometheusBaseName, type MeterKind } from './naming.js';
import { NOOP_COUNTER, NOOP_FUNCTION_COUNTER, NOOP_GAUGE, NOOP_LONG_TASK_TIMER, NOOP_TIMER } from './noop.js';
import { TimerImpl, type Timer, type TimerOptions } from './timer.js';
import { LongTaskTimerImpl, type LongTaskTimer } from './long-task-timer.js';
import { kMeterSources, type MeterSource } from './inspect.js';

/** Options shared by every meter. @since 0.1.0 */
export interface MeterOptions {
  /** `# HELP` text. */
  description?: string;
  /** Label names of the meter (common tags are added on top). */
  labelNames?: readonly string[];
}

/** @since 0.1.0 */
export interface CounterOptions extends MeterOptions {
  /** Appended to the name unless present: `process.cpu.time` + `ns` → `process_cpu_time_ns_total`. */
  baseUnit?: string;
}

/** @since 0.1.0 */
export interface GaugeOptions extends MeterOptions {
  baseUnit?: string;
  /**
   * How the workers of a node:cluster combine this gauge in the aggregate scrape. Default: `sum`, or the rule
   * for nodemeter's own gauges (docs/guides/exemplars-and-cluster.md). @since 0.3.0
   */
  aggregation?: ClusterAggregation;
  /** Called at every scrape to set current values (pull-style, like a Micrometer gauge). */
  collect?: GaugeCollect;
}

/** @since 0.1.0 */
export interface FunctionCounterOptions extends CounterOptions {
  /** Called at every scrape; emits the current total of each series. */
  read: (emit: EmitValue) => void;
}

/** @since 0.1.0 */
export interface TimerMeterOptions extends MeterOptions, TimerOptions {}

/** Exposition formats of the scrape. @since 0.1.0 */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Content types of the two formats, as Spring Boot's PrometheusOutputFormat sends them. @since 0.1.0 */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

interface Entry extends MeterSource {
  labelKey: string;
  meter: Meter;
}

/** A handle to remove a meter again. @since 0.1.0 */
export type Meter = Counter | Gauge | Timer | FunctionCounter | LongTaskTimer;

/**
 * Get-or-create meters under Micrometer-style names, every series with the common tags; `nm.registry`. An
 * interface, so the implementation (and its constructor) can change without breaking users; create a standalone one
 * with {@link createMeterRegistry}.
 * @since 0.1.0
 */
export interface MeterRegistry {
  /** Tags added to every series (`application` and the configured common tags). */
  readonly commonTags: Readonly<Record<string, string>>;
  /** A counter, e.g. `counter('orders.placed')` → `orders_placed_total`. */
  counter(name: string, options?: CounterOptions): Counter;
  /** A counter read from elsewhere at each scrape, e.g. `process.cpu.time` in `ns` → `process_cpu_time_ns_total`. */
  functionCounter(name: string, options: FunctionCounterOptions): FunctionCounter;
  /** A gauge, e.g. `gauge('jvm.memory.used', { baseUnit: 'bytes' })` → `jvm_memory_used_bytes`. */
  gauge(name: string, options?: GaugeOptions): Gauge;
  /** A timer, e.g. `timer('http.server.requests')` → `http_server_requests_seconds_{count,sum,max}`. */
  timer(name: string, options?: TimerMeterOptions): Timer;
  /** A long task timer (tasks in flight), e.g. `longTaskTimer('http.server.requests.active')`. */
  longTaskTimer(name: string, options?: MeterOptions): LongTaskTimer;
  /** Removes a meter and its series. Unknown or no-op meters are ignored. */
  remove(meter: Meter): void;
  /** Prometheus family names currently registered (text-format names). */
  familyNames(): string[];
  /** The exposition of every meter in the given format. */
  scrape(format?: ExpositionFormat): Promise<string>;
}

/** Options of {@link createMeterRegistry}. @since 0.2.0 */
export interface MeterRegistryOptions {
  /** Tags added to every series, e.g. `{ application: 'order-service' }`. */
  commonTags?: Readonly<Record<string, string>>;
  /** Histogram buckets and SLOs per meter name. */
  distribution?: DistributionOptions;
  /** Where the registry reports its warnings. Default: a Diag at warn level on stderr. */
  diag?: Diag;
  /** The current sampled span, for exemplars on counters and timers. Unset: no exemplars. @since 0.3.0 */
  exemplars?: ExemplarSampler;
}

/** What a registry returns for its families in prom-client's JSON form (what cluster workers send). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * What the cluster integration needs of the registry, beyond the public interface: the local metrics as prom-client
 * JSON (with the common tags, per format: family names and types differ), and a way to answer scrape() with the
 * cluster's aggregate. Internal.
 */
export interface ClusterableRegistry {
  localMetricsJson(format: ExpositionFormat): Promise<MetricsJson>;
  /** This process's own exposition, whatever answers scrape(). */
  localScrape(format: ExpositionFormat): Promise<string>;
  /** Replaces what scrape() returns; undefined restores the local scrape. */
  setScrapeSource(source: ((format: ExpositionFormat) => Promise<string>) | undefined): void;
}

/** True if `registry` can take part in a cluster aggregate. */
export function isClusterable(registry: unknown): registry is ClusterableRegistry {
  return registry instanceof PrometheusMeterRegistry;
}

/**
 * A standalone registry, not bound to instrument()'s handle (benchmarks, tests, a second exposition).
 * @since 0.2.0
 */
export function createMeterRegistry(options: MeterRegistryOptions = {}): MeterRegistry {
  return new PrometheusMeterRegistry(options.commonTags ?? {}, options.diag ?? new Diag(), options.distribution, options.exemplars);
}

/** The MeterRegistry behind every handle: two prom-client registries, one per exposition format. Internal. */
export class PrometheusMeterRegistry implements MeterRegistry, ClusterableRegistry {
  // prom-client's typings omit the constructor argument; the runtime takes the content type.
  readonly #text = new (Registry as unknown as new (t: string) => Registry)(Registry.PROMETHEUS_CONTENT_TYPE);
  readonly #openMetrics = new (Registry as unknown as new (t: string) => Registry)(Registry.OPENMETRICS_CONTENT_TYPE);
  readonly #entries = new Map<string, Entry>();
  readonly #familyNames = new Set<string>();
  readonly #diag: Diag;
  readonly #commonTags: Readonly<Record<string, string>>;

  readonly #distribution: DistributionOptions;
  readonly #sampler: ExemplarSampler | undefined;
  #scrapeSource: ((format: ExpositionFormat) => Promise<string>) | undefined;

  constructor(
    commonTags: Readonly<Record<string, string>>,
    diag: Diag,
    distribution: DistributionOptions = {},
    exemplars?: ExemplarSampler,
  ) {
    this.#diag = diag;
    this.#distribution = distribution;
    this.#sampler = exemplars;
    this.#commonTags = commonTags;
    this.#text.setDefaultLabels({ ...commonTags });
    this.#openMetrics.setDefaultLabels({ ...commonTags });
  }

  /** Tags added to every series (`application` and the configured common tags). */
  get commonTags(): Readonly<Record<string, string>> {
    return this.#commonTags;
  }

  /** A counter, e.g. `counter('orders.placed')` → `orders_placed_total`. */
  counter(name: string, options: CounterOptions = {}): Counter {
    const base = prometheusBaseName(name, 'counter', options.baseUnit);
    return this.#getOrCreate(name, base, 'counter', options, () => {
      const c = new PromBackedCounter(base, options.description ?? ' ', options.labelNames ?? [], this.#sampler);
      return { meter: c, families: [c] };
    }, NOOP_COUNTER) as Counter;
  }

  /** A counter read from elsewhere at each scrape, e.g. `process.cpu.time` in `ns` → `process_cpu_time_ns_total`. */
  functionCounter(name: string, options: FunctionCounterOptions): FunctionCounter {
    const base = prometheusBaseName(name, 'counter', options.baseUnit);
    return this.#getOrCreate(name, base, 'counter', options, () => {
      const c = new FunctionCounterImpl(base, options.description ?? ' ', options.read);
      return { meter: c, families: [c] };
    }, NOOP_FUNCTION_COUNTER) as FunctionCounter;
  }

  /** A gauge, e.g. `gauge('jvm.memory.used', { baseUnit: 'bytes' })` → `jvm_memory_used_bytes`. */
  gauge(name: string, options: GaugeOptions = {}): Gauge {
    const base = prometheusBaseName(name, 'gauge', options.baseUnit);
    return this.#getOrCreate(name, base, 'gauge', options, () => {
      const g = new PromBackedGauge(base, options.description ?? ' ', options.labelNames ?? [], options.collect, {
        info: name.endsWith('.info'),
        aggregation: options.aggregation,
      });
      return { meter: g, families: [g] };
    }, NOOP_GAUGE) as Gauge;
  }

  /**
   * A timer, e.g. `timer('http.server.requests')` → `http_server_requests_seconds_{count,sum,max}`; with buckets
   * (given, or from the distribution settings for its name) a histogram instead of a summary.
   */
  timer(name: string, options: TimerMeterOptions = {}): Timer {
    const base = prometheusBaseName(name, 'timer');
    return this.#getOrCreate(name, base, 'timer', options, () => {
      const buckets = options.buckets ?? bucketsFor(name, this.#distribution);
      const t = new TimerImpl(base, options.description ?? ' ', options.labelNames ?? [], { ...options, buckets }, this.#sampler);
      return { meter: t, families: t.families };
    }, NOOP_TIMER) as Timer;
  }

  /**
   * A long task timer (tasks in flight), e.g. `longTaskTimer('http.server.requests.active')` →
   * `http_server_requests_active_seconds_{count,sum}` and `_max`.
   */
  longTaskTimer(name: string, options: MeterOptions = {}): LongTaskTimer {
    const base = prometheusBaseName(name, 'timer');
    return this.#getOrCreate(name, base, 'long-task-timer', options, () => {
      const buckets = longTaskTimerBucketsFor(name, this.#distribution);
      const t = new LongTaskTimerImpl(base, options.description ?? ' ', options.labelNames ?? [], buckets);
      return { meter: t, families: t.families };
    }, NOOP_LONG_TASK_TIMER) as LongTaskTimer;
  }

  /** Removes a meter and its series. Unknown or no-op meters are ignored. */
  remove(meter: Meter): void {
    for (const [key, entry] of this.#entries) {
      if (entry.meter !== meter) continue;
      for (const family of entry.families) {
        this.#text.removeSingleMetric(family.name);
        this.#openMetrics.removeSingleMetric(omShape(family).name);
        this.#familyNames.delete(family.name);
      }
      this.#entries.delete(key);
      return;
    }
  }

  /** The meters by their Micrometer names, for `/actuator/metrics` (read through inspect.ts). */
  [kMeterSources](): MeterSource[] {
    return [...this.#entries.values()];
  }

  /** Prometheus family names currently registered (text-format names). */
  familyNames(): string[] {
    return [...this.#familyNames].sort();
  }

  /** The exposition of every meter in the given format. Never rejects because of one failing meter. */
  scrape(format: ExpositionFormat = 'text'): Promise<string> {
    // In a node:cluster the cluster integration answers with the aggregate of all workers.
    if (this.#scrapeSource !== undefined) return this.#scrapeSource(format);
    return this.localScrape(format);
  }

  localScrape(format: ExpositionFormat): Promise<string> {
    return (format === 'openmetrics' ? this.#openMetrics : this.#text).metrics();
  }

  localMetricsJson(format: ExpositionFormat): Promise<MetricsJson> {
    return (format === 'openmetrics' ? this.#openMetrics : this.#text).getMetricsAsJSON();
  }

  setScrapeSource(source: ((format: ExpositionFormat) => Promise<string>) | undefined): void {
    this.#scrapeSource = source;
  }

  #getOrCreate(
    name: string,
    base: string,
    kind: MeterKind | 'long-task-timer',
    options: MeterOptions,
    create: () => { meter: Meter; families: readonly Family[] },
    noop: Meter,
  ): Meter {
    const labelNames = options.labelNames ?? [];
    checkLabelNames(base, labelNames);
    const labelKey = [...labelNames].sort().join(',');
    const existing = this.#entries.get(base);
    if (existing) {
      if (existing.kind === kind && existing.labelKey === labelKey) return existing.meter;
      this.#diag.warn(
        Warnings.METER_KIND_CONFLICT,
        { meter: base, kind: existing.kind, labels: existing.labelKey, requestedKind: kind, requestedLabels: labelKey },
        base,
      );
      return noop;
    }
    for (const tag of Object.keys(this.#commonTags)) {
      if (labelNames.includes(tag)) {
        this.#diag.warn(Warnings.METER_COMMON_TAG_LABEL, { meter: base, tag }, `${base}:${tag}`);
        return noop;
      }
    }
    const { meter, families } = create();
    for (const family of families) {
      if (this.#familyNames.has(family.name)) {
        this.#diag.warn(Warnings.METER_FAMILY_EXISTS, { family: family.name, meter: base }, family.name);
        return noop;
      }
    }
    for (const family of families) {
      this.#familyNames.add(family.name);
      // A family with a format shows in that exposition only (a gauge histogram has one shape per format).
      const aggregator = family.aggregation ?? clusterAggregationOf(family.name, family.type);
      if (family.format !== 'openmetrics') {
        this.#text.registerMetric(view(family, family.name, family.type, aggregator, undefined, this.#diag) as never);
      }
      if (family.format !== 'text') {
        const om = omShape(family);
        this.#openMetrics.registerMetric(view(family, om.name, om.type, aggregator, om.sampleName, this.#diag) as never);
      }
    }
    const baseUnit = kind === 'timer' || kind === 'long-task-timer' ? 'seconds' : (options as GaugeOptions).baseUnit;
    this.#entries.set(base, { kind, labelKey, meter, families, name, baseUnit, description: options.description });
    return meter;
  }
}

/**
 * A family's name and type in OpenMetrics: counter families are named without `_total` (prom-client appends it to
 * the samples); an info gauge (`jvm_info`) is the family `jvm` of type `info` whose samples keep the `_info` name.
 */
function omShape(family: Family): { name: string; type: string; sampleName: string | undefined } {
  if (family.type === 'counter' && family.name.endsWith('_total')) {
    return { name: family.name.slice(0, -6), type: 'counter', sampleName: undefined };
  }
  if (family.info === true && family.name.endsWith('_info')) {
    return { name: family.name.slice(0, -5), type: 'info', sampleName: family.name };
  }
  return { name: family.name, type: family.type, sampleName: undefined };
}

/**
 * What prom-client's Registry needs of a metric: name, help, type, aggregator (how cluster workers combine), get().
 * `sampleName` names samples that have no name of their own (info families). A failing family yields no samples.
 */
function view(family: Family, name: string, type: string, aggregator: ClusterAggregation, sampleName: string | undefined, diag: Diag) {
  return {
    name,
    help: family.help,
    type,
    aggregator,
    async get() {
      let values: Sample[] = [];
      try {
        values = await family.collect();
      } catch (err) {
        diag.warn(Warnings.METER_COLLECT_FAILED, { family: family.name, error: err }, family.name);
      }
      if (sampleName !== undefined) {
        values = values.map((v) => (v.metricName === undefined ? { ...v, metricName: sampleName } : v));
      }
      return { name, help: family.help, type, aggregator, values };
    },
  };
}
