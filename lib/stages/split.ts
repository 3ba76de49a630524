import type { ArrivalCurve } from '../arrival/types.ts';
import { HerdUserError } from '../user-error.ts';

/**
 * Splits a curve by platform share: each platform gets share × curve, so that each can run
 * as its own k6 scenario. User counts are whole numbers that sum to the curve's total
 * (largest remainder), and each platform's curve is scaled to its count.
 * Throws `HerdUserError` (EVENT_INVALID) naming `platforms.<name>.share` for a bad share or
 * when the shares do not sum to 1 (within 0.002).
 */
export function splitCurveByShare(curve: ArrivalCurve, shares: Record<string, number>): Record<string, ArrivalCurve> {
  const names = Object.keys(shares);
  const problems: string[] = [];
  for (const name of names) {
    const share = shares[name];
    if (!(typeof share === 'number' && share >= 0 && share <= 1)) {
      problems.push(`platforms.${name}.share: must be a fraction from 0 to 1, got ${String(share)}`);
    }
  }
  const shareSum = names.reduce((sum, name) => sum + (Number.isFinite(shares[name]) ? shares[name] : 0), 0);
  if (names.length === 0) {
    problems.push('platforms: list at least one platform with a share and a bundle');
  } else if (Math.abs(shareSum - 1) > 0.002) {
    problems.push(`platforms.*.share: the shares sum to ${Math.round(shareSum * 1e6) / 1e6}, but they must sum to 1`);
  }
  if (problems.length > 0) {
    throw new HerdUserError('EVENT_INVALID', `invalid platform shares:\n  - ${problems.join('\n  - ')}`);
  }

  const users = wholeUsersByShare(Math.round(curve.totalUsers), names.map((name) => shares[name] / shareSum));
  const result: Record<string, ArrivalCurve> = {};
  names.forEach((name, index) => {
    result[name] = scaleCurve(curve, curve.totalUsers > 0 ? users[index] / curve.totalUsers : 0);
  });
  return result;
}

/** Splits `total` into whole numbers proportional to `fractions` by the largest-remainder method. */
export function wholeUsersByShare(total: number, fractions: number[]): number[] {
  const exact = fractions.map((fraction) => fraction * total);
  const whole = exact.map((value) => Math.floor(value));
  let left = total - whole.reduce((sum, value) => sum + value, 0);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) {
      break;
    }
    whole[index] += 1;
    left -= 1;
  }
  return whole;
}

/** Multiplies a curve's rate and count by `factor`. */
export function scaleCurve(curve: ArrivalCurve, factor: number): ArrivalCurve {
  return {
    totalUsers: curve.totalUsers * factor,
    startSeconds: curve.startSeconds,
    endSeconds: curve.endSeconds,
    ratePerSecondAt: (tSeconds) => curve.ratePerSecondAt(tSeconds) * factor,
    usersArrivedBy: (tSeconds) => curve.usersArrivedBy(tSeconds) * factor,
  };
}
