/**
 * Options of the actuator (`actuator`: base path and exposed endpoints) and of the separate management server
 * (`management`: port and address), as Spring Boot's `management.*` properties.
 *
 * Environment (explicit options win; a value that does not parse is reported once as Warnings.ENV_VALUE_IGNORED and ignored):
 *   NODEMETER_ACTUATOR_BASE_PATH, MANAGEMENT_ENDPOINTS_WEB_BASE_PATH
 *   NODEMETER_ACTUATOR_EXPOSURE, MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE   "*" or endpoint ids, comma-separated
 *   NODEMETER_MANAGEMENT_PORT, MANAGEMENT_SERVER_PORT
 *   NODEMETER_MANAGEMENT_HOST, MANAGEMENT_SERVER_ADDRESS
 */
import {
  EnvReader,
  checkKeys,
  invalid,
  listOf,
  optInt,
  optObject,
  optString,
  type EnvSource,
  type OptionArea,
} from '../core/validate.js';

/** Actuator endpoints nodemeter serves. @since 0.1.0 */
export type EndpointId = 'health' | 'prometheus';
/** Every endpoint id, in the order the links list them. @since 0.1.0 */
export const ENDPOINT_IDS: readonly EndpointId[] = ['health', 'prometheus'];

/** @since 0.1.0 */
export interface ActuatorOptions {
  /** Base path of the actuator endpoints. Default `/actuator`, as Spring's `management.endpoints.web.base-path`. */
  basePath?: string;
  /** Endpoint ids served. Default `['health', 'prometheus']`. */
  exposure?: EndpointId[];
}

/** @since 0.1.0 */
export interface ManagementOptions {
  /** Port of the separate management server. 0 picks a free port. Unset: no separate server. */
  port?: number;
  /** Address it binds. Default `0.0.0.0`, as Spring. */
  host?: string;
}

/** Actuator settings after environment and defaults. @since 0.1.0 */
export interface ResolvedActuatorConfig {
  basePath: string;
  exposure: readonly EndpointId[];
}

/** Management server settings after environment and defaults. @since 0.1.0 */
export interface ResolvedManagementConfig {
  port: number | undefined;
  host: string;
}

/** What the environment contributed to the actuator settings. @since 0.1.0 */
export interface ActuatorEnv {
  basePath?: string;
  exposure?: EndpointId[];
}

/** What the environment contributed to the management server settings. @since 0.1.0 */
export interface ManagementEnv {
  port?: number;
  host?: string;
}

function isBasePath(value: string): boolean {
  return value.startsWith('/') && !/[?#\s]/.test(value);
}

/** Validates the `actuator` option and merges it over the environment and defaults. @since 0.1.0 */
export function resolveActuatorOptions(options: unknown, env: ActuatorEnv = {}, path = 'actuator'): ResolvedActuatorConfig {
  const actuator = optObject(path, options) ?? {};
  checkKeys(path, actuator, ['basePath', 'exposure']);
  const basePath = optString(`${path}.basePath`, actuator.basePath) ?? env.basePath ?? '/actuator';
  if (!isBasePath(basePath)) {
    throw invalid(`${path}.basePath`, 'a path starting with "/" without query, fragment or spaces', basePath);
  }
  let exposure: EndpointId[] | undefined;
  if (actuator.exposure !== undefined) {
    if (!Array.isArray(actuator.exposure) || actuator.exposure.some((e) => !ENDPOINT_IDS.includes(e as EndpointId))) {
      throw invalid(`${path}.exposure`, `an array of ${ENDPOINT_IDS.join(', ')}`, actuator.exposure);
    }
    exposure = actuator.exposure as EndpointId[];
  }
  return {
    basePath: basePath.length > 1 ? basePath.replace(/\/+$/, '') : basePath,
    exposure: exposure ?? env.exposure ?? ['health', 'prometheus'],
  };
}

/** Validates the `management` option and merges it over the environment and defaults. @since 0.1.0 */
export function resolveManagementOptions(options: unknown, env: ManagementEnv = {}, path = 'management'): ResolvedManagementConfig {
  const management = optObject(path, options) ?? {};
  checkKeys(path, management, ['port', 'host']);
  return {
    port: optInt(`${path}.port`, management.port, 0, 65535) ?? env.port,
    host: optString(`${path}.host`, management.host) ?? env.host ?? '0.0.0.0',
  };
}

/** Reads the actuator variables. Never throws. @since 0.1.0 */
export function readActuatorEnv(source: EnvSource = process.env): { config: ActuatorEnv; problems: EnvReader['problems'] } {
  const env = new EnvReader(source);
  const config: ActuatorEnv = {};
  const base = env.first(['NODEMETER_ACTUATOR_BASE_PATH', 'MANAGEMENT_ENDPOINTS_WEB_BASE_PATH']);
  if (base) {
    if (isBasePath(base[1])) config.basePath = base[1];
    else env.bad(base[0], base[1], 'a path starting with "/"');
  }
  const exposure = env.first(['NODEMETER_ACTUATOR_EXPOSURE', 'MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE']);
  if (exposure) {
    const ids = exposure[1] === '*' ? [...ENDPOINT_IDS] : listOf(exposure[1]);
    if (ids.every((id) => ENDPOINT_IDS.includes(id as EndpointId))) config.exposure = ids as EndpointId[];
    else env.bad(exposure[0], exposure[1], `"*" or endpoint ids among ${ENDPOINT_IDS.join(', ')}`);
  }
  return { config, problems: env.problems };
}

/** Reads the management server variables. Never throws. @since 0.1.0 */
export function readManagementEnv(source: EnvSource = process.env): { config: ManagementEnv; problems: EnvReader['problems'] } {
  const env = new EnvReader(source);
  const config: ManagementEnv = {};
  const port = env.first(['NODEMETER_MANAGEMENT_PORT', 'MANAGEMENT_SERVER_PORT']);
  if (port) {
    const n = Number(port[1]);
    if (/^\d+$/.test(port[1]) && n >= 0 && n <= 65535) config.port = n;
    else env.bad(port[0], port[1], 'an integer from 0 to 65535');
  }
  const host = env.first(['NODEMETER_MANAGEMENT_HOST', 'MANAGEMENT_SERVER_ADDRESS']);
  if (host) config.host = host[1];
  return { config, problems: env.problems };
}

/** The actuator area, as the composition root folds it. */
export const ACTUATOR_OPTIONS: OptionArea<ResolvedActuatorConfig, ActuatorEnv> = {
  key: 'actuator',
  readEnv: readActuatorEnv,
  resolve: resolveActuatorOptions,
};

/** The management server area, as the composition root folds it. */
export const MANAGEMENT_OPTIONS: OptionArea<ResolvedManagementConfig, ManagementEnv> = {
  key: 'management',
  readEnv: readManagementEnv,
  resolve: resolveManagementOptions,
};
