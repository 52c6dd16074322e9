/**
 * `logback_events_total{level}`: Micrometer's LogbackMetrics under its name, for pino. Each line a nodemeter logger
 * (or an instrumented application logger) writes counts once, under Spring's level names: `fatal` counts as `error`,
 * custom levels count under the standard level at or below them.
 *
 * The count is a plain array increment on the logging path (no labels hashed, nothing allocated); the registry
 * reads the five totals at scrape time, as a FunctionCounter.
 */
import type { FunctionCounter } from '../metrics/function-counter.js';
import type { MeterRegistry } from '../metrics/registry.js';

/** Spring's level names, in the order of the slots. */
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;

/** Slot of each pino level number 0..127; higher numbers are `error`. */
const SLOT_OF_LEVEL = new Uint8Array(128);
for (let n = 0; n < 128; n++) SLOT_OF_LEVEL[n] = n >= 50 ? 0 : n >= 40 ? 1 : n >= 30 ? 2 : n >= 20 ? 3 : 4;

/** @since 0.1.0 */
export class LogEventCounter {
  readonly #counts = new Float64Array(LEVELS.length);
  #meter: FunctionCounter | undefined;
  #registry: MeterRegistry | undefined;

  /** Counts one line of pino level `level` (a number, as pino's mixin receives it). */
  count(level: number): void {
    this.#counts[level < 128 ? (SLOT_OF_LEVEL[level] as number) : 0]!++;
  }

  /** The current totals by Spring level name. */
  totals(): Record<(typeof LEVELS)[number], number> {
    const out = {} as Record<(typeof LEVELS)[number], number>;
    LEVELS.forEach((name, i) => (out[name] = this.#counts[i] as number));
    return out;
  }

  /** Registers `logback_events_total{level}`; every level is present from the start, as in Spring. */
  bindTo(registry: MeterRegistry): () => void {
    this.#registry = registry;
    this.#meter = registry.functionCounter('logback.events', {
      description: 'Number of log events that were enabled by the effective log level',
      labelNames: ['level'],
      read: (emit) => {
        for (let i = 0; i < LEVELS.length; i++) emit(this.#counts[i] as number, { level: LEVELS[i] as string });
      },
    });
    return () => {
      if (this.#meter) this.#registry?.remove(this.#meter);
      this.#meter = undefined;
    };
  }
}
