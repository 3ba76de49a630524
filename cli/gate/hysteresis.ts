import { METRIC_LABELS } from './probe.ts';
import type { LoadSample, MetricName } from './probe.ts';

/** Maximum allowed value per metric. A metric without a maximum is recorded but not judged. */
export type Thresholds = Partial<Record<MetricName, number>>;

/** The verdict on one round of samples and the sentences that explain it. */
export interface RoundDecision {
  isQuiet: boolean;
  /** The limits this round was judged against: the thresholds, or the resume levels after the load had been over. */
  limits: Thresholds;
  /** One sentence per metric that went over its limit, naming the highest sample. */
  violations: string[];
}

/**
 * Judges one round: it is quiet only when every sample of every judged metric is at or under its limit.
 * Once any round has been busy (`hasBeenOver`), the limit drops to `threshold × resumeFraction`, so a load
 * hovering just under the threshold does not flip the gate to go on the first lucky round.
 */
export function judgeRound(samples: readonly LoadSample[], thresholds: Thresholds, hasBeenOver: boolean, resumeFraction: number): RoundDecision {
  const limits: Thresholds = {};
  const violations: string[] = [];
  for (const [name, threshold] of Object.entries(thresholds) as [MetricName, number][]) {
    const limit = hasBeenOver ? threshold * resumeFraction : threshold;
    limits[name] = limit;
    const values = samples.map((sample) => sample.metrics[name]).filter((value): value is number => value !== undefined);
    if (values.length === 0) {
      violations.push(`no sample had ${METRIC_LABELS[name]}, so the gate cannot judge it`);
      continue;
    }
    const highest = Math.max(...values);
    if (highest > limit) {
      const overCount = values.filter((value) => value > limit).length;
      const levelName = hasBeenOver ? 'resume level' : 'maximum';
      violations.push(`${METRIC_LABELS[name]} reached ${formatNumber(highest)} (${overCount} of ${values.length} samples over the ${levelName} ${formatNumber(limit)})`);
    }
  }
  return { isQuiet: violations.length === 0, limits, violations };
}

/** Formats a measured number for sentences: integers as they are, others with at most two decimals. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
}
