// The `k6` module: check, group, fail, and sleep (rejected).
import { performance } from 'node:perf_hooks';
import { currentContext, iterationStorage, sampleTags } from '../context.ts';
import { UnsupportedCallError } from '../errors.ts';
import type { TestRun } from '../test-run.ts';

type Checkers = Record<string, ((value: unknown) => unknown) | unknown>;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Builds the `k6` module for one run. */
export function createK6Module(run: TestRun): Record<string, unknown> {
  function check(value: unknown, checkers: Checkers, tags?: Record<string, string>): boolean {
    const context = currentContext();
    const groupPath = context?.groupPath ?? '';
    let allPassed = true;
    for (const [name, checker] of Object.entries(checkers ?? {})) {
      // A checker that throws ends the iteration with that exception, as in k6.
      const passed = Boolean(typeof checker === 'function' ? (checker as (value: unknown) => unknown)(value) : checker);
      run.groups.recordCheck(groupPath, name, passed);
      const checkTags = sampleTags(context, tags);
      checkTags.check = name;
      run.registry.add(run.builtin.checks, passed ? 1 : 0, checkTags);
      allPassed = allPassed && passed;
    }
    return allPassed;
  }

  function group<T>(name: string, body: () => T): T {
    if (typeof name !== 'string' || name === '' || name.includes('::')) {
      throw new Error(`group name ${JSON.stringify(name)} is invalid; it must be a non-empty string without "::"`);
    }
    const context = currentContext();
    const parentPath = context?.groupPath ?? '';
    const node = run.groups.group(parentPath, name);
    const inner = context === undefined ? undefined : { ...context, groupPath: node.path };
    const startedAtMs = performance.now();
    const recordDuration = (): void => {
      run.registry.add(run.builtin.groupDuration, performance.now() - startedAtMs, sampleTags(inner));
    };

    const result = inner === undefined ? body() : iterationStorage.run(inner, body);
    if (isPromiseLike(result)) {
      // k6 does not await async group bodies; here the group lasts until the promise settles.
      return Promise.resolve(result).finally(recordDuration) as T;
    }
    recordDuration();
    return result;
  }

  function fail(message?: string): never {
    throw new Error(message ?? 'fail() was called');
  }

  function sleep(): never {
    throw new UnsupportedCallError(
      'sleep() blocks the VU, which the built-in engine cannot do; write `await new Promise((resolve) => setTimeout(resolve, ms))` instead (k6 runs that too)',
    );
  }

  function randomSeed(): void {
    run.logger.once('randomSeed', 'warning', 'randomSeed() has no effect in the built-in engine: Math.random is not seeded');
  }

  return { check, group, fail, sleep, randomSeed, default: { check, group, fail, sleep, randomSeed } };
}
