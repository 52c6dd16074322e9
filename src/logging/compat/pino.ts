/**
 * The one place nodemeter reads and writes pino's internal state: the slots of an application's own logger that
 * `instrumentLogger()` sets on a child of it. Loggers nodemeter creates itself use pino's public options only.
 *
 * Why internals at all: pino takes a `mixin` (which sees each line's level, for logback_events_total, and adds the
 * trace ids) and a destination only when a logger is created. A child's public options (`level`, `serializers`,
 * `formatters.log`/`bindings`, `redact`, `msgPrefix`) can add fields but never see the level (pino caches the
 * level formatter's output), and cannot add a destination. So, for pino versions in {@link PINO_SUPPORTED}, the
 * child's `mixin`, `mixinMergeStrategy` and `stream` slots are set through pino's symbols (`pino.symbols`; found
 * by their description when the logger comes from another copy of pino, whose symbols are other objects).
 *
 * Outside the range, or when the symbols are not there, nothing here is used: instrumentLogger() falls back to
 * what the public API allows (trace ids through the child's `formatters.log`) and warns.
 */
import type { DestinationStream, Logger } from 'pino';
import { checkVersion, type SupportedVersions } from '../../core/supported-versions.js';
import { PINO_METADATA } from '../load-pino.js';

/** The pino versions whose internal slots are read here: the slots exist unchanged from 7.0 through 10.x. @since 0.2.0 */
export const PINO_SUPPORTED: SupportedVersions = { package: 'pino', range: '>=7.0.0 <11' };

/** pino's `mixin` option. */
export type MixinFn = (mergeObject: object, level: number, logger: Logger) => object;
/** pino's `mixinMergeStrategy` option. */
export type MergeStrategy = (mergeObject: object, mixinObject: object) => object;

/**
 * pino's public symbol of the metadata protocol of destination streams (used by `pino.multistream` too); global
 * (`Symbol.for`), so reading it does not load pino.
 */
export const needsMetadata: symbol = PINO_METADATA;

/** pino's public symbol of a logger's formatters (documented as the same across copies of pino). */
const formattersSym = Symbol.for('pino.formatters');

/** Finds a pino symbol by its description, along the prototype chain (children inherit from their parents). */
function findSymbol(logger: object, description: string): symbol | undefined {
  for (let o: object | null = logger; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const s of Object.getOwnPropertySymbols(o)) if (s.description === description) return s;
  }
  return undefined;
}

/** The internal slots of one application logger; writes go to a child of it, never to the logger itself. */
export interface PinoSlots {
  /** The logger's own mixin and merge strategy, if it has them. */
  readonly mixin: MixinFn | undefined;
  readonly mergeStrategy: MergeStrategy | undefined;
  /** Sets the child's mixin and merge strategy (its children inherit them). */
  setMixin(child: object, mixin: MixinFn, merge: MergeStrategy): void;
  /**
   * The logger's destination, and what its `time` field looks like (`,"time":1700000000000`), or undefined when
   * either cannot be read.
   */
  destination(): { stream: DestinationStream; timeSample: string } | undefined;
  /** Sets the child's destination (its children inherit it). */
  setStream(child: object, stream: DestinationStream): void;
}

/** Why {@link pinoSlots} gave nothing. */
export type PinoSlotsRefusal =
  | { readonly reason: 'version'; readonly version: string }
  | { readonly reason: 'shape' };

/** The slots of an application logger, or why they cannot be used. @since 0.2.0 */
export function pinoSlots(logger: object): PinoSlots | PinoSlotsRefusal {
  // `logger.version` is public (pino's own version, of the copy that made this logger).
  const version = (logger as { version?: unknown }).version;
  const verdict = checkVersion(PINO_SUPPORTED, typeof version === 'string' ? version : undefined);
  if (!verdict.supported) return { reason: 'version', version: verdict.version };
  const mixinSym = findSymbol(logger, 'pino.mixin');
  const mergeSym = findSymbol(logger, 'pino.mixinMergeStrategy');
  if (mixinSym === undefined || mergeSym === undefined) return { reason: 'shape' };
  const slots = logger as Record<symbol, unknown>;
  const mixin = slots[mixinSym];
  const merge = slots[mergeSym];
  return {
    mixin: typeof mixin === 'function' ? (mixin as MixinFn) : undefined,
    mergeStrategy: typeof merge === 'function' ? (merge as MergeStrategy) : undefined,
    setMixin(child, ownMixin, ownMerge) {
      (child as Record<symbol, unknown>)[mixinSym] = ownMixin;
      (child as Record<symbol, unknown>)[mergeSym] = ownMerge;
    },
    destination() {
      const streamSym = findSymbol(logger, 'pino.stream');
      const timeSym = findSymbol(logger, 'pino.time');
      if (streamSym === undefined || timeSym === undefined) return undefined;
      const stream = slots[streamSym] as DestinationStream | undefined;
      const time = slots[timeSym];
      const timeSample = typeof time === 'function' ? (time as () => unknown)() : undefined;
      if (stream === undefined || typeof timeSample !== 'string') return undefined;
      return { stream, timeSample };
    },
    setStream(child, stream) {
      const streamSym = findSymbol(logger, 'pino.stream');
      if (streamSym !== undefined) (child as Record<symbol, unknown>)[streamSym] = stream;
    },
  };
}

/** The `formatters.log` of a logger (public symbol), to compose a child's own with it. @since 0.2.0 */
export function logFormatterOf(logger: object): ((object: Record<string, unknown>) => Record<string, unknown>) | undefined {
  const formatters = (logger as Record<symbol, unknown>)[formattersSym] as { log?: unknown } | undefined;
  return typeof formatters?.log === 'function' ? (formatters.log as (o: Record<string, unknown>) => Record<string, unknown>) : undefined;
}
