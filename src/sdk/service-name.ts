/** The service name when neither options nor environment give one: the nearest package.json `name`. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Spring's fallback for an unnamed application (`spring.application.name` default). */
export const DEFAULT_SERVICE_NAME = 'application';

function nearestPackageName(start: string): string | undefined {
  let dir = resolve(start);
  for (let i = 0; i < 64; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (typeof pkg.name === 'string' && pkg.name.trim() !== '') {
        // A scoped name keeps only its last part: "@acme/order-service" names the service "order-service".
        return pkg.name.replace(/^@[^/]+\//, '');
      }
    } catch {
      // No package.json here, or not JSON: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Looks next to the entry script first, then in the working directory. Never throws. */
export function defaultServiceName(): string {
  const entry = process.argv[1];
  return (
    (entry ? nearestPackageName(dirname(entry)) : undefined) ?? nearestPackageName(process.cwd()) ?? DEFAULT_SERVICE_NAME
  );
}
