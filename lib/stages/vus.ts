import type { ArrivalCurve } from '../arrival/types.ts';
/** Inputs of `sizeVUs`. */
export interface VUSizingInput {
  /** Highest arrival rate of the scenario, in iterations per second. */
  peakRatePerSecond: number;
  /** Expected iteration time when the target keeps up, in seconds. */
  iterationSeconds: number;
  /** Factor over Little's law for variation in iteration time. Default 1.5. */
  headroom?: number;
  /**
   * Maximum iteration time when the target is overloaded (for example the proxy's queue timeout
   * times the sequential steps), in seconds. Sizes `maxVUs`. Default: `iterationSeconds`.
   */
  maxIterationSeconds?: number;
  /**
   * Maximum number of users in their iteration at once: the arrivals within any window of
   * `maxIterationSeconds` (see `mostArrivalsWithin`). Caps both pool sizes, because a VU pool
   * larger than the users who can be busy together is never used. Default: no cap.
   */
  maxConcurrentUsers?: number;
}

/** VU pool sizes for a k6 arrival-rate scenario. */
export interface VUSizing {
  preAllocatedVUs: number;
  maxVUs: number;
  /** Little's law at the peak without headroom: peak rate × iteration time. */
  busyVUsAtPeak: number;
}

/**
 * Sizes the VU pool by Little's law: iterations in progress = arrival rate × iteration time.
 * `preAllocatedVUs` covers the peak at the expected iteration time with headroom. `maxVUs`
 * covers it at `maxIterationSeconds` without headroom, so an overloaded target shows up as
 * slow iterations, not as `dropped_iterations`. Both are at least 1.
 */
export function sizeVUs(input: VUSizingInput): VUSizing {
  const headroom = input.headroom ?? 1.5;
  const busyVUsAtPeak = Math.max(0, input.peakRatePerSecond) * Math.max(0, input.iterationSeconds);
  const preAllocatedVUs = Math.max(1, Math.ceil(busyVUsAtPeak * headroom));
  const maxIterationSeconds = Math.max(input.iterationSeconds, input.maxIterationSeconds ?? input.iterationSeconds);
  // The overloaded iteration time is already a worst case, so maxVUs gets no headroom on top.
  const uncappedMaxVUs = Math.max(preAllocatedVUs, Math.ceil(input.peakRatePerSecond * maxIterationSeconds));
  const cap = input.maxConcurrentUsers === undefined ? Infinity : Math.max(1, Math.ceil(input.maxConcurrentUsers));
  return { preAllocatedVUs: Math.min(preAllocatedVUs, cap), maxVUs: Math.min(uncappedMaxVUs, cap), busyVUsAtPeak };
}

/**
 * Returns the most users of `curve` that arrive within any window of `windowSeconds`, sampled on
 * a grid of 2,000 steps across the curve (whole users, rounded up, at most the curve's total).
 */
export function mostArrivalsWithin(curve: ArrivalCurve, windowSeconds: number): number {
  const spanSeconds = curve.endSeconds - curve.startSeconds;
  if (!(windowSeconds > 0) || !(spanSeconds > 0) || windowSeconds >= spanSeconds) return Math.ceil(curve.totalUsers);
  const steps = 2000;
  const stepSeconds = spanSeconds / steps;
  let most = 0;
  let mostInOneStep = 0;
  for (let step = 0; step <= steps; step += 1) {
    const fromSeconds = curve.startSeconds + stepSeconds * step;
    const arrivedByFrom = curve.usersArrivedBy(fromSeconds);
    most = Math.max(most, curve.usersArrivedBy(fromSeconds + windowSeconds) - arrivedByFrom);
    mostInOneStep = Math.max(mostInOneStep, curve.usersArrivedBy(fromSeconds + stepSeconds) - arrivedByFrom);
  }
  // The grid can start a window just after a burst began, so one grid step's arrivals are added back.
  return Math.min(Math.ceil(curve.totalUsers), Math.ceil(most + mostInOneStep));
}
