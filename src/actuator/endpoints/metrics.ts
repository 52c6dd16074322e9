/**
 * `/actuator/metrics` and `/actuator/metrics/{name}?tag=k:v`, as Spring Boot's MetricsEndpoint: sorted dotted names;
 * per name the statistics of the series matching the tags, and the other tags' values. 404 for an unknown name (or
 * tags no series has), 400 for a tag without `:`.
 */
import { describeMeter, meterNames } from '../../metrics/inspect.js';
import type { MeterRegistry } from '../../metrics/registry.js';
import { NOT_FOUND, badRequest, type EndpointResult } from './result.js';

export async function metricsEndpoint(
  registry: MeterRegistry,
  commonTags: Readonly<Record<string, string>>,
  name: string | undefined,
  query: URLSearchParams,
): Promise<EndpointResult> {
  if (name === undefined) return { status: 200, body: { names: meterNames(registry) } };
  const tags: Record<string, string> = {};
  for (const tag of query.getAll('tag')) {
    const colon = tag.indexOf(':');
    if (colon <= 0) return badRequest(`Each tag parameter must be in the form 'key:value' but was: ${tag}`);
    tags[tag.slice(0, colon)] = tag.slice(colon + 1);
  }
  const description = await describeMeter(registry, name, tags, commonTags);
  if (!description) return NOT_FOUND;
  // Spring leaves out a null description or base unit (http.server.requests has no description there).
  const body: Record<string, unknown> = { name: description.name };
  if (description.description !== null) body.description = description.description;
  if (description.baseUnit !== null) body.baseUnit = description.baseUnit;
  body.measurements = description.measurements;
  body.availableTags = description.availableTags;
  return { status: 200, body };
}
