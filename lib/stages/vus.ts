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
  const maxVUs = Math.max(preAllocatedVUs, Math.ceil(input.peakRatePerSecond * maxIterationSeconds));
  return { preAllocatedVUs, maxVUs, busyVUsAtPeak };
}
