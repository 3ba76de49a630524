import { HerdUserError } from '../user-error.ts';

/**
 * Default cap on a run's planned peak, in requests per second. A policy choice, not a measured
 * limit: a rate that a small service notices but usually survives, so that a typo in `--scale`
 * or `users` cannot turn a rehearsal into an outage. Larger runs pass `--i-mean-it`.
 */
export const DEFAULT_PEAK_RATE_CAP_PER_SECOND = 1000;

/** The CLI flag that lets a run exceed the peak-rate cap. */
export const RATE_CAP_OVERRIDE_FLAG = '--i-mean-it';

/** Options of `assertRateWithinCap`. */
export interface RateCapOptions {
  /** The cap in the same unit as the peak. Default: `DEFAULT_PEAK_RATE_CAP_PER_SECOND`. */
  capPerSecond?: number;
  /** True when the user passed `--i-mean-it`; the check then passes at any rate. */
  overridden?: boolean;
  /** Unit of the rate, shown in the message. Default: `requests/s`. */
  unit?: string;
}

/**
 * Throws HerdUserError `RATE_ABOVE_CAP` when the planned peak is above the cap and the user did not
 * override it, and `RATE_INVALID` when the peak is not a finite number of at least zero.
 * The message names `--i-mean-it` and the smaller-scale alternative.
 */
export function assertRateWithinCap(peakRatePerSecond: number, options: RateCapOptions = {}): void {
  const capPerSecond = options.capPerSecond ?? DEFAULT_PEAK_RATE_CAP_PER_SECOND;
  const unit = options.unit ?? 'requests/s';
  if (!Number.isFinite(peakRatePerSecond) || peakRatePerSecond < 0) {
    throw new HerdUserError('RATE_INVALID', `the planned peak rate is ${peakRatePerSecond} ${unit}; expected a finite number of at least 0. Check the event's users and arrival settings.`);
  }
  if (!Number.isFinite(capPerSecond) || capPerSecond <= 0) {
    throw new HerdUserError('RATE_INVALID', `the peak-rate cap is ${capPerSecond} ${unit}; expected a positive number.`);
  }
  if (options.overridden === true || peakRatePerSecond <= capPerSecond) {
    return;
  }

  throw new HerdUserError(
    'RATE_ABOVE_CAP',
    `the planned peak of ${formatRate(peakRatePerSecond)} ${unit} is above the safety cap of ${formatRate(capPerSecond)} ${unit}. ` +
      `Lower the load with --scale, or pass ${RATE_CAP_OVERRIDE_FLAG} if the target's owners expect this load.`,
  );
}

function formatRate(ratePerSecond: number): string {
  const rounded = ratePerSecond >= 100 ? Math.round(ratePerSecond) : Math.round(ratePerSecond * 10) / 10;
  // Thousands separators by hand: toLocaleString depends on the runtime's locale data, which k6 lacks.
  const [whole, fraction] = String(rounded).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
