// Facts about bundle steps, free of k6 imports so that Node code and tests can use them.
import type { BundleStep } from '../event/types.ts';

/** Counts the requests in a list of steps, parallel groups included. */
export function countRequests(steps: readonly BundleStep[]): number {
  let count = 0;
  for (const step of steps) {
    if ('request' in step) {
      count += 1;
    } else if ('parallel' in step) {
      count += step.parallel.steps.length;
    }
  }
  return count;
}

/** Whether a status counts as success: one of `expected`, or 200–299 when none are listed. Status 0 is a failed connection. */
export function isExpectedStatus(status: number, expected: readonly number[] | undefined): boolean {
  return expected === undefined ? status >= 200 && status <= 299 : expected.includes(status);
}
