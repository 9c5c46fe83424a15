// Values built on first use instead of at module scope. Building zod schemas is most of what our
// own code does at cold start (docs/cold-init.md): a function imports many schemas (every route
// of its contract, helpers' modules) but an invocation uses a few, and some bundles import a module
// only for a helper function next to its schemas. `lazy(() => z.strictObject({...}))` is typed and
// behaves exactly like the schema itself (same object for every use, same validation and errors),
// but the schema is built on the first property access. Write the call as
// `/* @__PURE__ */ lazy(() => …)`: esbuild then drops it altogether from a bundle that never uses
// it (it does not carry a `@__NO_SIDE_EFFECTS__` annotation over from another file).

/**
 * A transparent stand-in for `build()`'s object: every access (property, `in`, keys, descriptors,
 * `instanceof`) goes to the object, built once on the first access. For module-scope constants
 * only (schemas, tables): the builder must be pure.
 */
export function lazy<T extends object>(build: () => T): T {
  let target: T | undefined;
  const get = (): T => {
    target ??= build();
    return target;
  };
  return new Proxy({} as T, {
    get: (_, property) => Reflect.get(get(), property),
    set: (_, property, value) => Reflect.set(get(), property, value),
    has: (_, property) => Reflect.has(get(), property),
    deleteProperty: (_, property) => Reflect.deleteProperty(get(), property),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(get(), property);
      // A proxy may not report a property as non-configurable unless its own (empty) target has it.
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_, property, descriptor) => Reflect.defineProperty(get(), property, descriptor),
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
  });
}
