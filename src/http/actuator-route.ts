/**
 * The `uri` tag of a request to the actuator on the application's port, as Spring Boot records it: Spring observes
 * its actuator's requests like any other (measured on Boot 3.5.7 and 4.0.7: `http_server_requests_seconds` has
 * `uri="/actuator/health"`, `"/actuator/prometheus"`, and Zipkin gets `http get /actuator/health`), under the
 * endpoint's request mapping:
 *   /actuator                         the links
 *   /actuator/{id}                    an endpoint (`/actuator/health`, `/actuator/prometheus`, …)
 *   /actuator/health/{*path}          a health component or group
 *   /actuator/metrics/{requiredMetricName}, /actuator/loggers/{name}, /actuator/env/{toMatch}
 * An unknown endpoint has no mapping: undefined, so the convention says NOT_FOUND for its 404, as Spring does.
 * Requests to a separate management port are not observed, in Spring nor here (the management server is excluded).
 */
import type { IncomingMessage } from 'node:http';
import type { RouteResolver } from './server-context.js';
import { serverContextOf } from './server-context.js';

const SELECTOR: Readonly<Record<string, string>> = {
  metrics: 'requiredMetricName',
  loggers: 'name',
  env: 'toMatch',
};

/** The resolver for requests under `basePath` (not `/`: with the actuator at the root no path is known to be its). */
export function actuatorRouteResolver(basePath: string): RouteResolver {
  // Built once per endpoint id met, so a scrape every few seconds allocates no template string.
  const cache = new Map<string, string>();
  const template = (key: string, make: () => string): string => {
    let t = cache.get(key);
    if (t === undefined && cache.size < 64) cache.set(key, (t = make()));
    return t ?? make();
  };
  return (req: IncomingMessage): string | undefined => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    if (path.length > basePath.length + 1 && path.endsWith('/')) path = path.slice(0, -1);
    if (path.length <= basePath.length + 1) return basePath;
    const rest = path.slice(basePath.length + 1);
    const slash = rest.indexOf('/');
    const id = slash === -1 ? rest : rest.slice(0, slash);
    if (slash === -1) {
      // an endpoint this actuator does not serve (unknown or not exposed): no mapping
      if (serverContextOf(req)?.response.statusCode === 404) return undefined;
      return template(id, () => `${basePath}/${id}`);
    }
    if (id === 'health') return template('health/', () => `${basePath}/health/{*path}`);
    const selector = SELECTOR[id];
    if (selector !== undefined && rest.indexOf('/', slash + 1) === -1) return template(`${id}/`, () => `${basePath}/${id}/{${selector}}`);
    return undefined;
  };
}
