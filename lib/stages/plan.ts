// Arrival curve → k6 ramping-arrival-rate stages.
//
// k6 interpolates the rate linearly from one stage target to the next and starts the k-th
// iteration when the integral of the rate reaches k. So a plan is a piecewise-linear rate
// through knots (t_i, r_i), and the iterations it starts are floor(Σ (r_i + r_{i+1})/2 · Δt_i).
// The knots are chosen adaptively. They start at the curve's ends and its peak. Then the
// segment whose chord strays furthest from λ(t) at a sampled point is split there, again and
// again. Splitting stops when every chord is within half the error budget and the users the
// chords miss stay within a quarter of it, or when the stage cap is reached. The rates are then scaled so that the
// integral equals the user count and rounded to whole iterations per time unit, because k6
// requires integers: its documentation types stage targets and startRate as integers, and its
// lib/executor code reads Stage.Target as a null.Int, which rejects 12.5 when decoding JSON.
// Last, single targets move by one until the integral lies between the user count and one
// iteration more.
import type { ArrivalCurve } from '../arrival/types.ts';
import { describeArrival } from '../arrival/describe.ts';
import { HerdUserError } from '../user-error.ts';
import type { PlanStagesOptions, StagePlan } from './types.ts';

interface TimeUnitChoice {
  label: string;
  seconds: number;
}

// k6 accepts any duration as timeUnit; these keep targets readable.
const TIME_UNITS: TimeUnitChoice[] = [
  { label: '1s', seconds: 1 },
  { label: '10s', seconds: 10 },
  { label: '1m', seconds: 60 },
];

/**
 * Plans k6 ramping-arrival-rate stages for `curve`. With `maxStages` of at least 2, the
 * integral equals the curve's user count to within one iteration. The rate stays within
 * `maxShapeErrorFraction` of the peak wherever the stage cap and the duration grid allow, and
 * `worstShapeErrorFraction` reports the error reached. Without `durationUnit`, whole seconds are tried first and milliseconds
 * used when seconds miss the error bound. Deterministic: the same curve and options give the
 * same plan.
 */
export function planStages(curve: ArrivalCurve, options: PlanStagesOptions = {}): StagePlan {
  const maxShapeErrorFraction = options.maxShapeErrorFraction ?? 0.01;
  const maxStages = options.maxStages ?? 200;
  checkOptions(maxShapeErrorFraction, maxStages);
  if (options.durationUnit !== undefined) {
    return planOnGrid(curve, maxShapeErrorFraction, maxStages, options.durationUnit);
  }

  // Whole seconds read best, but a curve that rises within a second or two needs finer knots.
  if (secondChordsMissBound(curve, maxShapeErrorFraction)) {
    return planOnGrid(curve, maxShapeErrorFraction, maxStages, 'ms');
  }
  const inSeconds = planOnGrid(curve, maxShapeErrorFraction, maxStages, 's');
  if (inSeconds.worstShapeErrorFraction <= maxShapeErrorFraction) {
    return inSeconds;
  }
  const inMilliseconds = planOnGrid(curve, maxShapeErrorFraction, maxStages, 'ms');
  return inMilliseconds.worstShapeErrorFraction < inSeconds.worstShapeErrorFraction ? inMilliseconds : inSeconds;
}

/**
 * Tells whether a one-second chord on the whole-second grid, in the seconds up to and just after
 * the peak, strays from the curve by more than the bound. Whole-second stages cannot be shorter,
 * so planning on that grid would miss the bound there; this saves the attempt, which matters in
 * k6 init code.
 */
function secondChordsMissBound(curve: ArrivalCurve, maxShapeErrorFraction: number): boolean {
  const { peakRatePerSecond, peakAtSeconds } = describeArrival(curve);
  const firstSecond = Math.floor(curve.startSeconds);
  const lastSecond = Math.min(Math.ceil(curve.endSeconds), Math.ceil(peakAtSeconds + 2 * (peakAtSeconds - curve.startSeconds)) + 2);
  for (let second = firstSecond; second < lastSecond; second += 1) {
    const chordMiddle = (curve.ratePerSecondAt(second) + curve.ratePerSecondAt(second + 1)) / 2;
    if (Math.abs(curve.ratePerSecondAt(second + 0.5) - chordMiddle) > maxShapeErrorFraction * peakRatePerSecond) {
      return true;
    }
  }
  return false;
}

function planOnGrid(curve: ArrivalCurve, maxShapeErrorFraction: number, maxStages: number, durationUnit: 'ms' | 's'): StagePlan {
  const tickSeconds = durationUnit === 'ms' ? 0.001 : 1;

  const { peakRatePerSecond, peakAtSeconds } = describeArrival(curve);
  const startTick = Math.floor(curve.startSeconds / tickSeconds);
  const endTick = Math.max(startTick + 1, Math.ceil(curve.endSeconds / tickSeconds));
  const onTicks: CurveOnTicks = {
    rateAtTick: (tick) => curve.ratePerSecondAt(tick * tickSeconds),
    usersByTick: (tick) => curve.usersArrivedBy(tick * tickSeconds),
    tickSeconds,
  };

  // Half of the error budget goes to the chords. A quarter goes to the users the chords miss,
  // because the final scaling spreads them over every target. The rest covers rounding.
  const knotTicks = chooseKnots(onTicks, startTick, endTick, Math.round(peakAtSeconds / tickSeconds), {
    maxStages: Math.max(1, maxStages - 1),
    allowedErrorRate: 0.5 * maxShapeErrorFraction * peakRatePerSecond,
    allowedErrorUsers: 0.25 * maxShapeErrorFraction * curve.totalUsers,
  });
  // A last stage of one time unit (or less) gives the final target a weight of at most half an
  // iteration, fine enough to bring the integral within one iteration of the user count.
  const timeUnit = chooseTimeUnit(peakRatePerSecond, maxShapeErrorFraction);
  const lastGapTicks = knotTicks[knotTicks.length - 1] - knotTicks[knotTicks.length - 2];
  const finalStageTicks = Math.min(lastGapTicks - 1, Math.max(1, Math.round(timeUnit.seconds / tickSeconds)));
  if (maxStages >= 2 && finalStageTicks >= 1) {
    knotTicks.splice(knotTicks.length - 1, 0, endTick - finalStageTicks);
  }
  const knotSeconds = knotTicks.map((tick) => (tick - startTick) * tickSeconds);
  const targets = wholeTargetsWithIntegral(
    knotTicks.map((tick) => onTicks.rateAtTick(tick) * timeUnit.seconds),
    knotSeconds,
    timeUnit.seconds,
    curve.totalUsers,
  );

  const plannedIntegral = integralOf(targets, knotSeconds, timeUnit.seconds);
  const durationLabel = (fromTick: number, toTick: number): string =>
    tickSeconds === 1 ? `${toTick - fromTick}s` : `${toTick - fromTick}ms`;
  return {
    startRate: targets[0],
    timeUnit: timeUnit.label,
    timeUnitSeconds: timeUnit.seconds,
    stages: targets.slice(1).map((target, index) => ({ duration: durationLabel(knotTicks[index], knotTicks[index + 1]), target })),
    plannedIterations: Math.floor(plannedIntegral + 1e-9),
    plannedIntegral,
    worstShapeErrorFraction: measureShapeError(curve, startTick * tickSeconds, knotSeconds, targets, timeUnit.seconds, peakRatePerSecond),
    startTimeSeconds: startTick * tickSeconds,
    durationSeconds: knotSeconds[knotSeconds.length - 1],
    knotSeconds,
  };
}

function checkOptions(maxShapeErrorFraction: number, maxStages: number): void {
  const problems: string[] = [];
  if (!(maxShapeErrorFraction > 0 && maxShapeErrorFraction < 1)) {
    problems.push(`maxShapeErrorFraction must be between 0 and 1, got ${maxShapeErrorFraction}`);
  }
  if (!(Number.isInteger(maxStages) && maxStages >= 1)) {
    problems.push(`maxStages must be a whole number of at least 1, got ${maxStages}`);
  }
  if (problems.length > 0) {
    throw new HerdUserError('STAGES_INVALID', `invalid stage options: ${problems.join('; ')}`);
  }
}

/** Picks the smallest time unit at which rounding a target to a whole number costs under a quarter of the error budget. */
function chooseTimeUnit(peakRatePerSecond: number, maxShapeErrorFraction: number): TimeUnitChoice {
  for (const unit of TIME_UNITS) {
    const roundingErrorFraction = 0.5 / (unit.seconds * peakRatePerSecond);
    if (roundingErrorFraction <= maxShapeErrorFraction / 4) {
      return unit;
    }
  }
  return TIME_UNITS[TIME_UNITS.length - 1];
}

interface Segment {
  fromTick: number;
  toTick: number;
  /** Largest sampled |λ − chord| inside the segment, in users per second. */
  errorRate: number;
  worstTick: number;
  /** |users under the chord − users the curve delivers in the segment|. */
  errorUsers: number;
}

interface CurveOnTicks {
  rateAtTick(tick: number): number;
  usersByTick(tick: number): number;
  tickSeconds: number;
}

/** Measures how far the chord from `fromTick` to `toTick` strays from the curve, in rate and in users. */
function measureSegment(curve: CurveOnTicks, fromTick: number, toTick: number): Segment {
  const lengthTicks = toTick - fromTick;
  const fromRate = curve.rateAtTick(fromTick);
  const toRate = curve.rateAtTick(toTick);
  const chordUsers = ((fromRate + toRate) / 2) * lengthTicks * curve.tickSeconds;
  const segment: Segment = {
    fromTick,
    toTick,
    errorRate: 0,
    worstTick: fromTick,
    errorUsers: Math.abs(chordUsers - (curve.usersByTick(toTick) - curve.usersByTick(fromTick))),
  };
  if (lengthTicks <= 1) {
    return segment;
  }

  const sampleCount = Math.min(lengthTicks - 1, 64);
  for (let sample = 1; sample <= sampleCount; sample += 1) {
    const tick = fromTick + Math.round((sample * lengthTicks) / (sampleCount + 1));
    const chordRate = fromRate + ((toRate - fromRate) * (tick - fromTick)) / lengthTicks;
    const error = Math.abs(curve.rateAtTick(tick) - chordRate);
    if (error > segment.errorRate) {
      segment.errorRate = error;
      segment.worstTick = tick;
    }
  }
  return segment;
}

function isSplittable(segment: Segment): boolean {
  return segment.worstTick > segment.fromTick;
}

/**
 * Picks the next segment to split: the splittable one with the worst rate error while that
 * exceeds `allowedErrorRate`, else the one with the worst user error while the users missed
 * by all splittable chords together exceed `allowedErrorUsers`. Returns -1 when nothing needs splitting.
 */
function pickSegmentToSplit(segments: Segment[], allowedErrorRate: number, allowedErrorUsers: number): number {
  let worstByRate = -1;
  let worstByUsers = -1;
  let totalErrorUsers = 0;
  segments.forEach((segment, index) => {
    // Segments one tick long cannot be split; their error is left to the final scaling.
    if (!isSplittable(segment)) {
      return;
    }
    totalErrorUsers += segment.errorUsers;
    if (worstByRate < 0 || segment.errorRate > segments[worstByRate].errorRate) {
      worstByRate = index;
    }
    if (worstByUsers < 0 || segment.errorUsers > segments[worstByUsers].errorUsers) {
      worstByUsers = index;
    }
  });
  if (worstByRate >= 0 && segments[worstByRate].errorRate > allowedErrorRate) {
    return worstByRate;
  }
  if (worstByUsers >= 0 && totalErrorUsers > allowedErrorUsers && segments[worstByUsers].errorUsers > 0) {
    return worstByUsers;
  }
  return -1;
}

function chooseKnots(
  curve: CurveOnTicks,
  startTick: number,
  endTick: number,
  peakTick: number,
  limits: { maxStages: number; allowedErrorRate: number; allowedErrorUsers: number },
): number[] {
  const initial = [startTick];
  if (peakTick > startTick && peakTick < endTick && limits.maxStages >= 2) {
    initial.push(peakTick);
  }
  initial.push(endTick);
  const segments: Segment[] = [];
  for (let index = 1; index < initial.length; index += 1) {
    segments.push(measureSegment(curve, initial[index - 1], initial[index]));
  }

  while (segments.length < limits.maxStages) {
    const index = pickSegmentToSplit(segments, limits.allowedErrorRate, limits.allowedErrorUsers);
    if (index < 0) {
      break;
    }
    const segment = segments[index];
    segments.splice(index, 1, measureSegment(curve, segment.fromTick, segment.worstTick), measureSegment(curve, segment.worstTick, segment.toTick));
  }
  return [segments[0].fromTick, ...segments.map((segment) => segment.toTick)];
}

function integralOf(targets: readonly number[], knotSeconds: readonly number[], timeUnitSeconds: number): number {
  let sum = 0;
  for (let index = 1; index < targets.length; index += 1) {
    sum += ((targets[index - 1] + targets[index]) / 2) * ((knotSeconds[index] - knotSeconds[index - 1]) / timeUnitSeconds);
  }
  return sum;
}

/**
 * Scales the real-valued targets so that their integral equals `users` and rounds them to
 * whole numbers. Then it moves single targets by ±1 until the integral lies in
 * [users, users + 1]. The knots with the largest influence on the integral go first, each only
 * while it brings the integral closer. If the integral is still too high, the lightest knots
 * with a target above 0 step down, and if it is too low, the last knot steps up. The last knot
 * weighs at most half an iteration (see the final stage in `planOnGrid`), so this always lands
 * unless the stage cap left no short final stage.
 */
function wholeTargetsWithIntegral(realTargets: number[], knotSeconds: number[], timeUnitSeconds: number, users: number): number[] {
  const realIntegral = integralOf(realTargets, knotSeconds, timeUnitSeconds);
  const scale = realIntegral > 0 ? users / realIntegral : 0;
  const targets = realTargets.map((target) => Math.max(0, Math.round(target * scale)));

  // d(integral)/d(target_i): the knot touches the segments on both sides of it.
  const weights = knotSeconds.map((_, index) => {
    const leftSeconds = index > 0 ? knotSeconds[index] - knotSeconds[index - 1] : 0;
    const rightSeconds = index < knotSeconds.length - 1 ? knotSeconds[index + 1] - knotSeconds[index] : 0;
    return (leftSeconds + rightSeconds) / (2 * timeUnitSeconds);
  });
  const goal = users + 0.5;
  let residual = goal - integralOf(targets, knotSeconds, timeUnitSeconds);
  const step = (index: number, direction: 1 | -1): void => {
    targets[index] += direction;
    residual -= direction * weights[index];
  };

  const heaviestFirst = weights.map((_, index) => index).sort((a, b) => weights[b] - weights[a] || a - b);
  for (let pass = 0; pass < 10_000 && Math.abs(residual) > 0.5; pass += 1) {
    let changed = false;
    for (const index of heaviestFirst) {
      const direction = residual > 0 ? 1 : -1;
      if (Math.abs(residual) > 0.5 && Math.abs(residual - direction * weights[index]) < Math.abs(residual) && targets[index] + direction >= 0) {
        step(index, direction);
        changed = true;
      }
    }
    if (!changed) {
      break;
    }
  }

  const lightestFirst = [...heaviestFirst].reverse().filter((index) => weights[index] > 0);
  for (let guard = 0; residual < -0.5 && guard < 100_000; guard += 1) {
    const index = lightestFirst.find((candidate) => targets[candidate] > 0);
    if (index === undefined) {
      break;
    }
    step(index, -1);
  }
  const lastIndex = targets.length - 1;
  for (let guard = 0; residual > 0.5 && weights[lastIndex] > 0 && guard < 100_000; guard += 1) {
    step(lastIndex, 1);
  }
  return targets;
}

function measureShapeError(
  curve: ArrivalCurve,
  offsetSeconds: number,
  knotSeconds: number[],
  targets: number[],
  timeUnitSeconds: number,
  peakRatePerSecond: number,
): number {
  if (!(peakRatePerSecond > 0)) {
    return 0;
  }
  // About 6,000 samples in all: k6 runs this at init time in every VU, without a JIT compiler.
  const samplesPerSegment = Math.max(8, Math.ceil(6000 / knotSeconds.length));
  let worst = 0;
  for (let index = 1; index < knotSeconds.length; index += 1) {
    const fromSeconds = knotSeconds[index - 1];
    const widthSeconds = knotSeconds[index] - fromSeconds;
    for (let sample = 0; sample <= samplesPerSegment; sample += 1) {
      const fraction = sample / samplesPerSegment;
      const plannedRate = (targets[index - 1] + (targets[index] - targets[index - 1]) * fraction) / timeUnitSeconds;
      const error = Math.abs(plannedRate - curve.ratePerSecondAt(offsetSeconds + fromSeconds + fraction * widthSeconds));
      worst = Math.max(worst, error);
    }
  }
  return worst / peakRatePerSecond;
}
