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

/** Latency a request is assumed to have when its file gives no `expectedLatencyMs`. */
export const defaultExpectedLatencyMs = 50;

/**
 * Estimates how long one user's bundle takes against a backend that is not overloaded, from
 * the requests' `expectedLatencyMs`: steps add up, and a parallel group of n requests with a
 * limit of c takes its total latency divided by min(n, c), but no less than its slowest request.
 * An estimate for sizing VUs, not a prediction: queueing in an overloaded backend makes it longer.
 */
export function estimateBundleDurationMs(steps: readonly BundleStep[]): number {
  let totalMs = 0;
  for (const step of steps) {
    if ('request' in step) {
      totalMs += step.request.expectedLatencyMs ?? defaultExpectedLatencyMs;
    } else if ('parallel' in step) {
      const latenciesMs = step.parallel.steps.map((inner) => inner.request.expectedLatencyMs ?? defaultExpectedLatencyMs);
      const lanes = Math.min(step.parallel.maxConcurrency ?? latenciesMs.length, latenciesMs.length);
      const sumMs = latenciesMs.reduce((sum, latencyMs) => sum + latencyMs, 0);
      totalMs += Math.max(sumMs / lanes, ...latenciesMs);
    } else {
      totalMs += step.pause.durationMs;
    }
  }
  return totalMs;
}
