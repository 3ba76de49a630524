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

/** Tells whether a status counts as success: one of `expected`, or 200–299 when none are listed. Status 0 is a failed connection. */
export function isExpectedStatus(status: number, expected: readonly number[] | undefined): boolean {
  return expected === undefined ? status >= 200 && status <= 299 : expected.includes(status);
}

/** Latency a request is assumed to have when its file gives no `expectedLatencyMs`. */
export const defaultExpectedLatencyMs = 50;

/**
 * Estimates how long one user's bundle takes against a backend that is not overloaded, from
 * the requests' `expectedLatencyMs`. Steps add up. A parallel group of n requests with a limit
 * of c takes its total latency divided by min(n, c), but no less than its slowest request.
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

/**
 * Seconds one request may take when the backend is overloaded: a proxy that drops a request
 * after 5 s in its queue (as in front of the live-event servers) plus the service time.
 */
export const overloadedRequestSeconds = 6;

/**
 * Estimates the longest a user's bundle takes against an overloaded backend, in seconds: each
 * request that must wait for the one before it (a sequential step, or a wave of a parallel
 * group limited to `maxConcurrency`) may take `overloadedRequestSeconds`. Sizes `maxVUs`, so
 * that a slow target shows up as slow iterations rather than as `dropped_iterations`.
 */
export function estimateOverloadedBundleSeconds(steps: readonly BundleStep[], requestSeconds = overloadedRequestSeconds): number {
  let sequentialRequests = 0;
  let pauseMs = 0;
  for (const step of steps) {
    if ('request' in step) {
      sequentialRequests += 1;
    } else if ('parallel' in step) {
      const lanes = Math.min(step.parallel.maxConcurrency ?? step.parallel.steps.length, step.parallel.steps.length);
      sequentialRequests += lanes === 0 ? 0 : Math.ceil(step.parallel.steps.length / lanes);
    } else {
      pauseMs += step.pause.durationMs;
    }
  }
  return sequentialRequests * requestSeconds + pauseMs / 1000;
}
