/**
 * Reads nodemeter's settings from the environment: the few root values here, every area's own variables from the
 * area (`AREAS[key].readEnv`, declared in `<area>/options.ts`). Spring Boot's relaxed-binding names
 * (MANAGEMENT_SERVER_PORT …) and OpenTelemetry's OTEL_* names are honoured next to the NODEMETER_* names. A value
 * that does not parse is returned as a problem (reported once by the caller as Warnings.ENV_VALUE_IGNORED) and otherwise ignored.
 */
import type { DiagLevel } from '../core/diag.js';
import { readSpringBootLine } from '../core/fleet.js';
import { EnvReader, pairsOf, type EnvProblem, type EnvSource, type OptionArea } from '../core/validate.js';
import { validateTags } from '../metrics/options.js';
import { AREAS, DIAG_LEVELS, type EnvConfig } from './config.js';

export type { EnvProblem } from '../core/validate.js';

/** Parses the environment. Never throws. @since 0.1.0 */
export function readEnv(source: EnvSource = process.env): { config: EnvConfig; problems: EnvProblem[] } {
  const env = new EnvReader(source);
  const config: EnvConfig = {};

  const name = env.first(['NODEMETER_SERVICE_NAME', 'OTEL_SERVICE_NAME', 'SPRING_APPLICATION_NAME']);
  if (name) config.serviceName = name[1];

  const tags = env.first(['NODEMETER_COMMON_TAGS']);
  if (tags) {
    const parsed = pairsOf(tags[1]);
    let ok = parsed !== undefined && !('application' in parsed);
    try {
      if (ok) config.commonTags = validateTags('NODEMETER_COMMON_TAGS', parsed);
    } catch {
      ok = false;
    }
    if (!ok) env.bad(tags[0], tags[1], 'key=value pairs separated by commas, keys like [a-zA-Z_][a-zA-Z0-9_]*, no "application"');
  }

  const level = env.first(['NODEMETER_LOG_LEVEL']);
  if (level) {
    const v = level[1].toLowerCase();
    if (DIAG_LEVELS.includes(v as DiagLevel)) config.diagLevel = v as DiagLevel;
    else env.bad(level[0], level[1], `one of ${DIAG_LEVELS.join(', ')}`);
  }

  const springBoot = readSpringBootLine(env);
  if (springBoot) config.springBoot = springBoot;

  const problems = env.problems;
  for (const key of Object.keys(AREAS) as (keyof typeof AREAS)[]) {
    const area: OptionArea<unknown, object> = AREAS[key];
    const read = area.readEnv(source);
    if (Object.keys(read.config).length > 0) (config as Record<string, object>)[key] = read.config;
    problems.push(...read.problems);
  }
  return { config, problems };
}
