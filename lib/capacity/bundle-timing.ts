import type { BundleFile, BundleStep, RequestSpec } from '../event/types.ts';

/** Request counts of one bundle. */
export interface BundleCounts {
  /** Request steps, counting each request inside a parallel step. */
  requests: number;
  /** Requests whose failure keeps the user from being admitted (`essential` is true by default). */
  essentialRequests: number;
}

/** Lists the requests of one step: one for a request step, all of a parallel step, none for a pause. */
export function requestsOfStep(step: BundleStep): RequestSpec[] {
  if ('request' in step) {
    return [step.request];
  }
  if ('parallel' in step) {
    return step.parallel.steps.map((inner) => inner.request);
  }
  return [];
}

/** Lists every request of a bundle in the order it is written. */
export function listRequests(bundle: BundleFile): RequestSpec[] {
  return bundle.steps.flatMap(requestsOfStep);
}

/** Counts the requests of a bundle, and those that are essential. */
export function countRequests(bundle: BundleFile): BundleCounts {
  const requests = listRequests(bundle);
  return { requests: requests.length, essentialRequests: requests.filter((request) => request.essential !== false).length };
}

/** How long one user's bundle takes when each request takes `requestMs(request)`. */
export interface BundleTiming {
  /** From the first request to the end of the last step, in milliseconds. */
  iterationMs: number;
  /** From the first request to the last essential response, in milliseconds: the time to admit. */
  timeToAdmitMs: number;
}

/**
 * Estimates a bundle's duration from per-request times. Steps run one after another. A parallel
 * step starts its requests in the written order on at most `maxConcurrency` slots (all at once
 * without it), each as soon as a slot is free, and it ends when its last request ends.
 */
export function estimateBundleTiming(bundle: BundleFile, requestMs: (request: RequestSpec) => number): BundleTiming {
  let elapsedMs = 0;
  let timeToAdmitMs = 0;
  for (const step of bundle.steps) {
    if ('pause' in step) {
      elapsedMs += step.pause.durationMs;
      continue;
    }
    const requests = 'request' in step ? [step.request] : step.parallel.steps.map((inner) => inner.request);
    const slotCount = 'parallel' in step ? Math.max(1, step.parallel.maxConcurrency ?? requests.length) : 1;
    const slotFreeAtMs = new Array<number>(Math.min(slotCount, requests.length)).fill(0);
    let stepMs = 0;
    for (const request of requests) {
      const slot = slotFreeAtMs.indexOf(Math.min(...slotFreeAtMs));
      slotFreeAtMs[slot] += requestMs(request);
      stepMs = Math.max(stepMs, slotFreeAtMs[slot]);
      if (request.essential !== false) {
        timeToAdmitMs = Math.max(timeToAdmitMs, elapsedMs + slotFreeAtMs[slot]);
      }
    }
    elapsedMs += stepMs;
  }
  return { iterationMs: elapsedMs, timeToAdmitMs };
}

/** The planner's default service time for a request without `expectedLatencyMs`, in milliseconds. */
export const DEFAULT_EXPECTED_LATENCY_MS = 50;

/** Returns the request's `expectedLatencyMs`, or the 50 ms default. */
export function expectedLatencyMsOf(request: RequestSpec): number {
  return request.expectedLatencyMs ?? DEFAULT_EXPECTED_LATENCY_MS;
}
