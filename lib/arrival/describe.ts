import type { ArrivalCurve } from './types.ts';

/** The figures a planning meeting quotes about an arrival curve. */
export interface ArrivalDescription {
  totalUsers: number;
  /** Highest λ(t) in users per second. */
  peakRatePerSecond: number;
  /** Seconds from the test start at which λ(t) is highest. */
  peakAtSeconds: number;
  /** Seconds from the test start by which 50 %, 90 % and 99 % of the users have arrived. */
  arrivedBySeconds: { p50: number; p90: number; p99: number };
  startSeconds: number;
  endSeconds: number;
}

// Two grids of this many samples each; k6 runs this at init time in every VU, so it stays small.
const SAMPLES_PER_GRID = 2000;

/**
 * Describes a curve: its peak, when the peak happens, and when given fractions have arrived.
 * The peak is found numerically: λ is sampled on an even grid and on a grid that gets finer
 * towards the start (where log-normal peaks sit), then refined by golden-section search around
 * the best sample. A peak narrower than the grid spacing can still be missed.
 */
export function describeArrival(curve: ArrivalCurve): ArrivalDescription {
  const { peakAtSeconds, peakRatePerSecond } = findPeak(curve);
  return {
    totalUsers: curve.totalUsers,
    peakRatePerSecond,
    peakAtSeconds,
    arrivedBySeconds: {
      p50: timeWhenArrived(curve, 0.5),
      p90: timeWhenArrived(curve, 0.9),
      p99: timeWhenArrived(curve, 0.99),
    },
    startSeconds: curve.startSeconds,
    endSeconds: curve.endSeconds,
  };
}

/** Finds the time at which `fraction` of the curve's users have arrived, by bisection on N(t). */
export function timeWhenArrived(curve: ArrivalCurve, fraction: number): number {
  const targetUsers = fraction * curve.totalUsers;
  let low = curve.startSeconds;
  let high = curve.endSeconds;
  for (let step = 0; step < 200 && high - low > 1e-9 * Math.max(1, Math.abs(high)); step += 1) {
    const middle = (low + high) / 2;
    if (curve.usersArrivedBy(middle) < targetUsers) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return (low + high) / 2;
}

/** Builds two sorted sample grids: an even one over the curve, and a geometric one from 1e-7 of the span to all of it. */
function sampleGrids(curve: ArrivalCurve): number[][] {
  const spanSeconds = curve.endSeconds - curve.startSeconds;
  const even: number[] = [];
  const geometric: number[] = [];
  const ratio = Math.pow(10, 7 / SAMPLES_PER_GRID);
  let fraction = 1e-7;
  for (let index = 0; index <= SAMPLES_PER_GRID; index += 1) {
    even.push(curve.startSeconds + (spanSeconds * index) / SAMPLES_PER_GRID);
    geometric.push(curve.startSeconds + spanSeconds * Math.min(1, fraction));
    fraction *= ratio;
  }
  return [even, geometric];
}

function findPeak(curve: ArrivalCurve): { peakAtSeconds: number; peakRatePerSecond: number } {
  let bestTimes: number[] = [];
  let bestIndex = 0;
  let bestRate = -Infinity;
  for (const times of sampleGrids(curve)) {
    times.forEach((tSeconds, index) => {
      const rate = curve.ratePerSecondAt(tSeconds);
      if (rate > bestRate) {
        bestRate = rate;
        bestIndex = index;
        bestTimes = times;
      }
    });
  }

  // Golden-section search for the maximum between the neighbours of the best sample.
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = bestTimes[Math.max(0, bestIndex - 1)];
  let high = bestTimes[Math.min(bestTimes.length - 1, bestIndex + 1)];
  for (let step = 0; step < 100 && high - low > 1e-9 * Math.max(1, Math.abs(high)); step += 1) {
    const left = high - ratio * (high - low);
    const right = low + ratio * (high - low);
    if (curve.ratePerSecondAt(left) < curve.ratePerSecondAt(right)) {
      low = left;
    } else {
      high = right;
    }
  }
  const refinedAtSeconds = (low + high) / 2;
  const refinedRate = curve.ratePerSecondAt(refinedAtSeconds);
  if (refinedRate >= bestRate) {
    return { peakAtSeconds: refinedAtSeconds, peakRatePerSecond: refinedRate };
  }
  return { peakAtSeconds: bestTimes[bestIndex], peakRatePerSecond: bestRate };
}
