/**
 * Options of graceful shutdown (`shutdown` in instrument()'s options), with Spring Boot's names in the environment:
 *
 *   shutdown.graceful           SERVER_SHUTDOWN=graceful|immediate, NODEMETER_SHUTDOWN_GRACEFUL   default true
 *   shutdown.timeoutPerPhaseMs  SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE=30s,
 *                               NODEMETER_SHUTDOWN_TIMEOUT_PER_PHASE                               default 30 000
 *   shutdown.readinessDrainMs   NODEMETER_SHUTDOWN_READINESS_DRAIN=5s                              default 0
 *   shutdown.onSignals          SPRING_MAIN_REGISTERSHUTDOWNHOOK, NODEMETER_SHUTDOWN_ON_SIGNALS     default true
 *
 * Durations in the environment take Spring's forms (`30s`, `500ms`, `1m`, a bare number of milliseconds).
 */
import { checkKeys, EnvReader, optBoolean, optInt, optObject, type EnvSource, type OptionArea } from './validate.js';

/** @since 0.3.0 */
export interface ShutdownOptions {
  /**
   * Graceful shutdown (Spring's `server.shutdown=graceful`, its default): on a signal, the HTTP servers stop
   * accepting and requests in flight, like Kafka handlers, get up to `timeoutPerPhaseMs` to finish. `false` is
   * Spring's `immediate`: readiness still turns 503 and spans and logs are still flushed, but connections are
   * closed at once. Default true.
   */
  graceful?: boolean;
  /** Bound of each shutdown phase (drain; flush and close), as `spring.lifecycle.timeout-per-shutdown-phase`. Default 30 000. */
  timeoutPerPhaseMs?: number;
  /**
   * Time between readiness answering 503 and the listeners closing, for a load balancer or Kubernetes to take
   * the endpoint out first (Spring has no such wait). Default 0.
   */
  readinessDrainMs?: number;
  /**
   * Run the shutdown on SIGTERM and SIGINT (Spring's JVM shutdown hook, `spring.main.register-shutdown-hook`).
   * Without a handler of the application's, the process then ends as the signal would have ended it. Default true.
   */
  onSignals?: boolean;
}

/** @since 0.3.0 */
export interface ResolvedShutdownConfig {
  graceful: boolean;
  timeoutPerPhaseMs: number;
  readinessDrainMs: number;
  onSignals: boolean;
}

/** What the environment contributed. */
export type ShutdownEnv = Partial<ResolvedShutdownConfig>;

const MAX_MS = 3_600_000;

/** Spring's duration forms: `30s`, `500ms`, `1m`, `1h`, or a bare number of milliseconds; undefined if neither. */
export function durationMs(value: string): number | undefined {
  const m = /^(\d+)\s*(ms|s|m|h)?$/i.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const ms = unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n;
  return ms <= MAX_MS ? ms : undefined;
}

/** Reads the shutdown variables; never throws. */
export function readShutdownEnv(source: EnvSource): { config: ShutdownEnv; problems: EnvReader['problems'] } {
  const env = new EnvReader(source);
  const config: ShutdownEnv = {};
  const mode = env.first(['SERVER_SHUTDOWN']);
  if (mode) {
    const v = mode[1].toLowerCase();
    if (v === 'graceful' || v === 'immediate') config.graceful = v === 'graceful';
    else env.bad(mode[0], mode[1], 'graceful or immediate');
  }
  const graceful = env.boolean(['NODEMETER_SHUTDOWN_GRACEFUL']);
  if (graceful !== undefined) config.graceful = graceful;
  for (const [key, names] of [
    ['timeoutPerPhaseMs', ['NODEMETER_SHUTDOWN_TIMEOUT_PER_PHASE', 'SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE']],
    ['readinessDrainMs', ['NODEMETER_SHUTDOWN_READINESS_DRAIN']],
  ] as const) {
    const found = env.first(names);
    if (!found) continue;
    const ms = durationMs(found[1]);
    if (ms === undefined) env.bad(found[0], found[1], 'a duration such as 30s, 500ms or 1m (at most 1h)');
    else config[key] = ms;
  }
  const onSignals = env.boolean(['NODEMETER_SHUTDOWN_ON_SIGNALS', 'SPRING_MAIN_REGISTERSHUTDOWNHOOK']);
  if (onSignals !== undefined) config.onSignals = onSignals;
  return { config, problems: env.problems };
}

/** Validates the `shutdown` option and applies the environment and the defaults. */
export function resolveShutdownOptions(options: unknown, env: ShutdownEnv = {}, path = 'shutdown'): ResolvedShutdownConfig {
  const o = optObject(path, options) ?? {};
  checkKeys(path, o, ['graceful', 'timeoutPerPhaseMs', 'readinessDrainMs', 'onSignals']);
  return {
    graceful: optBoolean(`${path}.graceful`, o.graceful) ?? env.graceful ?? true,
    timeoutPerPhaseMs: optInt(`${path}.timeoutPerPhaseMs`, o.timeoutPerPhaseMs, 0, MAX_MS) ?? env.timeoutPerPhaseMs ?? 30_000,
    readinessDrainMs: optInt(`${path}.readinessDrainMs`, o.readinessDrainMs, 0, MAX_MS) ?? env.readinessDrainMs ?? 0,
    onSignals: optBoolean(`${path}.onSignals`, o.onSignals) ?? env.onSignals ?? true,
  };
}

/** The shutdown area, as the composition root folds it. */
export const SHUTDOWN_OPTIONS: OptionArea<ResolvedShutdownConfig, ShutdownEnv> = {
  key: 'shutdown',
  readEnv: readShutdownEnv,
  resolve: resolveShutdownOptions,
};
