import type { LogNormalShape } from '../event/types.ts';
import type { ArrivalCurve } from './types.ts';
import { normalCdf, normalPdf, normalQuantile } from './normal.ts';
import { ArrivalProblems, isPositiveNumber } from './problems.ts';

/**
 * The sigma used when an arrival gives only `within` or only `medianSeconds`. With it,
 * "99 % of 50,000 users within 60 s" gives a median of 7.9 s and a peak of about
 * 4,200 users/s, the planning figures this project starts from. The derivation is in
 * test/arrival/lognormal.test.ts.
 */
export const DEFAULT_SIGMA = 0.87;

/** The two parameters of a log-normal arrival delay, once `within` has been resolved. */
export interface LogNormalParameters {
  /** Seconds after the notification by which half of the audience has arrived. */
  medianSeconds: number;
  /** Standard deviation of ln(delay in seconds). */
  sigma: number;
}

/**
 * Largest sigma accepted. At sigma 3 the 99th percentile arrives 1,100 times later than the
 * median, which is no longer one herd. Far larger values overflow the quantile arithmetic.
 */
export const MAX_SIGMA = 3;

/**
 * Turns the shape a user writes (median and sigma, `within` and one of them, or `within` or the
 * median alone with DEFAULT_SIGMA) into a median and a sigma. Records problems under `field`
 * and returns undefined when the shape is invalid.
 */
export function resolveLogNormalShape(shape: LogNormalShape, field: string, problems: ArrivalProblems): LogNormalParameters | undefined {
  const before = problems.count;
  const { medianSeconds, sigma, within } = shape;

  if (medianSeconds !== undefined && !isPositiveNumber(medianSeconds)) {
    problems.add(`${field}.medianSeconds`, `must be a number of seconds greater than 0, got ${String(medianSeconds)}`);
  }
  if (sigma !== undefined && !isPositiveNumber(sigma)) {
    problems.add(`${field}.sigma`, `must be greater than 0 (a sigma of 0 would make every user arrive at the same instant), got ${String(sigma)}`);
  } else if (sigma !== undefined && sigma > MAX_SIGMA) {
    problems.add(`${field}.sigma`, `must be at most ${MAX_SIGMA}, got ${sigma}: the 99th percentile would arrive ${Math.round(Math.exp(2.326 * sigma)).toLocaleString('en-US')} times later than the median; model spread-out arrivals as several waves instead`);
  }
  if (within !== undefined) {
    checkWithin(within, `${field}.within`, problems);
  }
  if (medianSeconds !== undefined && sigma !== undefined && within !== undefined) {
    problems.add(field, 'give two of medianSeconds, sigma and within, not all three: the third follows from the other two');
  }
  if (medianSeconds === undefined && within === undefined) {
    problems.add(field, 'missing medianSeconds or within: say when half of the audience arrives, or which fraction arrives within how many seconds');
  }
  if (problems.count > before) {
    return undefined;
  }

  if (within === undefined) {
    return { medianSeconds: medianSeconds as number, sigma: sigma ?? DEFAULT_SIGMA };
  }
  const z = normalQuantile(within.fraction);
  if (medianSeconds === undefined) {
    const resolvedSigma = sigma ?? DEFAULT_SIGMA;
    return { medianSeconds: within.seconds / Math.exp(z * resolvedSigma), sigma: resolvedSigma };
  }

  // ln(within.seconds) = ln(median) + z·sigma, so sigma follows; it must come out positive.
  const derivedSigma = (Math.log(within.seconds) - Math.log(medianSeconds)) / z;
  if (!(derivedSigma > 0) || !Number.isFinite(derivedSigma)) {
    problems.add(
      `${field}.within`,
      `a fraction of ${within.fraction} within ${within.seconds} s is impossible with a median of ${medianSeconds} s; ` +
        'for a fraction above 0.5 the window must be longer than the median',
    );
    return undefined;
  }
  if (derivedSigma > MAX_SIGMA) {
    problems.add(
      `${field}.within`,
      `a fraction of ${within.fraction} within ${within.seconds} s with a median of ${medianSeconds} s needs a sigma of ${derivedSigma.toFixed(2)}, above the ${MAX_SIGMA} accepted; ` +
        'shorten the window, lengthen the median, or model several waves',
    );
    return undefined;
  }
  return { medianSeconds, sigma: derivedSigma };
}

function checkWithin(within: { fraction: number; seconds: number }, field: string, problems: ArrivalProblems): void {
  if (typeof within !== 'object' || within === null) {
    problems.add(field, 'must be an object such as { fraction: 0.99, seconds: 60 }');
    return;
  }
  if (!(typeof within.fraction === 'number' && within.fraction > 0 && within.fraction < 1) || within.fraction === 0.5) {
    problems.add(`${field}.fraction`, `must be between 0 and 1 and not 0.5 (0.5 is the median), got ${String(within.fraction)}`);
  }
  if (!(typeof within.seconds === 'number' && Number.isFinite(within.seconds) && within.seconds >= 1)) {
    problems.add(`${field}.seconds`, `must be at least 1 second, got ${String(within.seconds)}`);
  }
}

/** A log-normal arrival curve with its parameters, so that callers can report them. */
export interface LogNormalCurve extends ArrivalCurve {
  readonly model: 'lognormal';
  readonly notificationAtSeconds: number;
  readonly parameters: LogNormalParameters;
}

/**
 * Builds the curve of `users` arriving with a log-normal delay after a notification at
 * `notificationAtSeconds`: N(t) = users · Φ((ln(t − t0) − ln median) / sigma).
 * The curve starts and ends where less than half a user (at most 1e-3 users) lies beyond.
 */
export function createLogNormalCurve(users: number, notificationAtSeconds: number, parameters: LogNormalParameters): LogNormalCurve {
  const mu = Math.log(parameters.medianSeconds);
  const { sigma } = parameters;
  const tailFraction = Math.min(0.5 / users, 1e-3);
  const delayAt = (fraction: number): number => Math.exp(mu + sigma * normalQuantile(fraction));

  return {
    model: 'lognormal',
    notificationAtSeconds,
    parameters: { ...parameters },
    totalUsers: users,
    startSeconds: notificationAtSeconds + delayAt(tailFraction),
    endSeconds: notificationAtSeconds + delayAt(1 - tailFraction),
    ratePerSecondAt(tSeconds: number): number {
      const delaySeconds = tSeconds - notificationAtSeconds;
      if (!(delaySeconds > 0)) {
        return 0;
      }
      const z = (Math.log(delaySeconds) - mu) / sigma;
      return (users * normalPdf(z)) / (delaySeconds * sigma);
    },
    usersArrivedBy(tSeconds: number): number {
      const delaySeconds = tSeconds - notificationAtSeconds;
      if (!(delaySeconds > 0)) {
        return 0;
      }
      return users * normalCdf((Math.log(delaySeconds) - mu) / sigma);
    },
  };
}

/**
 * Computes the exact peak of a log-normal curve: the mode of the delay is median · e^(−σ²),
 * where the rate is users · e^(σ²/2) / (median · σ · √(2π)).
 */
export function logNormalPeak(users: number, notificationAtSeconds: number, parameters: LogNormalParameters): { peakRatePerSecond: number; peakAtSeconds: number } {
  const { medianSeconds, sigma } = parameters;
  return {
    peakAtSeconds: notificationAtSeconds + medianSeconds * Math.exp(-sigma * sigma),
    peakRatePerSecond: (users * Math.exp((sigma * sigma) / 2)) / (medianSeconds * sigma * Math.sqrt(2 * Math.PI)),
  };
}
