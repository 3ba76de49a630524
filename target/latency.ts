// Seeded service-time draws, so that two runs with the same seed and the same request order
// hold their workers for the same times.
import { logNormalParameters, type LatencySpec } from './profiles.ts';

/** A uniform pseudo-random source on [0, 1). */
export type RandomSource = () => number;

/**
 * Creates a seeded uniform generator (mulberry32: 32-bit state, fast, good enough for
 * simulation and not for cryptography). Equal seeds give equal sequences.
 */
export function createRandomSource(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws service times in milliseconds from one log-normal distribution. */
export interface LatencySampler {
  sampleMs(): number;
}

/** A draw never exceeds this multiple of the p99, so one extreme draw cannot hold a worker for minutes. */
const maxDrawToP99Ratio = 10;

/**
 * Creates a sampler for `latency` that uses `random` for its draws. A normal deviate comes from
 * the Box-Muller transform, and the sampler keeps the second deviate of each pair for the next
 * call, so two draws cost one logarithm and one square root.
 */
export function createLatencySampler(latency: LatencySpec, random: RandomSource): LatencySampler {
  const { mu, sigma } = logNormalParameters(latency);
  const maxMs = latency.p99Ms * maxDrawToP99Ratio;
  let spareDeviate: number | undefined;

  function nextStandardNormal(): number {
    if (spareDeviate !== undefined) {
      const deviate = spareDeviate;
      spareDeviate = undefined;
      return deviate;
    }
    // 1 - random() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spareDeviate = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  return {
    sampleMs() {
      if (sigma === 0) {
        return latency.medianMs;
      }
      return Math.min(maxMs, Math.exp(mu + sigma * nextStandardNormal()));
    },
  };
}
