// The `k6/data` module: SharedArray. Every VU already shares one module evaluation, so it is a frozen array.
import { currentContext } from '../context.ts';

/** Builds the `k6/data` module. */
export function createDataModule(): Record<string, unknown> {
  const cache = new Map<string, unknown[]>();

  // A class whose constructor returns the frozen array, so `new SharedArray(name, fn)` behaves like k6's.
  class SharedArray {
    constructor(name: string, build: () => unknown[]) {
      if (typeof name !== 'string' || name === '') throw new Error('SharedArray needs a non-empty name as its first argument');
      if (typeof build !== 'function') throw new Error(`SharedArray "${name}" needs a function that returns an array as its second argument`);
      if (currentContext() !== undefined) throw new Error(`SharedArray "${name}" is created inside an iteration; create it in the init code`);
      const cached = cache.get(name);
      if (cached !== undefined) return cached as unknown as SharedArray;
      const items = build();
      if (!Array.isArray(items)) throw new Error(`SharedArray "${name}": the function returned ${typeof items}, not an array`);
      const frozen = Object.freeze(items.map((item) => JSON.parse(JSON.stringify(item)) as unknown));
      cache.set(name, frozen as unknown[]);
      return frozen as unknown as SharedArray;
    }
  }

  return { SharedArray, default: { SharedArray } };
}
