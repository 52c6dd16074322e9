/**
 * Route templates in Spring's form: Express and Fastify write `/orders/:id`, Spring `/orders/{id}`. Conversions
 * are cached: routes are finite, so the cache is bounded by the application's own route table (and capped anyway).
 */
const cache = new Map<string, string>();
const MAX_CACHED = 10_000;

/** `/orders/:id` → `/orders/{id}`, `/files/*path` → `/files/{*path}`, `/*` → `/**`. */
export function toRouteTemplate(path: string): string {
  let t = cache.get(path);
  if (t !== undefined) return t;
  t = path
    .replace(/:([A-Za-z0-9_$]+)(\([^)]*\))?\??/g, '{$1}')
    .replace(/\*([A-Za-z_$][A-Za-z0-9_$]*)/g, '{*$1}')
    .replace(/(^|\/)\*(?=$|\/)/g, '$1**');
  if (cache.size < MAX_CACHED) cache.set(path, t);
  return t;
}
