/**
 * `/actuator/health`, as Spring Boot's HealthEndpointWebExtension:
 *
 *   GET {base}/health                       all indicators: {"status", "components"?, "groups"?}
 *   GET {base}/health/{group}               liveness | readiness: the group's members only
 *   GET {base}/health/{group}/{component}   a member of a group (when components are shown)
 *   GET {base}/health/{component}[/{instance}]   one indicator, one instance of a composite (when components are shown)
 *
 * `showComponents` / `showDetails` (`never` by default, `always`, `when-authorized`) decide what is shown; a
 * component path while components are hidden is 404, as Spring. 503 for DOWN and OUT_OF_SERVICE, 200 otherwise.
 */
import { LIVENESS_COMPONENT, READINESS_COMPONENT } from '../../health/availability.js';
import { httpStatusOf, type Health, type HealthRegistry } from '../../health/registry.js';
import type { ResolvedActuatorConfig, ShowDetails } from '../options.js';
import { NOT_FOUND, type EndpointResult } from './result.js';

export const HEALTH_GROUPS: Readonly<Record<string, readonly string[]>> = {
  liveness: [LIVENESS_COMPONENT],
  readiness: [READINESS_COMPONENT],
};

function shown(setting: ShowDetails, authorized: boolean): boolean {
  return setting === 'always' || (setting === 'when-authorized' && authorized);
}

/** A component as shown: details dropped unless shown, nested components kept. */
function present(health: Health, details: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { status: health.status };
  if (details && health.details && Object.keys(health.details).length > 0) out.details = health.details;
  if (health.components && Object.keys(health.components).length > 0) {
    const nested: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(health.components)) nested[k] = present(v, details);
    out.components = nested;
  }
  return out;
}

export async function healthEndpoint(
  registry: HealthRegistry,
  config: ResolvedActuatorConfig['health'],
  segments: readonly string[],
  authorized: boolean,
): Promise<EndpointResult> {
  const showComponents = shown(config.showComponents, authorized);
  const showDetails = shown(config.showDetails, authorized);
  const groups = config.probes ? HEALTH_GROUPS : {};
  const first = segments[0];
  const group = first !== undefined && Object.hasOwn(groups, first) ? groups[first] : undefined;
  const rest = group ? segments.slice(1) : segments;

  if (rest.length === 0) {
    const result = await registry.check({ timeoutMs: config.timeoutMs, names: group });
    const body: Record<string, unknown> = { status: result.status };
    if (showComponents && result.components && Object.keys(result.components).length > 0) {
      const components: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(result.components)) components[k] = present(v, showDetails);
      body.components = components;
    }
    if (!group && Object.keys(groups).length > 0) body.groups = Object.keys(groups);
    return { status: httpStatusOf(result.status), body };
  }

  if (!showComponents) return NOT_FOUND;
  const name = rest[0] as string;
  if (group && !group.includes(name)) return NOT_FOUND;
  if (!registry.names().includes(name)) return NOT_FOUND;
  const result = await registry.check({ timeoutMs: config.timeoutMs, names: [name] });
  let health = result.components?.[name];
  for (const instance of rest.slice(1)) health = health?.components?.[instance];
  if (health === undefined) return NOT_FOUND;
  return { status: httpStatusOf(health.status), body: present(health, showDetails) };
}
