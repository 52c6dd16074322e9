/**
 * Options of the tracing area (`tracing` in instrument()'s options): sampling, the Zipkin exporter, propagation
 * formats and the bounds of the batch span processor.
 *
 * Environment (explicit options win; a value that does not parse is reported once as Warnings.ENV_VALUE_IGNORED and ignored):
 *   NODEMETER_TRACING_ENABLED, MANAGEMENT_TRACING_ENABLED                   true | false (OTEL_SDK_DISABLED=true: off)
 *   OTEL_TRACES_EXPORTER                                                   zipkin | otlp | otlp,zipkin | none
 *   NODEMETER_ZIPKIN_ENDPOINT, MANAGEMENT_ZIPKIN_TRACING_ENDPOINT, OTEL_EXPORTER_ZIPKIN_ENDPOINT
 *   NODEMETER_ZIPKIN_TRANSPORT                                             http | kafka
 *   NODEMETER_ZIPKIN_KAFKA_BOOTSTRAP_SERVERS, NODEMETER_ZIPKIN_KAFKA_TOPIC  (Zipkin's collector: KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC)
 *   OTEL_TRACES_EXPORTER                                                   otlp, zipkin (a list: both; otlp alone: OTLP only)
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is), OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces): OTLP export on
 *   MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT (Boot 4), MANAGEMENT_OTLP_TRACING_ENDPOINT (Boot 3)
 *   OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_EXPORTER_OTLP_HEADERS          key=value,key=value
 *   NODEMETER_TRACING_SAMPLING_PROBABILITY, MANAGEMENT_TRACING_SAMPLING_PROBABILITY (else OTEL_TRACES_SAMPLER[_ARG])
 *   MANAGEMENT_TRACING_PROPAGATION_TYPE, OTEL_PROPAGATORS                   both directions
 *   NODEMETER_TRACING_PROPAGATION_PRODUCE / _CONSUME, MANAGEMENT_TRACING_PROPAGATION_PRODUCE / _CONSUME
 *   OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT
 *
 * Only names and types here: reading the options never loads the OpenTelemetry SDK.
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
import { PROPAGATION_TYPES, type PropagationType } from './propagation.js';

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
    /**
     * How span batches travel: `'http'` (default) to `endpoint`, or `'kafka'`: to a Kafka topic that Zipkin's Kafka
     * collector reads, as Brave's KafkaSender does (kafkajs must be installed). @since 0.2.0
     */
    transport?: ZipkinTransport;
    /** The Kafka transport. @since 0.2.0 */
    kafka?: {
      /** Default `['localhost:9092']`. */
      bootstrapServers?: string[];
      /** Default `'zipkin'`, the topic Zipkin's Kafka collector reads by default. */
      topic?: string;
    };
  };
  /**
   * OTLP/HTTP (protobuf) export beside or instead of Zipkin, as Spring Boot 4's OpenTelemetry support does; needs
   * `@opentelemetry/exporter-trace-otlp-http` installed. Default: on when an OTLP endpoint is configured. @since 0.2.0
   */
  otlp?: {
    enabled?: boolean;
    /** The traces URL, e.g. `http://collector:4318/v1/traces`. */
    endpoint?: string;
    /** Headers of every export request (e.g. an authorization header). */
    headers?: Record<string, string>;
  };
  propagation?: {
    /** Formats injected into outgoing calls. Default `['w3c']`. */
    produce?: PropagationType[];
    /** Formats read from incoming calls. Default `['w3c', 'b3', 'b3multi']`. */
    consume?: PropagationType[];
  };
  /** Bounds of the batch span processor (OpenTelemetry's defaults, but batches of 128 spans, not 512). */
  export?: {
    maxQueueSize?: number;
    /**
     * Default 128 (OpenTelemetry's is 512): spans waiting for a full batch are what pushes memory up after load.
     * Batches are sent one at a time; raise it for more than about 10,000 spans/s through a slow collector.
     */
    maxExportBatchSize?: number;
    scheduledDelayMs?: number;
    exportTimeoutMs?: number;
  };
}

/** Bounds of the batch span processor after defaults. @since 0.1.0 */
export interface ResolvedExportConfig {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
}

/** Tracing settings after environment and defaults. @since 0.1.0 */
export interface ResolvedTracingConfig {
  enabled: boolean;
  samplingProbability: number;
  zipkin: {
    enabled: boolean;
    endpoint: string;
    transport: ZipkinTransport;
    kafka: { bootstrapServers: readonly string[]; topic: string };
  };
  otlp: { enabled: boolean; endpoint: string; headers: Readonly<Record<string, string>> };
  propagation: { produce: readonly PropagationType[]; consume: readonly PropagationType[] };
  export: ResolvedExportConfig;
}

/** What the environment contributed to the tracing settings. @since 0.1.0 */
export interface TracingEnv {
  enabled?: boolean;
  zipkinEnabled?: boolean;
  zipkinEndpoint?: string;
  zipkinTransport?: ZipkinTransport;
  zipkinKafkaBootstrapServers?: string[];
  zipkinKafkaTopic?: string;
  otlpEnabled?: boolean;
  otlpEndpoint?: string;
  otlpHeaders?: Record<string, string>;
  samplingProbability?: number;
  propagationProduce?: PropagationType[];
  propagationConsume?: PropagationType[];
  exportQueue?: Partial<ResolvedExportConfig>;
}

/** How span batches reach Zipkin. @since 0.2.0 */
export type ZipkinTransport = 'http' | 'kafka';
const ZIPKIN_TRANSPORTS: readonly ZipkinTransport[] = ['http', 'kafka'];

const DEFAULT_ZIPKIN_ENDPOINT = 'http://localhost:9411/api/v2/spans';
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318/v1/traces';
const DEFAULT_EXPORT_BATCH = 128;
const HTTP_URL = /^https?:\/\/[^/]+/;

function propagationList(option: string, value: unknown): PropagationType[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => !PROPAGATION_TYPES.includes(v as PropagationType))) {
    throw invalid(option, `a non-empty array of ${PROPAGATION_TYPES.join(', ')}`, value);
  }
  return [...new Set(value as PropagationType[])];
}

/** Validates the `tracing` option and merges it over the environment and defaults. @since 0.1.0 */
export function resolveTracingOptions(options: unknown, env: TracingEnv = {}, path = 'tracing'): ResolvedTracingConfig {
  const t = optObject(path, options) ?? {};
  checkKeys(path, t, ['enabled', 'samplingProbability', 'zipkin', 'otlp', 'propagation', 'export']);
  const probability = t.samplingProbability;
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    throw invalid(`${path}.samplingProbability`, 'a number from 0 to 1', probability);
  }
  const zipkin = optObject(`${path}.zipkin`, t.zipkin) ?? {};
  checkKeys(`${path}.zipkin`, zipkin, ['enabled', 'endpoint', 'transport', 'kafka']);
  const endpoint = optString(`${path}.zipkin.endpoint`, zipkin.endpoint) ?? env.zipkinEndpoint;
  if (endpoint !== undefined && !HTTP_URL.test(endpoint)) {
    throw invalid(`${path}.zipkin.endpoint`, 'an http(s) URL', endpoint);
  }
  const transport = zipkin.transport;
  if (transport !== undefined && !ZIPKIN_TRANSPORTS.includes(transport as ZipkinTransport)) {
    throw invalid(`${path}.zipkin.transport`, "'http' or 'kafka'", transport);
  }
  const kafka = optObject(`${path}.zipkin.kafka`, zipkin.kafka) ?? {};
  checkKeys(`${path}.zipkin.kafka`, kafka, ['bootstrapServers', 'topic']);
  const servers = kafka.bootstrapServers;
  if (servers !== undefined && (!Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== 'string' || s === ''))) {
    throw invalid(`${path}.zipkin.kafka.bootstrapServers`, "a non-empty array of 'host:port' strings", servers);
  }
  const topic = optString(`${path}.zipkin.kafka.topic`, kafka.topic);
  if (topic === '') throw invalid(`${path}.zipkin.kafka.topic`, 'a topic name', topic);
  const otlp = optObject(`${path}.otlp`, t.otlp) ?? {};
  checkKeys(`${path}.otlp`, otlp, ['enabled', 'endpoint', 'headers']);
  const otlpEndpoint = optString(`${path}.otlp.endpoint`, otlp.endpoint);
  if (otlpEndpoint !== undefined && !HTTP_URL.test(otlpEndpoint)) throw invalid(`${path}.otlp.endpoint`, 'an http(s) URL', otlpEndpoint);
  const otlpHeaders = optObject(`${path}.otlp.headers`, otlp.headers);
  if (otlpHeaders !== undefined && Object.values(otlpHeaders).some((v) => typeof v !== 'string')) {
    throw invalid(`${path}.otlp.headers`, 'an object of string values', otlpHeaders);
  }
  const propagation = optObject(`${path}.propagation`, t.propagation) ?? {};
  checkKeys(`${path}.propagation`, propagation, ['produce', 'consume']);
  const exp = optObject(`${path}.export`, t.export) ?? {};
  checkKeys(`${path}.export`, exp, ['maxQueueSize', 'maxExportBatchSize', 'scheduledDelayMs', 'exportTimeoutMs']);
  const envQueue = env.exportQueue ?? {};
  const maxQueueSize = optInt(`${path}.export.maxQueueSize`, exp.maxQueueSize, 1, 1_000_000) ?? envQueue.maxQueueSize ?? 2048;
  return {
    enabled: optBoolean(`${path}.enabled`, t.enabled) ?? env.enabled ?? true,
    samplingProbability: (probability as number | undefined) ?? env.samplingProbability ?? 0.1,
    zipkin: {
      enabled: optBoolean(`${path}.zipkin.enabled`, zipkin.enabled) ?? env.zipkinEnabled ?? true,
      endpoint: endpoint ?? DEFAULT_ZIPKIN_ENDPOINT,
      transport: (transport as ZipkinTransport | undefined) ?? env.zipkinTransport ?? 'http',
      kafka: {
        bootstrapServers: (servers as string[] | undefined) ?? env.zipkinKafkaBootstrapServers ?? ['localhost:9092'],
        topic: topic ?? env.zipkinKafkaTopic ?? 'zipkin',
      },
    },
    otlp: {
      // Like Spring Boot: configuring an endpoint is what turns OTLP export on.
      enabled: optBoolean(`${path}.otlp.enabled`, otlp.enabled) ?? env.otlpEnabled ?? (otlpEndpoint !== undefined || env.otlpEndpoint !== undefined),
      endpoint: otlpEndpoint ?? env.otlpEndpoint ?? DEFAULT_OTLP_ENDPOINT,
      headers: (otlpHeaders as Record<string, string> | undefined) ?? env.otlpHeaders ?? {},
    },
    propagation: {
      produce: propagationList(`${path}.propagation.produce`, propagation.produce) ?? env.propagationProduce ?? ['w3c'],
      consume: propagationList(`${path}.propagation.consume`, propagation.consume) ?? env.propagationConsume ?? ['w3c', 'b3', 'b3multi'],
    },
    export: {
      maxQueueSize,
      // 128, not OpenTelemetry's 512: a finished span waits in the queue until a batch is full, and a span that
      // waits long enough to outlive two young-generation GCs is copied into V8's old generation, whose garbage
      // only a full GC frees; the bytes that survive also make V8 grow the young generation to its maximum. At
      // 10% sampling a batch of 512 kept about 35 MB more resident after load than one of 128 (docs/benchmarks.md,
      // footprint). Batches are still sent one at a time: 128 spans per round trip to Zipkin.
      maxExportBatchSize: Math.min(
        optInt(`${path}.export.maxExportBatchSize`, exp.maxExportBatchSize, 1, 1_000_000) ?? envQueue.maxExportBatchSize ?? DEFAULT_EXPORT_BATCH,
        maxQueueSize,
      ),
      scheduledDelayMs: optInt(`${path}.export.scheduledDelayMs`, exp.scheduledDelayMs, 1, 3_600_000) ?? envQueue.scheduledDelayMs ?? 5000,
      exportTimeoutMs: optInt(`${path}.export.exportTimeoutMs`, exp.exportTimeoutMs, 1, 3_600_000) ?? envQueue.exportTimeoutMs ?? 30_000,
    },
  };
}

/** Spring's and OpenTelemetry's names of the propagation formats. */
const PROPAGATION_NAMES: Record<string, PropagationType> = {
  w3c: 'w3c',
  tracecontext: 'w3c',
  b3: 'b3',
  b3multi: 'b3multi',
  b3_multi: 'b3multi',
};

/** Reads the tracing variables. Never throws. @since 0.1.0 */
export function readTracingEnv(source: EnvSource = process.env): { config: TracingEnv; problems: EnvReader['problems'] } {
  const env = new EnvReader(source);
  const config: TracingEnv = {};

  if (env.first(['NODEMETER_TRACING_ENABLED', 'MANAGEMENT_TRACING_ENABLED'])) {
    const enabled = env.boolean(['NODEMETER_TRACING_ENABLED', 'MANAGEMENT_TRACING_ENABLED']);
    if (enabled !== undefined) config.enabled = enabled;
  } else if (source.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    config.enabled = false;
  }

  const exporter = env.first(['OTEL_TRACES_EXPORTER']);
  if (exporter) {
    const names = listOf(exporter[1].toLowerCase());
    if (names.includes('none')) {
      config.zipkinEnabled = false;
      config.otlpEnabled = false;
    } else if (names.includes('otlp')) {
      // OpenTelemetry's meaning: the listed exporters, and only them.
      config.otlpEnabled = true;
      config.zipkinEnabled = names.includes('zipkin');
    } else if (names.includes('zipkin')) config.zipkinEnabled = true;
  }

  const transport = env.first(['NODEMETER_ZIPKIN_TRANSPORT']);
  if (transport) {
    const value = transport[1].trim().toLowerCase();
    if (ZIPKIN_TRANSPORTS.includes(value as ZipkinTransport)) config.zipkinTransport = value as ZipkinTransport;
    else env.bad(transport[0], transport[1], 'http or kafka');
  }
  const servers = env.first(['NODEMETER_ZIPKIN_KAFKA_BOOTSTRAP_SERVERS']);
  if (servers) {
    const list = listOf(servers[1]);
    if (list.length > 0) config.zipkinKafkaBootstrapServers = list;
    else env.bad(servers[0], servers[1], 'a list of host:port');
  }
  const topic = env.first(['NODEMETER_ZIPKIN_KAFKA_TOPIC']);
  if (topic) config.zipkinKafkaTopic = topic[1].trim();

  // OTLP as OpenTelemetry's SDKs and Spring Boot read it: the signal's own URL as is, the base URL plus /v1/traces.
  const otlpTraces = env.first([
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT',
    'MANAGEMENT_OTLP_TRACING_ENDPOINT',
  ]);
  const otlpBase = env.first(['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const otlpUrl = otlpTraces ? otlpTraces[1] : otlpBase ? `${otlpBase[1].replace(/\/+$/, '')}/v1/traces` : undefined;
  if (otlpUrl !== undefined) {
    const name = (otlpTraces ?? otlpBase)![0];
    if (HTTP_URL.test(otlpUrl)) config.otlpEndpoint = otlpUrl;
    else env.bad(name, otlpUrl, 'an http(s) URL');
  }
  const headers = env.first(['OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS']);
  if (headers) {
    const parsed = parseOtlpHeaders(headers[1]);
    if (parsed) config.otlpHeaders = parsed;
    else env.bad(headers[0], headers[1], 'a list of key=value');
  }

  const endpoint = env.first(['NODEMETER_ZIPKIN_ENDPOINT', 'MANAGEMENT_ZIPKIN_TRACING_ENDPOINT', 'OTEL_EXPORTER_ZIPKIN_ENDPOINT']);
  if (endpoint) {
    if (HTTP_URL.test(endpoint[1])) config.zipkinEndpoint = endpoint[1];
    else env.bad(endpoint[0], endpoint[1], 'an http(s) URL');
  }

  const probability = env.first(['NODEMETER_TRACING_SAMPLING_PROBABILITY', 'MANAGEMENT_TRACING_SAMPLING_PROBABILITY']);
  const otelSampler = source.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (probability) {
    const n = Number(probability[1]);
    if (probability[1] !== '' && n >= 0 && n <= 1) config.samplingProbability = n;
    else env.bad(probability[0], probability[1], 'a number from 0 to 1');
  } else if (otelSampler) {
    if (otelSampler === 'always_on' || otelSampler === 'parentbased_always_on') config.samplingProbability = 1;
    else if (otelSampler === 'always_off' || otelSampler === 'parentbased_always_off') config.samplingProbability = 0;
    else if (otelSampler === 'traceidratio' || otelSampler === 'parentbased_traceidratio') {
      const arg = source.OTEL_TRACES_SAMPLER_ARG?.trim() ?? '1';
      const n = Number(arg);
      if (arg !== '' && n >= 0 && n <= 1) config.samplingProbability = n;
      else env.bad('OTEL_TRACES_SAMPLER_ARG', arg, 'a number from 0 to 1');
    } else env.bad('OTEL_TRACES_SAMPLER', otelSampler, 'always_on, always_off, traceidratio or their parentbased_ forms');
  }

  const parsePropagation = (name: string, value: string): PropagationType[] | undefined => {
    const types = listOf(value.toLowerCase()).map((v) => PROPAGATION_NAMES[v]);
    if (types.length > 0 && types.every((t) => t !== undefined)) return [...new Set(types as PropagationType[])];
    env.bad(name, value, 'a list of W3C, B3, B3_MULTI (or tracecontext, b3, b3multi)');
    return undefined;
  };
  const both = env.first(['MANAGEMENT_TRACING_PROPAGATION_TYPE', 'OTEL_PROPAGATORS']);
  if (both) {
    const types = parsePropagation(both[0], both[1]);
    if (types) {
      config.propagationProduce = types;
      config.propagationConsume = types;
    }
  }
  const produce = env.first(['NODEMETER_TRACING_PROPAGATION_PRODUCE', 'MANAGEMENT_TRACING_PROPAGATION_PRODUCE']);
  if (produce) config.propagationProduce = parsePropagation(produce[0], produce[1]) ?? config.propagationProduce;
  const consume = env.first(['NODEMETER_TRACING_PROPAGATION_CONSUME', 'MANAGEMENT_TRACING_PROPAGATION_CONSUME']);
  if (consume) config.propagationConsume = parsePropagation(consume[0], consume[1]) ?? config.propagationConsume;

  // OpenTelemetry's batch span processor variables.
  const queue: Partial<ResolvedExportConfig> = {};
  for (const [name, key] of [
    ['OTEL_BSP_MAX_QUEUE_SIZE', 'maxQueueSize'],
    ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'maxExportBatchSize'],
    ['OTEL_BSP_SCHEDULE_DELAY', 'scheduledDelayMs'],
    ['OTEL_BSP_EXPORT_TIMEOUT', 'exportTimeoutMs'],
  ] as const) {
    const v = env.first([name]);
    if (!v) continue;
    if (/^\d+$/.test(v[1]) && Number(v[1]) >= 1) queue[key] = Number(v[1]);
    else env.bad(v[0], v[1], 'a positive integer');
  }
  if (Object.keys(queue).length > 0) config.exportQueue = queue;
  return { config, problems: env.problems };
}

/** OpenTelemetry's header list: `key=value` pairs, comma separated, values URL-encoded. */
function parseOtlpHeaders(value: string): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const pair of listOf(value)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return headers;
}

/** The tracing area, as the composition root folds it. */
export const TRACING_OPTIONS: OptionArea<ResolvedTracingConfig, TracingEnv> = {
  key: 'tracing',
  readEnv: readTracingEnv,
  resolve: resolveTracingOptions,
};
