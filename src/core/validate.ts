/**
 * The one validator of options and environment values, shared by every area's `options.ts`. Each area owns its
 * option types, defaults and environment keys; this file only owns how a bad value is reported, so every area
 * reports it the same way:
 *
 *   option  ─► throws NodemeterError NM_ERR_CONFIG_INVALID        `option "tracing.zipkin.endpoint" must be …, got …`
 *            └► throws NodemeterError NM_ERR_CONFIG_UNKNOWN_OPTION `unknown option "metrics.bindres"; known options here: …`
 *   env var ─► an EnvProblem (`NAME="value" ignored: expected …`), reported once by the caller as Warnings.ENV_VALUE_IGNORED
 *
 * Options are checked once, at instrument(); nothing here is on a hot path.
 */
import { NodemeterError } from './errors.js';

/** The environment as read: `process.env`, or a plain object in tests. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** A variable whose value was ignored, and why. @since 0.1.0 */
export interface EnvProblem {
  variable: string;
  message: string;
}

/**
 * One area's options: how its part of the environment is read and how its option object is resolved over that
 * environment and the defaults. The composition root holds a list of these and folds over it.
 */
export interface OptionArea<Resolved, Env extends object> {
  /** The option's name in `instrument()`'s options, and the prefix of every option path it reports. */
  readonly key: string;
  /** Reads the area's variables. Never throws: a value that does not parse is returned as a problem. */
  readonly readEnv: (env: EnvSource) => { config: Env; problems: EnvProblem[] };
  /** Validates the area's options (throwing coded errors naming the option) and applies environment and defaults. */
  readonly resolve: (options: unknown, env: Env, path: string) => Resolved;
}

function shown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? typeof value);
  } catch {
    return typeof value;
  }
}

/** The error for an option with a wrong type or value: names the option path, what it must be and what it was. */
export function invalid(option: string, expected: string, got: unknown): NodemeterError {
  return new NodemeterError('NM_ERR_CONFIG_INVALID', `option "${option}" must be ${expected}, got ${shown(got)}`);
}

/** Throws NM_ERR_CONFIG_UNKNOWN_OPTION for the first key of `value` that is not `allowed` (usually a typo). */
export function checkKeys(option: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const where = option ? `${option}.${key}` : key;
      throw new NodemeterError(
        'NM_ERR_CONFIG_UNKNOWN_OPTION',
        `unknown option "${where}"; known options here: ${allowed.join(', ')}`,
      );
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional object option: undefined stays undefined, anything but a plain object throws. */
export function optObject(option: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(option, 'an object', value);
  return value;
}

/** An optional string option; by default it must not be blank. */
export function optString(option: string, value: unknown, nonEmpty = true): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || (nonEmpty && value.trim() === '')) {
    throw invalid(option, 'a non-empty string', value);
  }
  return value;
}

export function optBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(option, 'a boolean', value);
  return value;
}

/** An optional integer option within `[min, max]`. */
export function optInt(option: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** An optional option whose value is one of `values`. */
export function optOneOf<T extends string>(option: string, value: unknown, values: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!values.includes(value as T)) throw invalid(option, `one of ${values.join(', ')}`, value);
  return value as T;
}

/**
 * Reads variables for one area and collects what it had to ignore. `first` returns the first of several names
 * (Spring's and OpenTelemetry's next to nodemeter's own) that has a non-blank value, trimmed.
 */
export class EnvReader {
  readonly problems: EnvProblem[] = [];

  constructor(readonly env: EnvSource) {}

  first(names: readonly string[]): [name: string, value: string] | undefined {
    for (const name of names) {
      const value = this.env[name];
      if (value !== undefined && value.trim() !== '') return [name, value.trim()];
    }
    return undefined;
  }

  /** Records that `variable` was ignored because its value is not what is `expected`. */
  bad(variable: string, value: string, expected: string): void {
    this.problems.push({ variable, message: `${variable}=${JSON.stringify(value)} ignored: expected ${expected}` });
  }

  /** `true`/`1` and `false`/`0`, any case; anything else is reported and gives undefined. */
  boolean(names: readonly string[]): boolean | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const parsed = booleanOf(found[1]);
    if (parsed === undefined) this.bad(found[0], found[1], 'true or false');
    return parsed;
  }
}

/** `true`/`1` → true, `false`/`0` → false (any case), otherwise undefined. */
export function booleanOf(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

/** A comma-separated list, items trimmed, empty items dropped. */
export function listOf(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `key=value,key=value` pairs; undefined when a pair has no key or no `=`. */
export function pairsOf(value: string): Record<string, string> | undefined {
  const parsed: Record<string, string> = {};
  for (const pair of listOf(value)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    parsed[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return parsed;
}
