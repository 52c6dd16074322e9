/**
 * Options of `instrument()`, their defaults, and validation. Explicit options win; the environment fills what the
 * options leave out (see config-env.ts); defaults fill the rest. A bad option throws NM_ERR_CONFIG_INVALID naming
 * the option; a bad environment value is reported once (NMWRN001) and ignored.
 */
import { NodemeterError } from '../core/errors.js';
import type { DiagLevel } from '../core/diag.js';
import { BINDER_NAMES, type BinderName } from '../metrics/binders/names.js';
import { PROPAGATION_TYPES, type PropagationType } from '../tracing/propagation.js';
import {
  resolveLoggingOptions,
  type LoggingEnv,
  type LoggingOptions,
  type ResolvedLoggingConfig,
} from '../logging/options.js';

/** Options of {@link instrument}. Every field is optional. @since 0.1.0 */
export interface NodemeterOptions {
  /** Service name: the `application` tag on every series. Default: env, then the nearest package.json name. */
  serviceName?: string;
  /** Tags added to every series, like Spring's `management.metrics.tags.*`. */
  commonTags?: Record<string, string>;
  metrics?: MetricsOptions;
  actuator?: ActuatorOptions;
  /** A separate management server, like Spring's `management.server.port`. Off unless a port is given. */
  management?: ManagementOptions;
  /** HTTP server and client request metrics. */
  http?: HttpOptions;
  /** OpenTelemetry traces exported to Zipkin, with W3C/B3 propagation. */
  tracing?: TracingOptions;
  /** Application logs: trace ids in every line, console format, shipping to a Loki push receiver. @experimental */
  logging?: LoggingOptions;
  /** Level of nodemeter's own diagnostics on stderr. Default `warn`. */
  diagLevel?: DiagLevel;
}

/** @since 0.1.0 */
export interface HttpOptions {
  server?: {
    /** Observe incoming requests of every node:http server (`http_server_requests_seconds`). Default true. */
    enabled?: boolean;
    /** Distinct `uri` values before new ones are denied (Spring's `max-uri-tags`). Default 100. */
    maxUriTags?: number;
    /**
     * Route template of a request on a server without a framework integration (plain node:http). Return
     * undefined when no route matched; never return raw paths with ids in them.
     */
    routeResolver?: (request: import('node:http').IncomingMessage) => string | undefined;
  };
  client?: {
    /** Observe outgoing `fetch`/undici and `http.request` calls (`http_client_requests_seconds`). Default true. */
    enabled?: boolean;
    /** Distinct `uri` values before new ones are denied. Default 100. */
    maxUriTags?: number;
  };
}

/** @since 0.1.0 */
export interface TracingOptions {
  /** Create spans and propagate context. Default true. */
  enabled?: boolean;
  /** Probability that a new trace is sampled (parent-based). Default 0.1, as Spring Boot. */
  samplingProbability?: number;
  zipkin?: {
    /** Export spans to Zipkin. Default true. */
    enabled?: boolean;
    /** Default `http://localhost:9411/api/v2/spans`, as Spring's `management.zipkin.tracing.endpoint`. */
    endpoint?: string;
  };
  propagation?: {
    /** Formats injected into outgoing calls. Default `['w3c']`. */
    produce?: PropagationType[];
    /** Formats read from incoming calls. Default `['w3c', 'b3', 'b3multi']`. */
    consume?: PropagationType[];
  };
  /** Bounds of the batch span processor (OpenTelemetry's defaults). */
  export?: {
    maxQueueSize?: number;
    maxExportBatchSize?: number;
    scheduledDelayMs?: number;
    exportTimeoutMs?: number;
  };
}

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

/** @since 0.1.0 */
export interface ActuatorOptions {
  /** Base path of the actuator endpoints. Default `/actuator`, as Spring's `management.endpoints.web.base-path`. */
  basePath?: string;
  /** Endpoint ids served. Default `['health', 'prometheus']`. */
  exposure?: EndpointId[];
}

/** Actuator endpoints nodemeter serves. @since 0.1.0 */
export type EndpointId = 'health' | 'prometheus';
export const ENDPOINT_IDS: readonly EndpointId[] = ['health', 'prometheus'];

/** @since 0.1.0 */
export interface ManagementOptions {
  /** Port of the separate management server. 0 picks a free port. Unset: no separate server. */
  port?: number;
  /** Address it binds. Default `0.0.0.0`, as Spring. */
  host?: string;
}

/** The options after defaults and environment are applied. @since 0.1.0 */
export interface ResolvedConfig {
  serviceName: string;
  commonTags: Readonly<Record<string, string>>;
  metrics: {
    enabled: boolean;
    binders: Readonly<Record<BinderName, boolean>>;
    diskSpacePaths: readonly string[];
    eventLoopResolutionMs: number;
    distribution: DistributionOptions;
  };
  http: {
    server: {
      enabled: boolean;
      maxUriTags: number;
      routeResolver: ((request: import('node:http').IncomingMessage) => string | undefined) | undefined;
    };
    client: { enabled: boolean; maxUriTags: number };
  };
  tracing: {
    enabled: boolean;
    samplingProbability: number;
    zipkin: { enabled: boolean; endpoint: string };
    propagation: { produce: readonly PropagationType[]; consume: readonly PropagationType[] };
    export: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMs: number; exportTimeoutMs: number };
  };
  logging: ResolvedLoggingConfig;
  actuator: { basePath: string; exposure: readonly EndpointId[] };
  management: { port: number | undefined; host: string };
  diagLevel: DiagLevel;
}

const DIAG_LEVELS: readonly DiagLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_TAGS = new Set(['le', 'quantile']);

function invalid(option: string, expected: string, got: unknown): NodemeterError {
  let shown: string;
  try {
    shown = typeof got === 'string' ? JSON.stringify(got) : String(JSON.stringify(got) ?? typeof got);
  } catch {
    shown = typeof got;
  }
  return new NodemeterError('NM_ERR_CONFIG_INVALID', `option "${option}" must be ${expected}, got ${shown}`);
}

function checkKeys(option: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const where = option ? `${option}.${key}` : key;
      throw new NodemeterError(
        'NM_ERR_CONFIG_UNKNOWN_OPTION',
        `unknown option "${where}"; known options here: ${allowed.join(', ')}`,
      );
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optObject(option: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(option, 'an object', value);
  return value;
}

function optString(option: string, value: unknown, nonEmpty = true): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || (nonEmpty && value.trim() === '')) {
    throw invalid(option, 'a non-empty string', value);
  }
  return value;
}

function optBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(option, 'a boolean', value);
  return value;
}

function optInt(option: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** Checks tag keys and values; shared by options and environment. */
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

function propagationList(option: string, value: unknown): PropagationType[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => !PROPAGATION_TYPES.includes(v as PropagationType))) {
    throw invalid(option, `a non-empty array of ${PROPAGATION_TYPES.join(', ')}`, value);
  }
  return [...new Set(value as PropagationType[])];
}

function resolveTracing(t: Record<string, unknown>, env: EnvConfig): ResolvedConfig['tracing'] {
  checkKeys('tracing', t, ['enabled', 'samplingProbability', 'zipkin', 'propagation', 'export']);
  const probability = t.samplingProbability;
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    throw invalid('tracing.samplingProbability', 'a number from 0 to 1', probability);
  }
  const zipkin = optObject('tracing.zipkin', t.zipkin) ?? {};
  checkKeys('tracing.zipkin', zipkin, ['enabled', 'endpoint']);
  const endpoint = optString('tracing.zipkin.endpoint', zipkin.endpoint) ?? env.zipkinEndpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw invalid('tracing.zipkin.endpoint', 'an http(s) URL', endpoint);
  }
  const propagation = optObject('tracing.propagation', t.propagation) ?? {};
  checkKeys('tracing.propagation', propagation, ['produce', 'consume']);
  const exp = optObject('tracing.export', t.export) ?? {};
  checkKeys('tracing.export', exp, ['maxQueueSize', 'maxExportBatchSize', 'scheduledDelayMs', 'exportTimeoutMs']);
  const envQueue = env.exportQueue ?? {};
  const maxQueueSize = optInt('tracing.export.maxQueueSize', exp.maxQueueSize, 1, 1_000_000) ?? envQueue.maxQueueSize ?? 2048;
  return {
    enabled: optBoolean('tracing.enabled', t.enabled) ?? env.tracingEnabled ?? true,
    samplingProbability: (probability as number | undefined) ?? env.samplingProbability ?? 0.1,
    zipkin: {
      enabled: optBoolean('tracing.zipkin.enabled', zipkin.enabled) ?? env.zipkinEnabled ?? true,
      endpoint: endpoint ?? 'http://localhost:9411/api/v2/spans',
    },
    propagation: {
      produce: propagationList('tracing.propagation.produce', propagation.produce) ?? env.propagationProduce ?? ['w3c'],
      consume: propagationList('tracing.propagation.consume', propagation.consume) ?? env.propagationConsume ?? ['w3c', 'b3', 'b3multi'],
    },
    export: {
      maxQueueSize,
      maxExportBatchSize: Math.min(
        optInt('tracing.export.maxExportBatchSize', exp.maxExportBatchSize, 1, 1_000_000) ?? envQueue.maxExportBatchSize ?? 512,
        maxQueueSize,
      ),
      scheduledDelayMs: optInt('tracing.export.scheduledDelayMs', exp.scheduledDelayMs, 1, 3_600_000) ?? envQueue.scheduledDelayMs ?? 5000,
      exportTimeoutMs: optInt('tracing.export.exportTimeoutMs', exp.exportTimeoutMs, 1, 3_600_000) ?? envQueue.exportTimeoutMs ?? 30_000,
    },
  };
}

function validateDistribution(d: Record<string, unknown>): DistributionOptions {
  checkKeys('metrics.distribution', d, ['percentilesHistogram', 'slo', 'minimumExpectedValue', 'maximumExpectedValue']);
  const out: DistributionOptions = {};
  const ph = optObject('metrics.distribution.percentilesHistogram', d.percentilesHistogram);
  if (ph) {
    out.percentilesHistogram = {};
    for (const [k, v] of Object.entries(ph)) {
      out.percentilesHistogram[k] = optBoolean(`metrics.distribution.percentilesHistogram.${k}`, v) as boolean;
    }
  }
  const slo = optObject('metrics.distribution.slo', d.slo);
  if (slo) {
    out.slo = {};
    for (const [k, v] of Object.entries(slo)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !(x > 0) || !Number.isFinite(x))) {
        throw invalid(`metrics.distribution.slo.${k}`, 'an array of positive numbers (seconds)', v);
      }
      out.slo[k] = [...(v as number[])];
    }
  }
  for (const bound of ['minimumExpectedValue', 'maximumExpectedValue'] as const) {
    const o = optObject(`metrics.distribution.${bound}`, d[bound]);
    if (!o) continue;
    out[bound] = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
        throw invalid(`metrics.distribution.${bound}.${k}`, 'a positive number of seconds', v);
      }
      (out[bound] as Record<string, number>)[k] = v;
    }
  }
  return out;
}

/** What the environment contributed, already parsed (see config-env.ts). */
export interface EnvConfig {
  serviceName?: string;
  commonTags?: Record<string, string>;
  metricsEnabled?: boolean;
  disabledBinders?: BinderName[];
  diskSpacePaths?: string[];
  managementPort?: number;
  managementHost?: string;
  basePath?: string;
  exposure?: EndpointId[];
  diagLevel?: DiagLevel;
  tracingEnabled?: boolean;
  zipkinEnabled?: boolean;
  zipkinEndpoint?: string;
  samplingProbability?: number;
  propagationProduce?: PropagationType[];
  propagationConsume?: PropagationType[];
  exportQueue?: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMs?: number; exportTimeoutMs?: number };
  logging?: LoggingEnv;
}

/**
 * Validates `options` (throwing coded errors) and merges them over the environment and defaults.
 * `fallbackServiceName` is used when neither options nor environment name the service.
 */
export function resolveConfig(
  options: unknown,
  env: EnvConfig,
  fallbackServiceName: () => string,
): ResolvedConfig {
  const opts = optObject('options', options ?? {}) ?? {};
  checkKeys('', opts, ['serviceName', 'commonTags', 'metrics', 'actuator', 'management', 'http', 'tracing', 'logging', 'diagLevel']);

  const serviceName = optString('serviceName', opts.serviceName) ?? env.serviceName ?? fallbackServiceName();
  const commonTags = { ...env.commonTags, ...validateTags('commonTags', opts.commonTags) };
  if ('application' in commonTags) {
    throw invalid('commonTags.application', 'absent (it is set from serviceName)', commonTags.application);
  }

  const metrics = optObject('metrics', opts.metrics) ?? {};
  checkKeys('metrics', metrics, ['enabled', 'binders', 'diskSpacePaths', 'eventLoopResolutionMs', 'distribution']);
  const distribution = validateDistribution(optObject('metrics.distribution', metrics.distribution) ?? {});
  const http = optObject('http', opts.http) ?? {};
  checkKeys('http', http, ['server', 'client']);
  const httpSide = (side: 'server' | 'client') => {
    const o = optObject(`http.${side}`, http[side]) ?? {};
    checkKeys(`http.${side}`, o, side === 'server' ? ['enabled', 'maxUriTags', 'routeResolver'] : ['enabled', 'maxUriTags']);
    if (o.routeResolver !== undefined && typeof o.routeResolver !== 'function') {
      throw invalid(`http.${side}.routeResolver`, 'a function', o.routeResolver);
    }
    return {
      enabled: optBoolean(`http.${side}.enabled`, o.enabled) ?? true,
      maxUriTags: optInt(`http.${side}.maxUriTags`, o.maxUriTags, 1, 1_000_000) ?? 100,
      routeResolver: o.routeResolver as ((request: import('node:http').IncomingMessage) => string | undefined) | undefined,
    };
  };
  const binderOpts = optObject('metrics.binders', metrics.binders) ?? {};
  checkKeys('metrics.binders', binderOpts, BINDER_NAMES);
  const binders = {} as Record<BinderName, boolean>;
  for (const name of BINDER_NAMES) {
    binders[name] =
      optBoolean(`metrics.binders.${name}`, binderOpts[name]) ?? !(env.disabledBinders ?? []).includes(name);
  }
  let diskSpacePaths: string[] | undefined;
  if (metrics.diskSpacePaths !== undefined) {
    if (!Array.isArray(metrics.diskSpacePaths)) {
      throw invalid('metrics.diskSpacePaths', 'an array of strings', metrics.diskSpacePaths);
    }
    diskSpacePaths = metrics.diskSpacePaths.map((p, i) => optString(`metrics.diskSpacePaths[${i}]`, p) as string);
  }

  const actuator = optObject('actuator', opts.actuator) ?? {};
  checkKeys('actuator', actuator, ['basePath', 'exposure']);
  const basePath = optString('actuator.basePath', actuator.basePath) ?? env.basePath ?? '/actuator';
  if (!basePath.startsWith('/') || /[?#\s]/.test(basePath)) {
    throw invalid('actuator.basePath', 'a path starting with "/" without query, fragment or spaces', basePath);
  }
  let exposure: EndpointId[] | undefined;
  if (actuator.exposure !== undefined) {
    if (!Array.isArray(actuator.exposure) || actuator.exposure.some((e) => !ENDPOINT_IDS.includes(e as EndpointId))) {
      throw invalid('actuator.exposure', `an array of ${ENDPOINT_IDS.join(', ')}`, actuator.exposure);
    }
    exposure = actuator.exposure as EndpointId[];
  }

  const tracing = resolveTracing(optObject('tracing', opts.tracing) ?? {}, env);

  const management = optObject('management', opts.management) ?? {};
  checkKeys('management', management, ['port', 'host']);

  let diagLevel = env.diagLevel ?? 'warn';
  if (opts.diagLevel !== undefined) {
    if (!DIAG_LEVELS.includes(opts.diagLevel as DiagLevel)) {
      throw invalid('diagLevel', `one of ${DIAG_LEVELS.join(', ')}`, opts.diagLevel);
    }
    diagLevel = opts.diagLevel as DiagLevel;
  }

  return {
    serviceName,
    commonTags,
    metrics: {
      enabled: optBoolean('metrics.enabled', metrics.enabled) ?? env.metricsEnabled ?? true,
      binders,
      diskSpacePaths: diskSpacePaths ?? env.diskSpacePaths ?? ['.'],
      eventLoopResolutionMs: optInt('metrics.eventLoopResolutionMs', metrics.eventLoopResolutionMs, 1, 1000) ?? 20,
      distribution,
    },
    http: {
      server: httpSide('server'),
      client: (({ enabled, maxUriTags }) => ({ enabled, maxUriTags }))(httpSide('client')),
    },
    tracing,
    logging: resolveLoggingOptions(opts.logging, env.logging),
    actuator: {
      basePath: basePath.length > 1 ? basePath.replace(/\/+$/, '') : basePath,
      exposure: exposure ?? env.exposure ?? ['health', 'prometheus'],
    },
    management: {
      port: optInt('management.port', management.port, 0, 65535) ?? env.managementPort,
      host: optString('management.host', management.host) ?? env.managementHost ?? '0.0.0.0',
    },
    diagLevel,
  };
}
