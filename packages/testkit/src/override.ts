/**
 * `target` with some methods replaced, for fault and spy tests. Every other property is read from
 * `target` itself and its methods are bound to it, so its own calls and writes to `this` stay on
 * it (an `Object.create` wrapper would let them land on the wrapper).
 */
export function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof T];
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}
