/**
 * Wrapping one method of one object the caller handed us (a pool, a connection), never a prototype, and undoing
 * it symmetrically. The wrapper is set as an own property; restoring puts back exactly what was there (deleting
 * the own property when the method came from the prototype). If something wrapped the method again on top of
 * ours, restoring would drop that wrapper too, so it is left in place; the caller's wrapper must then pass calls
 * straight through once unbound (each adapter checks its `unbound` flag first).
 */

/** Undoes a wrap; returns false when it could not (another wrapper sits on top of ours). */
export type Restore = () => boolean;

/** Any-typed on purpose: wrappers forward `arguments` of driver methods whose typings are not imported. */
type AnyFunction = (this: any, ...args: any[]) => any;

/** Sets `target[key] = wrapper` as an own property; returns the restore function. */
export function wrapMethod(target: object, key: string, wrapper: AnyFunction): Restore {
  const object = target as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(object, key);
  Object.defineProperty(object, key, { value: wrapper, writable: true, configurable: true, enumerable: own?.enumerable ?? false });
  return () => {
    if (object[key] !== wrapper) return false;
    if (own === undefined) delete object[key];
    else Object.defineProperty(object, key, own);
    return true;
  };
}

/** The function currently at `target[key]` (own or inherited), to call from a wrapper. */
export function methodOf(target: object, key: string): AnyFunction {
  const fn = (target as Record<string, unknown>)[key];
  if (typeof fn !== 'function') throw new TypeError(`${key} is not a function`);
  return fn as AnyFunction;
}

export type { AnyFunction };
