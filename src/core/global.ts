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
