/**
 * The meter handler, as Micrometer's DefaultMeterObservationHandler: on start, a task of the `<name>.active` long
 * task timer (low-cardinality tags as they are at start, no `error`); on stop, one record of the `<name>` timer
 * with the low-cardinality tags plus `error`.
 *
 * Series are found through a tree of Maps keyed by tag values, so a request whose series exists allocates nothing
 * here; the series the last start and the last stop found are tried first (SeriesIndex). A per-tag value limit
 * (Spring's `max-uri-tags`) denies new values past the limit: the observation is not recorded, a warning is logged
 * once (Warnings.TAG_VALUES_LIMIT) and `nodemeter_observations_denied_total{meter}` counts it.
 *
 * Exemplars (option `exemplars`, on when tracing is): the timer record carries the ids of the observation's own
 * span if it is sampled, read from the tracing handler at stop (the span is ended, its ids stay), as Spring's
 * TracingAwareMeterObservationHandler does. An unsampled observation passes `null`: no exemplar, and no other
 * span (whatever is current where the response closes) is mistaken for it.
 */
import type { Diag } from '../../core/diag.js';
import { Warnings } from '../../core/warnings.js';
import type { Counter } from '../../metrics/counter.js';
import type { LongTask, LongTaskTimer, LongTaskTimerChild } from '../../metrics/long-task-timer.js';
import type { MeterRegistry } from '../../metrics/registry.js';
import type { Timer, TimerChild } from '../../metrics/timer.js';
import { contextState, getSlot, handlerKey, putSlot, type ObservationContext } from '../context.js';
import { errorTag, type ObservationConvention } from '../convention.js';
import type { ObservationHandler } from '../handler.js';
import { sampledIds } from './exemplar-sampler.js';
import { observationSpan } from './tracing.js';

/** Per meter name, per tag key: the most distinct values allowed. @since 0.1.0 */
export type TagValueLimits = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** @since 0.1.0 */
export interface MeterHandlerOptions {
  limits?: TagValueLimits;
  /** Histogram buckets per meter name (seconds); absent: a summary. */
  buckets?: Readonly<Record<string, readonly number[]>>;
  /** Record `<name>.active` long task timers. Default true (Spring's long-task-timer.enabled). */
  longTaskTimers?: boolean;
  /** Exemplars from the observation's sampled span on the timers (needs the tracing handler). Default false. */
  exemplars?: boolean;
}

type Tree<T> = Map<string, Tree<T> | T>;

/** This handler's state in a context: the in-flight task of the `.active` long task timer. */
const kActiveTask = handlerKey<LongTask>('meter.activeTask');

interface Meters {
  timer: Timer;
  active: LongTaskTimer | undefined;
  timerSeries: SeriesIndex<TimerChild>;
  activeSeries: SeriesIndex<LongTaskTimerChild>;
  keys: readonly string[];
  /** The convention's name and number of low-cardinality keys (read here, not from each context's convention). */
  name: string;
  lowCount: number;
  values: string[];
  withError: boolean;
  /** Per key index: the values seen and the limit, for limited keys. */
  limits: ({ seen: Set<string>; max: number } | undefined)[];
}

/**
 * The series of one meter by tag values: a tree of Maps, and the series found last with the values that found it.
 * Observations of one kind mostly repeat their values (one route, one topic, status 200), so comparing the values
 * with the last ones (the same strings, mostly the same objects) finds the series without walking the tree, and
 * without the limit check: values that found a series passed it.
 */
class SeriesIndex<T> {
  readonly #root: Tree<T> = new Map();
  #last: T | undefined = undefined;
  readonly #lastValues: string[];

  constructor(n: number) {
    this.#lastValues = new Array<string>(n).fill('');
  }

  /** The series found last, if the first `n` of `values` are the values that found it. */
  last(values: readonly string[], n: number): T | undefined {
    const child = this.#last;
    if (child === undefined) return undefined;
    const last = this.#lastValues;
    for (let i = 0; i < n; i++) if (last[i] !== values[i]) return undefined;
    return child;
  }

  /** The series of the first `n` of `values`, made by `create` if new; it becomes the last one found. */
  get(values: readonly string[], n: number, create: () => T): T {
    let node = this.#root;
    for (let i = 0; i < n - 1; i++) {
      const v = values[i] as string;
      let next = node.get(v) as Tree<T> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(v, next);
      }
      node = next;
    }
    const key = values[n - 1] as string;
    let leaf = node.get(key) as T | undefined;
    if (leaf === undefined) {
      leaf = create();
      node.set(key, leaf);
    }
    for (let i = 0; i < n; i++) this.#lastValues[i] = values[i] as string;
    this.#last = leaf;
    return leaf;
  }
}

function labelsOf(keys: readonly string[], values: readonly string[], n: number): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = 0; i < n; i++) labels[keys[i] as string] = values[i] as string;
  return labels;
}

export class MeterObservationHandler implements ObservationHandler {
  readonly name = 'meter';
  readonly #registry: MeterRegistry;
  readonly #diag: Diag;
  readonly #options: MeterHandlerOptions;
  readonly #meters = new Map<ObservationConvention, Meters>();
  #lastConvention: ObservationConvention | undefined = undefined;
  #lastMeters: Meters | undefined = undefined;
  readonly #denied: Counter;

  constructor(registry: MeterRegistry, diag: Diag, options: MeterHandlerOptions = {}) {
    this.#registry = registry;
    this.#diag = diag;
    this.#options = options;
    this.#denied = registry.counter('nodemeter.observations.denied', {
      description: 'Observations not recorded because a tag reached its value limit (e.g. max-uri-tags)',
      labelNames: ['meter'],
    });
  }

  supportsContext(context: ObservationContext): boolean {
    return context.convention.meters !== false;
  }

  onStart(context: ObservationContext): void {
    const convention = context.convention;
    const m = this.#metersOf(convention);
    if (!m.active) return;
    // The in-flight timer is tagged with the values as they are at start (the route is not known yet): the one
    // convention call outside the registry's shared call at stop, and only for conventions with an active timer.
    convention.lowCardinalityValues(context, m.values);
    const n = m.lowCount;
    let child = m.activeSeries.last(m.values, n);
    if (child === undefined) {
      if (!this.#allowed(m, m.name, n, false)) return;
      child = m.activeSeries.get(m.values, n, () => (m.active as LongTaskTimer).child(labelsOf(m.keys, m.values, n)));
    }
    const state = contextState(context);
    putSlot(state, kActiveTask, child.start(state.startMs));
  }

  onStop(context: ObservationContext, low: readonly string[]): void {
    const state = contextState(context);
    const task = getSlot(state, kActiveTask);
    if (task !== undefined) {
      task.stop();
      putSlot(state, kActiveTask, undefined);
    }
    const seconds = (performance.now() - state.startMs) / 1000;
    const m = this.#metersOf(context.convention);
    const n = m.keys.length;
    // The registry's values, shared with the other handlers; copied, since the error tag is appended here.
    for (let i = 0, k = m.lowCount; i < k; i++) m.values[i] = low[i] as string;
    if (m.withError) m.values[n - 1] = errorTag(state.error);
    let child = m.timerSeries.last(m.values, n);
    if (child === undefined) {
      if (!this.#allowed(m, m.name, m.withError ? n - 1 : n, true)) return;
      child = m.timerSeries.get(m.values, n, () => m.timer.child(labelsOf(m.keys, m.values, n)));
    }
    if (this.#options.exemplars === true) child.record(seconds, sampledIds(observationSpan(context)?.spanContext()) ?? null);
    else child.record(seconds);
  }

  /**
   * Checks limited keys among the first `n` values; registers new values while under the limit. Only the stop of
   * an observation counts a denial, so each observation is counted once.
   */
  #allowed(m: Meters, meter: string, n: number, count: boolean): boolean {
    for (let i = 0; i < n; i++) {
      const limit = m.limits[i];
      if (limit === undefined) continue;
      const v = m.values[i] as string;
      if (limit.seen.has(v)) continue;
      if (limit.seen.size >= limit.max) {
        if (!count) return false;
        // A denial repeats per request: the once-check comes first, the message is only built when printed.
        this.#diag.warn(Warnings.TAG_VALUES_LIMIT, { meter, max: limit.max, tag: m.keys[i] as string }, meter);
        this.#denied.inc({ meter }, 1);
        return false;
      }
      limit.seen.add(v);
    }
    return true;
  }

  #metersOf(convention: ObservationConvention): Meters {
    // Starts and stops mostly follow one kind of observation in a row: the last convention's meters, without a lookup.
    if (convention === this.#lastConvention) return this.#lastMeters as Meters;
    let m = this.#meters.get(convention);
    if (m) {
      this.#lastConvention = convention;
      this.#lastMeters = m;
      return m;
    }
    const withError = convention.errorTag !== false;
    const keys = withError ? [...convention.lowCardinalityKeyNames, 'error'] : [...convention.lowCardinalityKeyNames];
    const limitsOfMeter = this.#options.limits?.[convention.name] ?? {};
    const buckets = this.#options.buckets?.[convention.name];
    m = {
      timer: this.#registry.timer(convention.name, { labelNames: keys, buckets, description: convention.description }),
      withError,
      active:
        this.#options.longTaskTimers === false || convention.longTaskTimer === false
          ? undefined
          : this.#registry.longTaskTimer(`${convention.name}.active`, {
              labelNames: convention.lowCardinalityKeyNames,
              description: convention.description ? `${convention.description}, in flight` : undefined,
            }),
      timerSeries: new SeriesIndex<TimerChild>(keys.length),
      activeSeries: new SeriesIndex<LongTaskTimerChild>(keys.length),
      keys,
      name: convention.name,
      lowCount: convention.lowCardinalityKeyNames.length,
      values: new Array<string>(keys.length).fill(''),
      limits: keys.map((k) => (limitsOfMeter[k] !== undefined ? { seen: new Set<string>(), max: limitsOfMeter[k] as number } : undefined)),
    };
    this.#meters.set(convention, m);
    return m;
  }
}
