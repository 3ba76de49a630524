// The arrival models: an event's arrival specification → a rate curve λ(t) and its integral N(t).
import type { ArrivalSpec } from '../event/types.ts';
import type { ArrivalCurve } from './types.ts';
import { createLogNormalCurve, resolveLogNormalShape, type LogNormalCurve } from './lognormal.ts';
import { ArrivalProblems, isPositiveNumber } from './problems.ts';
import { createTraceCurve } from './trace.ts';
import { SHARE_SUM_TOLERANCE, sumWaveCurves } from './waves.ts';

export type { ArrivalCurve } from './types.ts';
export { describeArrival, timeWhenArrived, type ArrivalDescription } from './describe.ts';
export { createLogNormalCurve, logNormalPeak, resolveLogNormalShape, DEFAULT_SIGMA, type LogNormalCurve, type LogNormalParameters } from './lognormal.ts';
export { erf, erfc, normalCdf, normalPdf, normalQuantile } from './normal.ts';
export { ArrivalProblems } from './problems.ts';
export { createTraceCurve, parseTraceCsv, type TraceCurve } from './trace.ts';
export { evenlySpacedWaves, sumWaveCurves, SHARE_SUM_TOLERANCE, type EvenWavesOptions, type WavesCurve } from './waves.ts';

/**
 * Builds the arrival curve of `users` users from an event's `arrival` block.
 * For `model: trace`, `traceArrivalSeconds` contains the parsed trace (see `parseTraceCsv`).
 * Throws `HerdUserError` (ARRIVAL_INVALID) listing every invalid field, named as in the event file.
 */
export function createArrivalCurve(spec: ArrivalSpec, users: number, traceArrivalSeconds?: readonly number[]): ArrivalCurve {
  checkTimesWithinADay(spec, traceArrivalSeconds);
  return createCurveOfModel(spec, users, traceArrivalSeconds);
}

/** Latest notification or trace arrival an event may give, in seconds from the test start: later ones are not one herd, and their per-second arrays outgrow memory. */
export const MAX_ARRIVAL_START_SECONDS = 86_400;

/**
 * Rejects notification times and trace arrivals past 24 hours. A log-normal tail may still run
 * past that for a few users, because its end follows from the spread and the user count.
 */
function checkTimesWithinADay(spec: ArrivalSpec, traceArrivalSeconds: readonly number[] | undefined): void {
  if (typeof spec !== 'object' || spec === null) return;
  const problems = new ArrivalProblems();
  const limit = `more than the ${MAX_ARRIVAL_START_SECONDS.toLocaleString('en-US')} s (24 h) a herd test may span`;
  if (spec.model === 'trace') {
    const lastSeconds = traceArrivalSeconds?.[traceArrivalSeconds.length - 1];
    if (lastSeconds !== undefined && lastSeconds > MAX_ARRIVAL_START_SECONDS) {
      problems.add(`arrival.file (${spec.file})`, `the last arrival is ${Math.round(lastSeconds).toLocaleString('en-US')} s after the test start, ${limit}; trace times are seconds from the test start, so subtract the first timestamp from every row`);
    }
  } else if (spec.model === 'lognormal' && typeof spec.notificationAtSeconds === 'number' && spec.notificationAtSeconds > MAX_ARRIVAL_START_SECONDS) {
    problems.add('arrival.notificationAtSeconds', `${spec.notificationAtSeconds} s is ${limit}; send the notification within the test's first day`);
  } else if (spec.model === 'waves' && Array.isArray(spec.waves)) {
    spec.waves.forEach((wave, index) => {
      if (typeof wave.notificationAtSeconds === 'number' && wave.notificationAtSeconds > MAX_ARRIVAL_START_SECONDS) {
        problems.add(`arrival.waves[${index}].notificationAtSeconds`, `${wave.notificationAtSeconds} s is ${limit}; send every notification within the test's first day`);
      }
    });
  }
  problems.throwIfAny();
}

function createCurveOfModel(spec: ArrivalSpec, users: number, traceArrivalSeconds?: readonly number[]): ArrivalCurve {
  const problems = new ArrivalProblems();
  if (!isPositiveNumber(users)) {
    problems.add('users', `must be a number greater than 0, got ${String(users)}`);
  }
  if (typeof spec !== 'object' || spec === null) {
    problems.add('arrival', 'missing; give model: lognormal, waves or trace');
    problems.throwIfAny();
  }

  switch (spec.model) {
    case 'lognormal':
      return createSingleNotification(spec, users, problems);
    case 'waves':
      return createWaves(spec, users, problems);
    case 'trace':
      return createTrace(spec.file, users, traceArrivalSeconds, problems);
    default:
      problems.add('arrival.model', `unknown model "${String((spec as { model: unknown }).model)}"; use lognormal, waves or trace`);
      problems.throwIfAny();
      throw new Error('unreachable: throwIfAny throws when a problem was added');
  }
}

function checkNotificationTime(value: unknown, field: string, problems: ArrivalProblems): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    problems.add(field, `must be the seconds from the test start to the notification (0 or more), got ${String(value)}`);
  }
}

function createSingleNotification(spec: Extract<ArrivalSpec, { model: 'lognormal' }>, users: number, problems: ArrivalProblems): LogNormalCurve {
  checkNotificationTime(spec.notificationAtSeconds, 'arrival.notificationAtSeconds', problems);
  const parameters = resolveLogNormalShape(spec, 'arrival', problems);
  problems.throwIfAny();
  return createLogNormalCurve(users, spec.notificationAtSeconds, parameters!);
}

function createWaves(spec: Extract<ArrivalSpec, { model: 'waves' }>, users: number, problems: ArrivalProblems): ArrivalCurve {
  if (!Array.isArray(spec.waves) || spec.waves.length === 0) {
    problems.add('arrival.waves', 'must list at least one wave with notificationAtSeconds, share and a shape');
    problems.throwIfAny();
  }

  const resolved = spec.waves.map((wave, index) => {
    const field = `arrival.waves[${index}]`;
    checkNotificationTime(wave.notificationAtSeconds, `${field}.notificationAtSeconds`, problems);
    if (!(typeof wave.share === 'number' && wave.share > 0 && wave.share <= 1)) {
      problems.add(`${field}.share`, `must be a fraction of the users above 0 and at most 1, got ${String(wave.share)}`);
    }
    return resolveLogNormalShape(wave, field, problems);
  });
  const shareSum = spec.waves.reduce((sum, wave) => sum + (typeof wave.share === 'number' ? wave.share : 0), 0);
  if (Math.abs(shareSum - 1) > SHARE_SUM_TOLERANCE) {
    problems.add('arrival.waves[*].share', `the shares sum to ${roundForMessage(shareSum)}, but they must sum to 1`);
  }
  problems.throwIfAny();

  // Shares are normalised so that the waves deliver exactly `users` even when they sum to 0.999.
  const curves = spec.waves.map((wave, index) => createLogNormalCurve((users * wave.share) / shareSum, wave.notificationAtSeconds, resolved[index]!));
  return sumWaveCurves(curves);
}

function createTrace(file: string, users: number, traceArrivalSeconds: readonly number[] | undefined, problems: ArrivalProblems): ArrivalCurve {
  const field = `arrival.file (${String(file)})`;
  if (traceArrivalSeconds === undefined || traceArrivalSeconds.length === 0) {
    problems.add(field, 'the trace has no arrivals; record at least one arrival, or load the file with parseTraceCsv first');
    problems.throwIfAny();
  }
  const trace = traceArrivalSeconds!;
  for (let index = 0; index < trace.length && problems.count < 5; index += 1) {
    const seconds = trace[index];
    if (!(Number.isFinite(seconds) && seconds >= 0)) {
      problems.add(`${field} arrival ${index + 1}`, `must be a time in seconds of 0 or more, got ${String(seconds)}`);
    } else if (index > 0 && seconds < trace[index - 1]) {
      problems.add(`${field} arrival ${index + 1}`, `${seconds} comes before ${trace[index - 1]}; sort the trace by time`);
    }
  }
  problems.throwIfAny();
  return createTraceCurve(trace, users);
}

function roundForMessage(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
