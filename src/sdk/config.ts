/**
 * Options of `instrument()`: the few that belong to no area (service name, common tags, diagnostics level) and
 * one option per area, each resolved by the area that owns it (`<area>/options.ts`). Explicit options win; the
 * environment fills what the options leave out (see config-env.ts); defaults fill the rest. A bad option throws
 * NM_ERR_CONFIG_INVALID naming the option; a bad environment value is reported once (Warnings.ENV_VALUE_IGNORED) and ignored.
 *
 *   options ─┬─ serviceName, commonTags, diagLevel ─────────────────┐
 *            └─ metrics, http, tracing, logging, actuator, management ─► AREAS[key].resolve(options[key], env[key])
 *                                                                    └─► ResolvedConfig
 *
 * Adding an area: its `options.ts` (types, defaults, env keys, validation with core/validate.ts), one entry in
 * AREAS, its field in NodemeterOptions and ResolvedConfig.
 */
import type { DiagLevel } from '../core/diag.js';
import { DEFAULT_SPRING_BOOT_LINE, optSpringBootLine, type SpringBootLine } from '../core/fleet.js';
import { checkKeys, invalid, optObject, optString, type OptionArea } from '../core/validate.js';
import {
  ACTUATOR_OPTIONS,
  MANAGEMENT_OPTIONS,
  type ActuatorEnv,
  type ActuatorOptions,
  type ManagementEnv,
  type ManagementOptions,
  type ResolvedActuatorConfig,
  type ResolvedManagementConfig,
} from '../actuator/options.js';
import { HTTP_OPTIONS, type HttpOptions, type ResolvedHttpConfig } from '../http/options.js';
import {
  readLoggingEnv,
  resolveLoggingOptions,
  type LoggingEnv,
  type LoggingOptions,
  type ResolvedLoggingConfig,
} from '../logging/options.js';
import { METRICS_OPTIONS, validateTags, type MetricsEnv, type MetricsOptions, type ResolvedMetricsConfig } from '../metrics/options.js';
import { TRACING_OPTIONS, type ResolvedTracingConfig, type TracingEnv, type TracingOptions } from '../tracing/options.js';
import { AUTO_OPTIONS, type AutoEnv, type AutoOptions, type ResolvedAutoConfig } from '../auto/options.js';
import { SHUTDOWN_OPTIONS, type ResolvedShutdownConfig, type ShutdownEnv, type ShutdownOptions } from '../core/shutdown-options.js';

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
  /**
   * Automatic integrations (Express, Fastify, kafkajs, pg, mysql2 without a code change). On by default under
   * `--import nodemeter/register` / `-r nodemeter/register`, off otherwise. @since 0.3.0
   */
  auto?: AutoOptions;
  /** Graceful shutdown on SIGTERM/SIGINT and `shutdown()`: readiness 503 first, drain, flush. @since 0.3.0 */
  shutdown?: ShutdownOptions;
  /** Level of nodemeter's own diagnostics on stderr. Default `warn`. */
  diagLevel?: DiagLevel;
  /**
   * The Spring Boot line of the fleet, whose conventions are followed where lines differ (Kafka listener
   * `receive` on 3.5, `process` on 4.0). Env `NODEMETER_SPRING_BOOT`. Default `'4.0'`. @since 0.3.0
   */
  springBoot?: SpringBootLine | '3' | '4';
}

/** The options after defaults and environment are applied. @since 0.1.0 */
export interface ResolvedConfig {
  serviceName: string;
  commonTags: Readonly<Record<string, string>>;
  metrics: ResolvedMetricsConfig;
  http: ResolvedHttpConfig;
  tracing: ResolvedTracingConfig;
  logging: ResolvedLoggingConfig;
  actuator: ResolvedActuatorConfig;
  management: ResolvedManagementConfig;
  auto: ResolvedAutoConfig;
  shutdown: ResolvedShutdownConfig;
  diagLevel: DiagLevel;
  /** The fleet profile (core/fleet.ts), a plain value any integration may read. */
  springBoot: SpringBootLine;
}

const LOGGING_OPTIONS: OptionArea<ResolvedLoggingConfig, LoggingEnv> = {
  key: 'logging',
  readEnv: readLoggingEnv,
  resolve: resolveLoggingOptions,
};

/** Every area with options, by its option name; resolved in this order (the order of today's error messages). */
export const AREAS = {
  metrics: METRICS_OPTIONS,
  actuator: ACTUATOR_OPTIONS,
  management: MANAGEMENT_OPTIONS,
  http: HTTP_OPTIONS,
  tracing: TRACING_OPTIONS,
  logging: LOGGING_OPTIONS,
  auto: AUTO_OPTIONS,
  shutdown: SHUTDOWN_OPTIONS,
} as const satisfies { [K in AreaKey]: OptionArea<ResolvedConfig[K], object> };

type AreaKey = 'metrics' | 'http' | 'tracing' | 'logging' | 'actuator' | 'management' | 'auto' | 'shutdown';

/** What the environment contributed, already parsed (see config-env.ts): root values and one entry per area. */
export interface EnvConfig {
  serviceName?: string;
  commonTags?: Record<string, string>;
  diagLevel?: DiagLevel;
  springBoot?: SpringBootLine;
  metrics?: MetricsEnv;
  tracing?: TracingEnv;
  actuator?: ActuatorEnv;
  management?: ManagementEnv;
  logging?: LoggingEnv;
  http?: object;
  auto?: AutoEnv;
  shutdown?: ShutdownEnv;
}

/** Levels of nodemeter's own diagnostics, as `diagLevel` and NODEMETER_LOG_LEVEL take them. */
export const DIAG_LEVELS: readonly DiagLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

/**
 * Validates `options` (throwing coded errors) and merges them over the environment and defaults.
 * `fallbackServiceName` is used when neither options nor environment name the service.
 */
export function resolveConfig(options: unknown, env: EnvConfig, fallbackServiceName: () => string): ResolvedConfig {
  const opts = optObject('options', options ?? {}) ?? {};
  checkKeys('', opts, ['serviceName', 'commonTags', ...Object.keys(AREAS), 'diagLevel', 'springBoot']);

  const serviceName = optString('serviceName', opts.serviceName) ?? env.serviceName ?? fallbackServiceName();
  const commonTags = { ...env.commonTags, ...validateTags('commonTags', opts.commonTags) };
  if ('application' in commonTags) {
    throw invalid('commonTags.application', 'absent (it is set from serviceName)', commonTags.application);
  }
  let diagLevel = env.diagLevel ?? 'warn';
  if (opts.diagLevel !== undefined) {
    if (!DIAG_LEVELS.includes(opts.diagLevel as DiagLevel)) {
      throw invalid('diagLevel', `one of ${DIAG_LEVELS.join(', ')}`, opts.diagLevel);
    }
    diagLevel = opts.diagLevel as DiagLevel;
  }

  const springBoot = optSpringBootLine('springBoot', opts.springBoot) ?? env.springBoot ?? DEFAULT_SPRING_BOOT_LINE;

  const areas = {} as Record<AreaKey, unknown>;
  for (const key of Object.keys(AREAS) as AreaKey[]) {
    const area: OptionArea<unknown, object> = AREAS[key];
    areas[key] = area.resolve(opts[key], env[key] ?? {}, area.key);
  }
  return { serviceName, commonTags, ...(areas as Pick<ResolvedConfig, AreaKey>), diagLevel, springBoot };
}
