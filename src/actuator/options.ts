/**
 * Options of the actuator (`actuator`: base path, exposure, health, info, protection) and of the separate management
 * server (`management`: port, address, what to do when the port is taken), as Spring Boot's `management.*` properties.
 *
 * Environment (explicit options win; a value that does not parse is reported once as Warnings.ENV_VALUE_IGNORED and ignored):
 *   NODEMETER_ACTUATOR_BASE_PATH, MANAGEMENT_ENDPOINTS_WEB_BASE_PATH
 *   NODEMETER_ACTUATOR_EXPOSURE, MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE   "*" or endpoint ids, comma-separated
 *   MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_EXCLUDE                               "*" or endpoint ids, comma-separated
 *   MANAGEMENT_ENDPOINT_HEALTH_SHOW_DETAILS, MANAGEMENT_ENDPOINT_HEALTH_SHOW_COMPONENTS   never | always | when-authorized
 *   MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED                               true | false
 *   NODEMETER_ACTUATOR_HEALTH_TIMEOUT_MS
 *   MANAGEMENT_INFO_{BUILD,GIT,NODE,OS,PROCESS}_ENABLED                     true | false
 *   NODEMETER_ACTUATOR_TOKEN                                                bearer token for protected endpoints
 *   NODEMETER_ACTUATOR_USERNAME, NODEMETER_ACTUATOR_PASSWORD                basic auth for protected endpoints
 *   NODEMETER_ACTUATOR_WRITE_ENABLED                                        true | false (POST /loggers)
 *   NODEMETER_MANAGEMENT_PORT, MANAGEMENT_SERVER_PORT
 *   NODEMETER_MANAGEMENT_HOST, MANAGEMENT_SERVER_ADDRESS
 *   NODEMETER_MANAGEMENT_ON_PORT_TAKEN                                      fallback | fail
 *
 * Unknown endpoint ids in the exposure lists are not an error (Spring ignores them too): each is reported once by
 * the actuator's setup (Warnings.ACTUATOR_UNKNOWN_ENDPOINT) and skipped; the other ids stay.
 */
import {
  EnvReader,
  checkKeys,
  invalid,
  listOf,
  optBoolean,
  optInt,
  optObject,
  optOneOf,
  optString,
  type EnvSource,
  type OptionArea,
} from '../core/validate.js';
import { isPreloaded } from '../core/global.js';

/**
 * The management port when the process is started with `nodemeter/register` and no port is configured: a plain
 * node:http application cannot have the actuator on its own routes without a code change, so it gets a port of its
 * own, as a Spring service with `management.server.port` (8081 is the port Spring's guides use for it).
 */
export const PRELOAD_MANAGEMENT_PORT = 8081;

/**
 * What `nm.config` shows in place of a secret (the bearer token, the basic-auth password), as Spring's `/env` and
 * `/configprops` mask values. The resolved values stay inside the actuator: the guard reads them through
 * revealAuth(), keyed by the very object `nm.config.actuator.auth` holds, so no printing, logging or JSON of the
 * configuration shows them.
 */
export const REDACTED = '******';
const SECRETS = new WeakMap<object, { token?: string; password?: string }>();

/** The `auth` as the configuration shows it: token and password replaced by REDACTED. */
function redactAuth(auth: NonNullable<ResolvedActuatorConfig['auth']>): NonNullable<ResolvedActuatorConfig['auth']> {
  const view = {
    token: auth.token === undefined ? undefined : REDACTED,
    username: auth.username,
    password: auth.password === undefined ? undefined : REDACTED,
  };
  SECRETS.set(view, { token: auth.token, password: auth.password });
  return view;
}

/** The credentials behind a configuration's `auth` (an `auth` built by hand, as in tests, is its own). */
export function revealAuth(auth: NonNullable<ResolvedActuatorConfig['auth']>): NonNullable<ResolvedActuatorConfig['auth']> {
  const secrets = SECRETS.get(auth);
  return secrets ? { ...auth, ...secrets } : auth;
}

/** Actuator endpoints nodemeter serves. @since 0.1.0 */
export type EndpointId = 'health' | 'info' | 'metrics' | 'loggers' | 'prometheus';
/** Every endpoint id, in the order the links list them (Spring's order). @since 0.1.0 */
export const ENDPOINT_IDS: readonly EndpointId[] = ['health', 'info', 'prometheus', 'metrics', 'loggers'];
/** Served when nothing is configured: health for probes, prometheus for the scrape (Spring exposes health only). */
export const DEFAULT_EXPOSURE: readonly EndpointId[] = ['health', 'prometheus'];

/** Who sees health components and details, as Spring's `show-details` / `show-components`. @since 0.3.0 */
export type ShowDetails = 'never' | 'always' | 'when-authorized';
const SHOW: readonly ShowDetails[] = ['never', 'always', 'when-authorized'];

/** What happens when the management port cannot be listened on. @since 0.3.0 */
export type PortTakenPolicy = 'fallback' | 'fail';

/** Spring's `management.endpoints.web.exposure`. @since 0.3.0 */
export interface ExposureOptions {
  /** Ids to serve, or `'*'` / `['*']` for all. Default `['health', 'prometheus']`. */
  include?: string[] | '*';
  /** Ids never served, even when included (`'*'` excludes everything). */
  exclude?: string[] | '*';
}

/** @since 0.3.0 */
export interface ActuatorHealthOptions {
  /** Details of each component (error messages, cluster ids, disk sizes). Default `never`, as Spring. */
  showDetails?: ShowDetails;
  /** Component statuses. Default: as `showDetails`, as Spring. */
  showComponents?: ShowDetails;
  /** The `liveness` and `readiness` groups with `/health/liveness` and `/health/readiness`. Default true. */
  probes?: boolean;
  /** Longest one indicator may take before it counts as DOWN, in ms. Default 5000. */
  timeoutMs?: number;
}

/** Contributors of `/actuator/info`, as Spring's `management.info.<id>.enabled`. @since 0.3.0 */
export interface ActuatorInfoOptions {
  /** `build`: name and version from the application's package.json. Default true. */
  build?: boolean;
  /** `git`: commit id, time and branch, when known (environment or git.properties). Default true. */
  git?: boolean;
  /** `node` (Spring's `java`): Node.js and V8 versions. Default false, as Spring's `java`. */
  node?: boolean;
  /** `os`: name, version, arch. Default false, as Spring. */
  os?: boolean;
  /** `process`: pid, parent pid, owner, cpus, memory. Default false, as Spring. */
  process?: boolean;
}

/** Who may call the protected endpoints (all but health and prometheus). @since 0.3.0 */
export interface ActuatorAuthOptions {
  /** `Authorization: Bearer <token>`. */
  token?: string;
  /** `Authorization: Basic …` with this user name and `password`. */
  username?: string;
  password?: string;
}

/** @since 0.1.0 */
export interface ActuatorOptions {
  /** Base path of the actuator endpoints. Default `/actuator`, as Spring's `management.endpoints.web.base-path`. */
  basePath?: string;
  /** Endpoint ids served: an array (the ids to include) or Spring's `{ include, exclude }`. */
  exposure?: string[] | '*' | ExposureOptions;
  health?: ActuatorHealthOptions;
  info?: ActuatorInfoOptions;
  /** Protection of the endpoints other than health and prometheus. Unset: no protection. */
  auth?: ActuatorAuthOptions;
  /** Write operations (POST `/loggers/{name}`). Default false: they answer 405. */
  write?: boolean;
}

/** @since 0.1.0 */
export interface ManagementOptions {
  /** Port of the separate management server. 0 picks a free port. Unset: no separate server. */
  port?: number;
  /** Address it binds. Default `0.0.0.0`, as Spring. */
  host?: string;
  /**
   * When the port cannot be listened on: `fallback` (default) serves the actuator on the application's routes and
   * warns; `fail` stops the process with NM_ERR_MANAGEMENT_PORT_UNAVAILABLE, as Spring's start-up fails.
   */
  onPortTaken?: PortTakenPolicy;
}

/** Actuator settings after environment and defaults. @since 0.1.0 */
export interface ResolvedActuatorConfig {
  basePath: string;
  exposure: readonly EndpointId[];
  /** Ids in the exposure lists that nodemeter does not serve; reported one by one and skipped. */
  unknownEndpoints: readonly string[];
  health: { showDetails: ShowDetails; showComponents: ShowDetails; probes: boolean; timeoutMs: number };
  info: Required<ActuatorInfoOptions>;
  /** Token and password show as REDACTED; the actuator reads the values with revealAuth(). */
  auth: { token?: string; username?: string; password?: string } | undefined;
  write: boolean;
}

/** Management server settings after environment and defaults. @since 0.1.0 */
export interface ResolvedManagementConfig {
  port: number | undefined;
  host: string;
  onPortTaken: PortTakenPolicy;
}

/** What the environment contributed to the actuator settings. @since 0.1.0 */
export interface ActuatorEnv {
  basePath?: string;
  include?: string[];
  exclude?: string[];
  showDetails?: ShowDetails;
  showComponents?: ShowDetails;
  probes?: boolean;
  timeoutMs?: number;
  info?: ActuatorInfoOptions;
  token?: string;
  username?: string;
  password?: string;
  write?: boolean;
}

/** What the environment contributed to the management server settings. @since 0.1.0 */
export interface ManagementEnv {
  port?: number;
  host?: string;
  onPortTaken?: PortTakenPolicy;
}

function isBasePath(value: string): boolean {
  return value.startsWith('/') && !/[?#\s]/.test(value);
}

function idList(option: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (value === '*') return ['*'];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalid(option, 'an array of endpoint ids or "*"', value);
  }
  return (value as string[]).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * Spring's exposure rule: an id is served when included (or `*` included) and not excluded (nor `*` excluded).
 * Ids nodemeter does not serve are returned apart, in the order given, each once.
 */
export function resolveExposure(
  include: readonly string[] | undefined,
  exclude: readonly string[] = [],
): { exposure: EndpointId[]; unknown: string[] } {
  const inc = include ?? DEFAULT_EXPOSURE;
  const unknown: string[] = [];
  for (const id of [...inc, ...exclude]) {
    if (id !== '*' && !ENDPOINT_IDS.includes(id as EndpointId) && !unknown.includes(id)) unknown.push(id);
  }
  const all = inc.includes('*');
  const none = exclude.includes('*');
  const exposure = none ? [] : ENDPOINT_IDS.filter((id) => (all || inc.includes(id)) && !exclude.includes(id));
  return { exposure, unknown };
}

/** Validates the `actuator` option and merges it over the environment and defaults. @since 0.1.0 */
export function resolveActuatorOptions(options: unknown, env: ActuatorEnv = {}, path = 'actuator'): ResolvedActuatorConfig {
  const actuator = optObject(path, options) ?? {};
  checkKeys(path, actuator, ['basePath', 'exposure', 'health', 'info', 'auth', 'write']);
  const basePath = optString(`${path}.basePath`, actuator.basePath) ?? env.basePath ?? '/actuator';
  if (!isBasePath(basePath)) {
    throw invalid(`${path}.basePath`, 'a path starting with "/" without query, fragment or spaces', basePath);
  }

  let include: string[] | undefined;
  let exclude: string[] | undefined;
  if (Array.isArray(actuator.exposure) || actuator.exposure === '*') {
    include = idList(`${path}.exposure`, actuator.exposure);
  } else if (actuator.exposure !== undefined) {
    const exposure = optObject(`${path}.exposure`, actuator.exposure) ?? {};
    checkKeys(`${path}.exposure`, exposure, ['include', 'exclude']);
    include = idList(`${path}.exposure.include`, exposure.include);
    exclude = idList(`${path}.exposure.exclude`, exposure.exclude);
  }
  const { exposure, unknown } = resolveExposure(include ?? env.include, exclude ?? env.exclude);

  const health = optObject(`${path}.health`, actuator.health) ?? {};
  checkKeys(`${path}.health`, health, ['showDetails', 'showComponents', 'probes', 'timeoutMs']);
  const showDetails = optOneOf(`${path}.health.showDetails`, health.showDetails, SHOW) ?? env.showDetails ?? 'never';
  const showComponents =
    optOneOf(`${path}.health.showComponents`, health.showComponents, SHOW) ?? env.showComponents ?? showDetails;

  const info = optObject(`${path}.info`, actuator.info) ?? {};
  const infoKeys = ['build', 'git', 'node', 'os', 'process'] as const;
  checkKeys(`${path}.info`, info, infoKeys);
  const infoDefaults = { build: true, git: true, node: false, os: false, process: false };
  const resolvedInfo = { ...infoDefaults };
  for (const key of infoKeys) resolvedInfo[key] = optBoolean(`${path}.info.${key}`, info[key]) ?? env.info?.[key] ?? infoDefaults[key];

  let auth: ResolvedActuatorConfig['auth'];
  if (actuator.auth !== undefined) {
    const a = optObject(`${path}.auth`, actuator.auth) ?? {};
    checkKeys(`${path}.auth`, a, ['token', 'username', 'password']);
    auth = {
      token: optString(`${path}.auth.token`, a.token),
      username: optString(`${path}.auth.username`, a.username),
      password: optString(`${path}.auth.password`, a.password, false),
    };
  } else if (env.token !== undefined || env.username !== undefined) {
    auth = { token: env.token, username: env.username, password: env.password };
  }
  if (auth) {
    if ((auth.username === undefined) !== (auth.password === undefined)) {
      throw invalid(`${path}.auth`, 'username and password together', '(only one of them)');
    }
    if (auth.token === undefined && auth.username === undefined) {
      throw invalid(`${path}.auth`, 'a token, or a username and password', actuator.auth);
    }
  }

  return {
    basePath: basePath.length > 1 ? basePath.replace(/\/+$/, '') : basePath,
    exposure,
    unknownEndpoints: unknown,
    health: {
      showDetails,
      showComponents,
      probes: optBoolean(`${path}.health.probes`, health.probes) ?? env.probes ?? true,
      timeoutMs: optInt(`${path}.health.timeoutMs`, health.timeoutMs, 1, 600_000) ?? env.timeoutMs ?? 5_000,
    },
    info: resolvedInfo,
    auth: auth && redactAuth(auth),
    write: optBoolean(`${path}.write`, actuator.write) ?? env.write ?? false,
  };
}

/** Validates the `management` option and merges it over the environment and defaults. @since 0.1.0 */
export function resolveManagementOptions(options: unknown, env: ManagementEnv = {}, path = 'management'): ResolvedManagementConfig {
  const management = optObject(path, options) ?? {};
  checkKeys(path, management, ['port', 'host', 'onPortTaken']);
  return {
    port: optInt(`${path}.port`, management.port, 0, 65535) ?? env.port ?? (isPreloaded() ? PRELOAD_MANAGEMENT_PORT : undefined),
    host: optString(`${path}.host`, management.host) ?? env.host ?? '0.0.0.0',
    onPortTaken: optOneOf(`${path}.onPortTaken`, management.onPortTaken, ['fallback', 'fail'] as const) ?? env.onPortTaken ?? 'fallback',
  };
}

function showOf(env: EnvReader, name: string): ShowDetails | undefined {
  const found = env.first([name]);
  if (!found) return undefined;
  const v = found[1].toLowerCase().replace('_', '-');
  if (SHOW.includes(v as ShowDetails)) return v as ShowDetails;
  env.bad(found[0], found[1], SHOW.join(', '));
  return undefined;
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
  // Unknown ids are not a reason to drop the list: the setup reports each one and serves the others.
  const include = env.first(['NODEMETER_ACTUATOR_EXPOSURE', 'MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE']);
  if (include) config.include = listOf(include[1]);
  const exclude = env.first(['MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_EXCLUDE']);
  if (exclude) config.exclude = listOf(exclude[1]);
  const details = showOf(env, 'MANAGEMENT_ENDPOINT_HEALTH_SHOW_DETAILS');
  if (details) config.showDetails = details;
  const components = showOf(env, 'MANAGEMENT_ENDPOINT_HEALTH_SHOW_COMPONENTS');
  if (components) config.showComponents = components;
  const probes = env.boolean(['MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED']);
  if (probes !== undefined) config.probes = probes;
  const timeout = env.first(['NODEMETER_ACTUATOR_HEALTH_TIMEOUT_MS']);
  if (timeout) {
    if (/^\d+$/.test(timeout[1]) && Number(timeout[1]) >= 1) config.timeoutMs = Number(timeout[1]);
    else env.bad(timeout[0], timeout[1], 'a positive integer of milliseconds');
  }
  const info: ActuatorInfoOptions = {};
  for (const key of ['build', 'git', 'node', 'os', 'process'] as const) {
    const v = env.boolean([`MANAGEMENT_INFO_${key.toUpperCase()}_ENABLED`]);
    if (v !== undefined) info[key] = v;
  }
  if (Object.keys(info).length > 0) config.info = info;
  const token = env.first(['NODEMETER_ACTUATOR_TOKEN']);
  if (token) config.token = token[1];
  const user = env.first(['NODEMETER_ACTUATOR_USERNAME']);
  const password = env.first(['NODEMETER_ACTUATOR_PASSWORD']);
  if (user && password) {
    config.username = user[1];
    config.password = password[1];
  } else if (user || password) {
    const [name, value] = (user ?? password) as [string, string];
    env.bad(name, name.endsWith('PASSWORD') ? '(hidden)' : value, 'NODEMETER_ACTUATOR_USERNAME and NODEMETER_ACTUATOR_PASSWORD together');
  }
  const write = env.boolean(['NODEMETER_ACTUATOR_WRITE_ENABLED']);
  if (write !== undefined) config.write = write;
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
  const taken = env.first(['NODEMETER_MANAGEMENT_ON_PORT_TAKEN']);
  if (taken) {
    if (taken[1] === 'fallback' || taken[1] === 'fail') config.onPortTaken = taken[1];
    else env.bad(taken[0], taken[1], 'fallback or fail');
  }
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
