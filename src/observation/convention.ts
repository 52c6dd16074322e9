/**
 * ObservationConvention, as Micrometer's: the name of an observation and its two tag sets. Low-cardinality tags
 * become metric labels; high-cardinality ones go to spans only (a raw URL, a message offset).
 *
 * Low-cardinality values are written into an array the caller owns, in the order of `lowCardinalityKeyNames`, so
 * the meter handler finds the series of a request without building a label object. The registry asks for them once
 * when an observation stops and gives the same values to every handler.
 */
import type { ObservationContext } from './context.js';

/** Tags as key/value strings. @since 0.1.0 */
export type KeyValues = Record<string, string>;

/** @since 0.1.0 */
export interface ObservationConvention<C extends ObservationContext = ObservationContext> {
  /** Meter name, Micrometer style (`http.server.requests`). */
  readonly name: string;
  /** `# HELP` of the meters. */
  readonly description?: string;
  /** Label names of the meters, without `error` (the meter handler adds it). */
  readonly lowCardinalityKeyNames: readonly string[];
  /** Writes the low-cardinality values into `out`, in the order of lowCardinalityKeyNames. */
  lowCardinalityValues(context: C, out: string[]): void;
  /** Tags for spans only. */
  highCardinality(context: C): KeyValues;
  /** Span name (`http get /orders/{id}`). */
  contextualName(context: C): string;
  /** Span tag names of the low-cardinality values when they differ from the label names (`client.name`). */
  readonly spanKeyNames?: readonly string[];
  /** Whether the span ends in error; default: when the observation has an error. */
  isError?(context: C): boolean;
  /** False: the meter handler records nothing for this convention (spans only, e.g. per-query spans). */
  readonly meters?: boolean;
  /** False: no span for this convention (meters only, e.g. a Kafka batch, whose records have their own spans). */
  readonly spans?: boolean;
  /** False: the timer has no `error` tag (Spring Kafka's timers carry `exception` and `result` instead). */
  readonly errorTag?: boolean;
  /** False: no `<name>.active` long task timer for this convention. */
  readonly longTaskTimer?: boolean;
}

/** Micrometer's `error` tag: the error's class name, or `none`. */
export function errorTag(error: unknown): string {
  if (error === undefined || error === null) return 'none';
  if (typeof error === 'object') {
    const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '' && name !== 'Object') return name;
    const own = (error as { name?: unknown }).name;
    if (typeof own === 'string' && own !== '') return own;
  }
  return 'Error';
}
