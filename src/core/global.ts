/**
 * Process-wide state shared by every copy of nodemeter (two versions in node_modules, ESM and CJS builds loaded
 * side by side): one live handle per process, behind a versioned Symbol.for key, as OpenTelemetry's global-utils.
 */
const kGlobal = Symbol.for('nodemeter.0.global');

export interface GlobalSlot<T> {
  handle: T | undefined;
}

export function globalSlot<T>(): GlobalSlot<T> {
  const g = globalThis as unknown as Record<symbol, GlobalSlot<T> | undefined>;
  let slot = g[kGlobal];
  if (!slot) {
    slot = { handle: undefined };
    Object.defineProperty(globalThis, kGlobal, { value: slot, enumerable: false, configurable: true, writable: false });
  }
  return slot;
}

/** Set by `nodemeter/register` before it instruments: the process is instrumented from its start command. */
const kPreloaded = Symbol.for('nodemeter.0.preloaded');

/** Marks this process as started with `--import nodemeter/register` / `-r nodemeter/register`. */
export function markPreloaded(): void {
  Object.defineProperty(globalThis, kPreloaded, { value: true, enumerable: false, configurable: true, writable: false });
}

/** True when `nodemeter/register` instruments this process (automatic integrations and a management port default on). */
export function isPreloaded(): boolean {
  return (globalThis as unknown as Record<symbol, unknown>)[kPreloaded] === true;
}
