import type { StagePlan } from './types.ts';

/** Planned rate in iterations per second at `tSeconds` after the scenario start (0 outside the stages). */
export function plannedRatePerSecondAt(plan: StagePlan, tSeconds: number): number {
  const targets = [plan.startRate, ...plan.stages.map((stage) => stage.target)];
  const knots = plan.knotSeconds;
  if (!(tSeconds >= 0 && tSeconds <= knots[knots.length - 1])) {
    return 0;
  }
  let index = 1;
  while (index < knots.length - 1 && knots[index] < tSeconds) {
    index += 1;
  }
  const widthSeconds = knots[index] - knots[index - 1];
  const fraction = widthSeconds > 0 ? (tSeconds - knots[index - 1]) / widthSeconds : 1;
  return (targets[index - 1] + (targets[index] - targets[index - 1]) * fraction) / plan.timeUnitSeconds;
}

/** Integral of the planned rate from the scenario start to `tSeconds`, in iterations. */
export function plannedIntegralBy(plan: StagePlan, tSeconds: number): number {
  const targets = [plan.startRate, ...plan.stages.map((stage) => stage.target)];
  const knots = plan.knotSeconds;
  let sum = 0;
  for (let index = 1; index < knots.length && knots[index - 1] < tSeconds; index += 1) {
    const fromSeconds = knots[index - 1];
    const toSeconds = Math.min(knots[index], tSeconds);
    const widthSeconds = knots[index] - fromSeconds;
    const fromRate = targets[index - 1] / plan.timeUnitSeconds;
    const slope = widthSeconds > 0 ? (targets[index] - targets[index - 1]) / plan.timeUnitSeconds / widthSeconds : 0;
    const elapsedSeconds = toSeconds - fromSeconds;
    sum += fromRate * elapsedSeconds + (slope * elapsedSeconds * elapsedSeconds) / 2;
  }
  return sum;
}

/**
 * Counts the iterations k6 starts in each whole second after the scenario start: the k-th
 * starts when the integral reaches k, so second s gets floor(I(s + 1)) − floor(I(s)).
 */
export function plannedStartsPerSecond(plan: StagePlan): number[] {
  const seconds = Math.ceil(plan.durationSeconds);
  const counts: number[] = [];
  let previous = 0;
  for (let second = 1; second <= seconds; second += 1) {
    const started = Math.floor(plannedIntegralBy(plan, second) + 1e-9);
    counts.push(started - previous);
    previous = started;
  }
  return counts;
}

/**
 * Returns the start of every iteration of the plan in seconds after the scenario start, as k6
 * schedules them: iteration k (counting from 1) starts when the integral of the planned rate
 * reaches k. Within a ramp from rate a to rate b over w seconds the integral after x seconds is
 * a·x + (b − a)·x²/(2w), so each start solves that quadratic for the area still missing.
 */
export function plannedStartSeconds(plan: StagePlan): number[] {
  const targets = [plan.startRate, ...plan.stages.map((stage) => stage.target)];
  const knots = plan.knotSeconds;
  const starts: number[] = [];
  let areaBefore = 0;
  let k = 1;
  for (let index = 1; index < knots.length; index += 1) {
    const widthSeconds = knots[index] - knots[index - 1];
    const fromRate = targets[index - 1] / plan.timeUnitSeconds;
    const toRate = targets[index] / plan.timeUnitSeconds;
    const areaAfter = areaBefore + ((fromRate + toRate) / 2) * widthSeconds;
    // The tolerance keeps an iteration due exactly at a knot that float sums land just short of.
    for (; k <= areaAfter * (1 + 1e-9); k += 1) {
      const missingArea = k - areaBefore;
      const slope = widthSeconds > 0 ? (toRate - fromRate) / widthSeconds : 0;
      let offsetSeconds: number;
      if (Math.abs(slope) < 1e-12) {
        offsetSeconds = fromRate > 0 ? missingArea / fromRate : widthSeconds;
      } else {
        const discriminant = Math.max(0, fromRate * fromRate + 2 * slope * missingArea);
        offsetSeconds = (Math.sqrt(discriminant) - fromRate) / slope;
      }
      starts.push(knots[index - 1] + Math.min(widthSeconds, Math.max(0, offsetSeconds)));
    }
    areaBefore = areaAfter;
  }
  return starts;
}
