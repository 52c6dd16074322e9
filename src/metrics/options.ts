/**
 * Options of the metrics area (`metrics` in instrument()'s options): which runtime binders run, their settings and
 * the distribution (histogram) settings per meter name; and the tag rules shared with `commonTags`.
 *
 * Environment (explicit options win; a value that does not parse is reported once as Warnings.ENV_VALUE_IGNORED and ignored):
 *   NODEMETER_METRICS_ENABLED            true | false
 *   NODEMETER_METRICS_BINDERS_DISABLED   binder names, comma-separated
 *   NODEMETER_DISK_SPACE_PATHS           paths, comma-separated
 */
import {
  EnvReader,
  checkKeys,
  invalid,
  listOf,
  optBoolean,
  optInt,
  optObject,
  optString,
  type EnvSource,
  type OptionArea,
} from '../core/validate.js';
import { BINDER_NAMES, type BinderName } from './binders/names.js';

/**
 * Distribution settings per meter name, as Spring's `management.metrics.distribution.*`: a key is a meter name or
 * a prefix of one (`http.server.requests`, `http`), or `all`; the longest matching key wins.
 * @since 0.1.0
 */
export interface DistributionOptions {
  /** Publish histogram buckets with Micrometer's default ladder. */
  percentilesHistogram?: Record<string, boolean>;
  /** Extra bucket boundaries, in seconds (SLOs). Alone, they are the only buckets. */
  slo?: Record<string, number[]>;
  /** Lower bound of the default ladder, in seconds. Default 0.001. */
  minimumExpectedValue?: Record<string, number>;
  /** Upper bound of the default ladder, in seconds. Default 30. */
  maximumExpectedValue?: Record<string, number>;
}

/** @since 0.1.0 */
export interface MetricsOptions {
  /** Turn all metrics off. Default true. */
  enabled?: boolean;
  /** Switch single runtime binders on or off, e.g. `{ 'disk-space': false }`. All are on by default. */
  binders?: Partial<Record<BinderName, boolean>>;
  /** Paths whose filesystem `disk_free_bytes`/`disk_total_bytes` report. Default `['.']` as Spring. */
  diskSpacePaths?: string[];
  /** Resolution of the event-loop delay monitor in ms. Default 20. */
  eventLoopResolutionMs?: number;
  /** Histogram buckets and SLOs per meter name. */
  distribution?: DistributionOptions;
}

/** Metrics settings after environment and defaults. @since 0.1.0 */
export interface ResolvedMetricsConfig {
  enabled: boolean;
  binders: Readonly<Record<BinderName, boolean>>;
  diskSpacePaths: readonly string[];
  eventLoopResolutionMs: number;
  distribution: DistributionOptions;
}

/** What the environment contributed to the metrics settings. @since 0.1.0 */
export interface MetricsEnv {
  enabled?: boolean;
  disabledBinders?: BinderName[];
  diskSpacePaths?: string[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_TAGS = new Set(['le', 'quantile']);

/** Checks tag keys and values (Prometheus label rules); shared by `commonTags` and NODEMETER_COMMON_TAGS. */
export function validateTags(option: string, value: unknown): Record<string, string> | undefined {
  const tags = optObject(option, value);
  if (!tags) return undefined;
  const out: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(tags)) {
    if (!LABEL_NAME.test(key) || key.startsWith('__') || RESERVED_TAGS.has(key)) {
      throw invalid(`${option}.${key}`, 'a tag key matching [a-zA-Z_][a-zA-Z0-9_]* (not le, quantile, __*)', key);
    }
    if (typeof tagValue !== 'string') throw invalid(`${option}.${key}`, 'a string', tagValue);
    out[key] = tagValue;
  }
  return out;
}

function validateDistribution(path: string, d: Record<string, unknown>): DistributionOptions {
  checkKeys(path, d, ['percentilesHistogram', 'slo', 'minimumExpectedValue', 'maximumExpectedValue']);
  const out: DistributionOptions = {};
  const ph = optObject(`${path}.percentilesHistogram`, d.percentilesHistogram);
  if (ph) {
    out.percentilesHistogram = {};
    for (const [k, v] of Object.entries(ph)) {
      out.percentilesHistogram[k] = optBoolean(`${path}.percentilesHistogram.${k}`, v) as boolean;
    }
  }
  const slo = optObject(`${path}.slo`, d.slo);
  if (slo) {
    out.slo = {};
    for (const [k, v] of Object.entries(slo)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !(x > 0) || !Number.isFinite(x))) {
        throw invalid(`${path}.slo.${k}`, 'an array of positive numbers (seconds)', v);
      }
      out.slo[k] = [...(v as number[])];
    }
  }
  for (const bound of ['minimumExpectedValue', 'maximumExpectedValue'] as const) {
    const o = optObject(`${path}.${bound}`, d[bound]);
    if (!o) continue;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
        throw invalid(`${path}.${bound}.${k}`, 'a positive number of seconds', v);
      }
      values[k] = v;
    }
    out[bound] = values;
  }
  return out;
}

/** Validates the `metrics` option and merges it over the environment and defaults. @since 0.1.0 */
export function resolveMetricsOptions(options: unknown, env: MetricsEnv = {}, path = 'metrics'): ResolvedMetricsConfig {
  const metrics = optObject(path, options) ?? {};
  checkKeys(path, metrics, ['enabled', 'binders', 'diskSpacePaths', 'eventLoopResolutionMs', 'distribution']);
  const distribution = validateDistribution(`${path}.distribution`, optObject(`${path}.distribution`, metrics.distribution) ?? {});
  const binderOpts = optObject(`${path}.binders`, metrics.binders) ?? {};
  checkKeys(`${path}.binders`, binderOpts, BINDER_NAMES);
  const binders = {} as Record<BinderName, boolean>;
  for (const name of BINDER_NAMES) {
    binders[name] = optBoolean(`${path}.binders.${name}`, binderOpts[name]) ?? !(env.disabledBinders ?? []).includes(name);
  }
  let diskSpacePaths: string[] | undefined;
  if (metrics.diskSpacePaths !== undefined) {
    if (!Array.isArray(metrics.diskSpacePaths)) {
      throw invalid(`${path}.diskSpacePaths`, 'an array of strings', metrics.diskSpacePaths);
    }
    diskSpacePaths = metrics.diskSpacePaths.map((p, i) => optString(`${path}.diskSpacePaths[${i}]`, p) as string);
  }
  return {
    enabled: optBoolean(`${path}.enabled`, metrics.enabled) ?? env.enabled ?? true,
    binders,
    diskSpacePaths: diskSpacePaths ?? env.diskSpacePaths ?? ['.'],
    eventLoopResolutionMs: optInt(`${path}.eventLoopResolutionMs`, metrics.eventLoopResolutionMs, 1, 1000) ?? 20,
    distribution,
  };
}

/** Reads the metrics variables. Never throws. @since 0.1.0 */
export function readMetricsEnv(source: EnvSource = process.env): ReturnType<OptionArea<ResolvedMetricsConfig, MetricsEnv>['readEnv']> {
  const env = new EnvReader(source);
  const config: MetricsEnv = {};
  const enabled = env.boolean(['NODEMETER_METRICS_ENABLED']);
  if (enabled !== undefined) config.enabled = enabled;

  const disabled = env.first(['NODEMETER_METRICS_BINDERS_DISABLED']);
  if (disabled) {
    const names = listOf(disabled[1]);
    const unknown = names.filter((n) => !(BINDER_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) env.bad(disabled[0], disabled[1], `binder names among ${BINDER_NAMES.join(', ')}`);
    else config.disabledBinders = names as BinderName[];
  }

  const disk = env.first(['NODEMETER_DISK_SPACE_PATHS']);
  if (disk) config.diskSpacePaths = listOf(disk[1]);
  return { config, problems: env.problems };
}

/** The metrics area, as the composition root folds it. */
export const METRICS_OPTIONS: OptionArea<ResolvedMetricsConfig, MetricsEnv> = {
  key: 'metrics',
  readEnv: readMetricsEnv,
  resolve: resolveMetricsOptions,
};
