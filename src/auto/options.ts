/**
 * Options of the automatic integrations (`auto` in instrument()'s options): what `nodemeter/register` installs
 * without a code change. Off by default for `instrument()` (an application that calls it has usually imported its
 * libraries already, and hands them over explicitly); on when the process was started with
 * `--import nodemeter/register` or `-r nodemeter/register`.
 *
 * Environment (explicit options win; a value that does not parse is reported once as Warnings.ENV_VALUE_IGNORED):
 *   NODEMETER_AUTO_ENABLED                 every automatic integration (default: on under nodemeter/register)
 *   NODEMETER_AUTO_EXPRESS                 Express route templates and errors without nm.express()
 *   NODEMETER_AUTO_FASTIFY                 the Fastify plugin on every Fastify instance
 *   NODEMETER_AUTO_KAFKAJS                 kafkajs clients instrumented when created
 *   NODEMETER_AUTO_CONFLUENT_KAFKA         @confluentinc/kafka-javascript (its KafkaJS API) the same way
 *   NODEMETER_AUTO_PG                      pg pools bound when created
 *   NODEMETER_AUTO_MYSQL2                  mysql2 pools bound when created
 */
import { checkKeys, optBoolean, optObject, EnvReader, type EnvSource, type OptionArea } from '../core/validate.js';
import { isPreloaded } from '../core/global.js';

/** The automatic integrations, by their option name. @since 0.3.0 */
export const AUTO_INTEGRATIONS = ['express', 'fastify', 'kafkajs', 'confluentKafka', 'pg', 'mysql2'] as const;

/** @since 0.3.0 */
export type AutoIntegration = (typeof AUTO_INTEGRATIONS)[number];

/** @since 0.3.0 */
export type AutoOptions = {
  /** Every automatic integration. Default: true when started with nodemeter/register, else false. */
  enabled?: boolean;
} & {
  /** One automatic integration. Default true (when `enabled`). */
  [K in AutoIntegration]?: boolean;
};

/** @since 0.3.0 */
export type ResolvedAutoConfig = { enabled: boolean } & { [K in AutoIntegration]: boolean };

/** @since 0.3.0 */
export type AutoEnv = Partial<ResolvedAutoConfig>;

const ENV_NAMES: Record<AutoIntegration, string> = {
  express: 'NODEMETER_AUTO_EXPRESS',
  fastify: 'NODEMETER_AUTO_FASTIFY',
  kafkajs: 'NODEMETER_AUTO_KAFKAJS',
  confluentKafka: 'NODEMETER_AUTO_CONFLUENT_KAFKA',
  pg: 'NODEMETER_AUTO_PG',
  mysql2: 'NODEMETER_AUTO_MYSQL2',
};

export function readAutoEnv(source: EnvSource = process.env): { config: AutoEnv; problems: EnvReader['problems'] } {
  const env = new EnvReader(source);
  const config: AutoEnv = {};
  const enabled = env.boolean(['NODEMETER_AUTO_ENABLED']);
  if (enabled !== undefined) config.enabled = enabled;
  for (const name of AUTO_INTEGRATIONS) {
    const value = env.boolean([ENV_NAMES[name]]);
    if (value !== undefined) config[name] = value;
  }
  return { config, problems: env.problems };
}

export function resolveAutoOptions(options: unknown, env: AutoEnv = {}, path = 'auto'): ResolvedAutoConfig {
  const o = optObject(path, options) ?? {};
  checkKeys(path, o, ['enabled', ...AUTO_INTEGRATIONS]);
  const resolved = { enabled: optBoolean(`${path}.enabled`, o.enabled) ?? env.enabled ?? isPreloaded() } as ResolvedAutoConfig;
  for (const name of AUTO_INTEGRATIONS) resolved[name] = optBoolean(`${path}.${name}`, o[name]) ?? env[name] ?? true;
  return resolved;
}

/** The auto area, as the composition root folds it. */
export const AUTO_OPTIONS: OptionArea<ResolvedAutoConfig, AutoEnv> = {
  key: 'auto',
  readEnv: readAutoEnv,
  resolve: resolveAutoOptions,
};
