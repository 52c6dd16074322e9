/**
 * Reads nodemeter's settings from the environment. Spring Boot's relaxed-binding names (MANAGEMENT_SERVER_PORT …)
 * and OpenTelemetry's OTEL_SERVICE_NAME are honoured next to the NODEMETER_* names. A value that does not parse is
 * returned as a problem (reported once by the caller as NMWRN001) and otherwise ignored.
 */
import { ENDPOINT_IDS, validateTags, type EndpointId, type EnvConfig } from './config.js';
import type { DiagLevel } from '../core/diag.js';
import { BINDER_NAMES, type BinderName } from '../metrics/binders/names.js';
import type { PropagationType } from '../tracing/propagation.js';
import { readLoggingEnv } from '../logging/options.js';

const PROPAGATION_NAMES: Record<string, PropagationType> = {
  w3c: 'w3c',
  tracecontext: 'w3c',
  b3: 'b3',
  b3multi: 'b3multi',
  b3_multi: 'b3multi',
};

function booleanOf(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

/** A variable whose value was ignored, and why. */
export interface EnvProblem {
  variable: string;
  message: string;
}

type Env = Record<string, string | undefined>;

function first(env: Env, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return [name, value.trim()];
  }
  return undefined;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses the environment. Never throws. @since 0.1.0 */
export function readEnv(env: Env = process.env): { config: EnvConfig; problems: EnvProblem[] } {
  const config: EnvConfig = {};
  const problems: EnvProblem[] = [];
  const bad = (variable: string, value: string, expected: string): void => {
    problems.push({ variable, message: `${variable}=${JSON.stringify(value)} ignored: expected ${expected}` });
  };

  const name = first(env, ['NODEMETER_SERVICE_NAME', 'OTEL_SERVICE_NAME', 'SPRING_APPLICATION_NAME']);
  if (name) config.serviceName = name[1];

  const tags = first(env, ['NODEMETER_COMMON_TAGS']);
  if (tags) {
    const parsed: Record<string, string> = {};
    let ok = true;
    for (const pair of list(tags[1])) {
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        ok = false;
        break;
      }
      parsed[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    try {
      if (ok && !('application' in parsed)) config.commonTags = validateTags('NODEMETER_COMMON_TAGS', parsed);
      else ok = false;
    } catch {
      ok = false;
    }
    if (!ok) bad(tags[0], tags[1], 'key=value pairs separated by commas, keys like [a-zA-Z_][a-zA-Z0-9_]*, no "application"');
  }

  const enabled = first(env, ['NODEMETER_METRICS_ENABLED']);
  if (enabled) {
    const v = enabled[1].toLowerCase();
    if (v === 'true' || v === '1') config.metricsEnabled = true;
    else if (v === 'false' || v === '0') config.metricsEnabled = false;
    else bad(enabled[0], enabled[1], 'true or false');
  }

  const disabled = first(env, ['NODEMETER_METRICS_BINDERS_DISABLED']);
  if (disabled) {
    const names = list(disabled[1]);
    const unknown = names.filter((n) => !(BINDER_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) bad(disabled[0], disabled[1], `binder names among ${BINDER_NAMES.join(', ')}`);
    else config.disabledBinders = names as BinderName[];
  }

  const disk = first(env, ['NODEMETER_DISK_SPACE_PATHS']);
  if (disk) config.diskSpacePaths = list(disk[1]);

  const port = first(env, ['NODEMETER_MANAGEMENT_PORT', 'MANAGEMENT_SERVER_PORT']);
  if (port) {
    const n = Number(port[1]);
    if (/^\d+$/.test(port[1]) && n >= 0 && n <= 65535) config.managementPort = n;
    else bad(port[0], port[1], 'an integer from 0 to 65535');
  }

  const host = first(env, ['NODEMETER_MANAGEMENT_HOST', 'MANAGEMENT_SERVER_ADDRESS']);
  if (host) config.managementHost = host[1];

  const base = first(env, ['NODEMETER_ACTUATOR_BASE_PATH', 'MANAGEMENT_ENDPOINTS_WEB_BASE_PATH']);
  if (base) {
    if (base[1].startsWith('/') && !/[?#\s]/.test(base[1])) config.basePath = base[1];
    else bad(base[0], base[1], 'a path starting with "/"');
  }

  const exposure = first(env, ['NODEMETER_ACTUATOR_EXPOSURE', 'MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE']);
  if (exposure) {
    const ids = exposure[1] === '*' ? [...ENDPOINT_IDS] : list(exposure[1]);
    if (ids.every((id) => ENDPOINT_IDS.includes(id as EndpointId))) config.exposure = ids as EndpointId[];
    else bad(exposure[0], exposure[1], `"*" or endpoint ids among ${ENDPOINT_IDS.join(', ')}`);
  }

  const level = first(env, ['NODEMETER_LOG_LEVEL']);
  if (level) {
    const v = level[1].toLowerCase();
    if (['silent', 'error', 'warn', 'info', 'debug'].includes(v)) config.diagLevel = v as DiagLevel;
    else bad(level[0], level[1], 'one of silent, error, warn, info, debug');
  }

  const tracingEnabled = first(env, ['NODEMETER_TRACING_ENABLED', 'MANAGEMENT_TRACING_ENABLED']);
  if (tracingEnabled) {
    const b = booleanOf(tracingEnabled[1]);
    if (b === undefined) bad(tracingEnabled[0], tracingEnabled[1], 'true or false');
    else config.tracingEnabled = b;
  } else if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    config.tracingEnabled = false;
  }

  const exporter = first(env, ['OTEL_TRACES_EXPORTER']);
  if (exporter) {
    const names = list(exporter[1].toLowerCase());
    if (names.includes('none')) config.zipkinEnabled = false;
    else if (names.includes('zipkin')) config.zipkinEnabled = true;
  }

  const endpoint = first(env, ['NODEMETER_ZIPKIN_ENDPOINT', 'MANAGEMENT_ZIPKIN_TRACING_ENDPOINT', 'OTEL_EXPORTER_ZIPKIN_ENDPOINT']);
  if (endpoint) {
    if (/^https?:\/\/[^/]+/.test(endpoint[1])) config.zipkinEndpoint = endpoint[1];
    else bad(endpoint[0], endpoint[1], 'an http(s) URL');
  }

  const probability = first(env, ['NODEMETER_TRACING_SAMPLING_PROBABILITY', 'MANAGEMENT_TRACING_SAMPLING_PROBABILITY']);
  const otelSampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (probability) {
    const n = Number(probability[1]);
    if (probability[1] !== '' && n >= 0 && n <= 1) config.samplingProbability = n;
    else bad(probability[0], probability[1], 'a number from 0 to 1');
  } else if (otelSampler) {
    if (otelSampler === 'always_on' || otelSampler === 'parentbased_always_on') config.samplingProbability = 1;
    else if (otelSampler === 'always_off' || otelSampler === 'parentbased_always_off') config.samplingProbability = 0;
    else if (otelSampler === 'traceidratio' || otelSampler === 'parentbased_traceidratio') {
      const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim() ?? '1';
      const n = Number(arg);
      if (arg !== '' && n >= 0 && n <= 1) config.samplingProbability = n;
      else bad('OTEL_TRACES_SAMPLER_ARG', arg, 'a number from 0 to 1');
    } else bad('OTEL_TRACES_SAMPLER', otelSampler, 'always_on, always_off, traceidratio or their parentbased_ forms');
  }

  const parsePropagation = (name: string, value: string): PropagationType[] | undefined => {
    const types = list(value.toLowerCase()).map((v) => PROPAGATION_NAMES[v]);
    if (types.length > 0 && types.every((t) => t !== undefined)) return [...new Set(types as PropagationType[])];
    bad(name, value, 'a list of W3C, B3, B3_MULTI (or tracecontext, b3, b3multi)');
    return undefined;
  };
  const both = first(env, ['MANAGEMENT_TRACING_PROPAGATION_TYPE', 'OTEL_PROPAGATORS']);
  if (both) {
    const types = parsePropagation(both[0], both[1]);
    if (types) {
      config.propagationProduce = types;
      config.propagationConsume = types;
    }
  }
  const produce = first(env, ['NODEMETER_TRACING_PROPAGATION_PRODUCE', 'MANAGEMENT_TRACING_PROPAGATION_PRODUCE']);
  if (produce) config.propagationProduce = parsePropagation(produce[0], produce[1]) ?? config.propagationProduce;
  const consume = first(env, ['NODEMETER_TRACING_PROPAGATION_CONSUME', 'MANAGEMENT_TRACING_PROPAGATION_CONSUME']);
  if (consume) config.propagationConsume = parsePropagation(consume[0], consume[1]) ?? config.propagationConsume;

  // OpenTelemetry's batch span processor variables.
  const queue: NonNullable<EnvConfig['exportQueue']> = {};
  for (const [name, key] of [
    ['OTEL_BSP_MAX_QUEUE_SIZE', 'maxQueueSize'],
    ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'maxExportBatchSize'],
    ['OTEL_BSP_SCHEDULE_DELAY', 'scheduledDelayMs'],
    ['OTEL_BSP_EXPORT_TIMEOUT', 'exportTimeoutMs'],
  ] as const) {
    const v = first(env, [name]);
    if (!v) continue;
    if (/^\d+$/.test(v[1]) && Number(v[1]) >= 1) queue[key] = Number(v[1]);
    else bad(v[0], v[1], 'a positive integer');
  }
  if (Object.keys(queue).length > 0) config.exportQueue = queue;

  const logging = readLoggingEnv(env);
  if (Object.keys(logging.config).length > 0) config.logging = logging.config;
  problems.push(...logging.problems);

  return { config, problems };
}
