/**
 * The Spring fleet profile: which Spring Boot line the services beside this one run. Where Spring's own output
 * differs between lines, the integrations follow the chosen line, so a Node service matches its neighbours:
 *
 *   Boot 3.5 (Spring Kafka 3.3): Kafka listener observation `messaging.operation=receive`, span `<topic> receive`
 *   Boot 4.0 (Spring Kafka 4.0): `messaging.operation=process`, span `<topic> process`
 *
 * (measured against running 3.5.7 and 4.0.7 services: docs/guides/spring-interop.md). The profile is one plain
 * resolved value of the configuration (`springBoot`, env `NODEMETER_SPRING_BOOT`), handed to each integration
 * through its setup deps; any area may read it.
 */
import { invalid, type EnvReader } from './validate.js';

/** A Spring Boot line whose conventions nodemeter follows. @since 0.3.0 */
export type SpringBootLine = '3.5' | '4.0';

/** The lines nodemeter knows, oldest first. */
export const SPRING_BOOT_LINES: readonly SpringBootLine[] = ['3.5', '4.0'];

/** Boot 4, the current line. @since 0.3.0 */
export const DEFAULT_SPRING_BOOT_LINE: SpringBootLine = '4.0';

/** The environment variable that chooses the line. */
export const SPRING_BOOT_ENV = 'NODEMETER_SPRING_BOOT';

/**
 * `3.5`, `4.0`, and the major alone (`3` is the last 3.x line nodemeter knows, 3.5; `4` is 4.0); `4.0.7` reads as
 * its line. Anything else: undefined.
 */
export function parseSpringBootLine(value: string): SpringBootLine | undefined {
  const m = /^\s*v?(\d+)(?:\.(\d+))?(?:\.\d+)?\s*$/.exec(value);
  if (m === null) return undefined;
  const major = m[1];
  const minor = m[2];
  if (major === '3' && (minor === undefined || minor === '5')) return '3.5';
  if (major === '4' && (minor === undefined || minor === '0')) return '4.0';
  return undefined;
}

/** The `springBoot` option: one of the known lines (or a major), else NM_ERR_CONFIG_INVALID. */
export function optSpringBootLine(option: string, value: unknown): SpringBootLine | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' ? parseSpringBootLine(value) : undefined;
  if (parsed === undefined) throw invalid(option, `one of ${SPRING_BOOT_LINES.map((l) => `'${l}'`).join(', ')} (or '3', '4')`, value);
  return parsed;
}

/** Reads NODEMETER_SPRING_BOOT; a value that does not parse is reported as a problem of `env` and ignored. */
export function readSpringBootLine(env: EnvReader): SpringBootLine | undefined {
  const found = env.first([SPRING_BOOT_ENV]);
  if (found === undefined) return undefined;
  const parsed = parseSpringBootLine(found[1]);
  if (parsed === undefined) env.bad(found[0], found[1], '3.5 or 4.0 (or 3, 4)');
  return parsed;
}
