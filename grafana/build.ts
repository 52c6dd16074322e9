/** Writes grafana/dashboards/*.json from grafana/dashboards.ts:   node --import tsx grafana/build.ts */
import { writeFileSync } from 'node:fs';
import { DASHBOARDS } from './dashboards.js';

for (const [file, build] of Object.entries(DASHBOARDS)) {
  writeFileSync(new URL(`./dashboards/${file}`, import.meta.url), `${JSON.stringify(build(), null, 2)}\n`);
}
