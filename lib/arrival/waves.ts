import type { LogNormalShape, WavesArrivalSpec } from '../event/types.ts';
import type { ArrivalCurve } from './types.ts';
import { createLogNormalCurve, type LogNormalCurve } from './lognormal.ts';

/** Shares of waves must sum to 1 within this tolerance, which allows for rounded decimals such as 0.333. */
export const SHARE_SUM_TOLERANCE = 0.002;

/** A curve that is the sum of several log-normal waves. */
export interface WavesCurve extends ArrivalCurve {
  readonly model: 'waves';
  readonly waves: readonly LogNormalCurve[];
}

/** Sums log-normal wave curves into one curve; each wave already carries its share of the users. */
export function sumWaveCurves(waves: LogNormalCurve[]): WavesCurve {
  return {
    model: 'waves',
    waves,
    totalUsers: waves.reduce((sum, wave) => sum + wave.totalUsers, 0),
    startSeconds: Math.min(...waves.map((wave) => wave.startSeconds)),
    endSeconds: Math.max(...waves.map((wave) => wave.endSeconds)),
    ratePerSecondAt(tSeconds: number): number {
      let rate = 0;
      for (const wave of waves) {
        rate += wave.ratePerSecondAt(tSeconds);
      }
      return rate;
    },
    usersArrivedBy(tSeconds: number): number {
      let users = 0;
      for (const wave of waves) {
        users += wave.usersArrivedBy(tSeconds);
      }
      return users;
    },
  };
}

/** Options for `evenlySpacedWaves`. */
export interface EvenWavesOptions {
  /** Number of notifications, at least 1. */
  count: number;
  /** Seconds from the test start to the first notification. */
  firstAtSeconds: number;
  /** Seconds from the first notification to the last one. Example: 600 for "over 10 minutes". */
  spanSeconds: number;
  /** Arrival shape of each wave's audience after its notification. */
  shape: LogNormalShape;
}

/**
 * Builds a waves specification of `count` notifications spread evenly over `spanSeconds`,
 * each sent to an equal share of the audience ("5 waves evenly over 10 minutes").
 */
export function evenlySpacedWaves(options: EvenWavesOptions): WavesArrivalSpec {
  const count = Math.max(1, Math.floor(options.count));
  const gapSeconds = count === 1 ? 0 : options.spanSeconds / (count - 1);
  const waves = [];
  for (let index = 0; index < count; index += 1) {
    waves.push({ ...options.shape, notificationAtSeconds: options.firstAtSeconds + index * gapSeconds, share: 1 / count });
  }
  return { model: 'waves', waves };
}
