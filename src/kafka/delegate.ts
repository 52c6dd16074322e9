/**
 * A wrapper object that answers with `overrides` and delegates everything else to `target`, called on `target`
 * itself. `Object.create(target)` is not enough: @confluentinc/kafka-javascript's clients keep their state in
 * `#private` fields, which a method called with the wrapper as `this` cannot read ("Cannot read private member").
 * Delegated methods are bound to the target once per method and cached, so a call through the wrapper allocates
 * nothing.
 */
export function delegate<T extends object>(target: T, overrides: object): T {
  const own = overrides as Record<PropertyKey, unknown>;
  const bound = new Map<PropertyKey, { fn: unknown; bound: unknown }>();
  return new Proxy(target, {
    get(t, key) {
      if (Object.prototype.hasOwnProperty.call(own, key)) return own[key];
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value !== 'function') return value;
      let b = bound.get(key);
      if (b === undefined || b.fn !== value) {
        b = { fn: value, bound: (value as (...args: unknown[]) => unknown).bind(t) };
        bound.set(key, b);
      }
      return b.bound;
    },
    has(t, key) {
      return Object.prototype.hasOwnProperty.call(own, key) || Reflect.has(t, key);
    },
  });
}
