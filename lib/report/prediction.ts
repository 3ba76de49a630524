// Pairs the planner's predicted numbers with the matching measurements of the run. The planner
// names its quantities (admittedUsersPerSecond, rejectedShare, timeToAdmitSeconds, …); the key,
// and a platform name in its path, decide which measurement belongs beside it.
import type { PlanPrediction } from './plan-reading.ts';
import { ALL_PLATFORMS, type PlatformTotals, type PredictionItem, type PredictionKind } from './types.ts';

/** Tells which measured quantity a prediction key stands for, or undefined when the report measures nothing like it. */
export function predictionKindOf(key: string): PredictionKind | undefined {
  const leaf = (key.split('.').pop() ?? key).toLowerCase();
  if (leaf.startsWith('timetoadmit')) return 'timeToAdmit';
  if ((leaf.includes('503') || leaf.includes('rejected')) && /share|fraction|ratio/.test(leaf)) return 'share503';
  if (leaf.startsWith('admittedusers') && /persecond|persec/.test(leaf)) return 'peakAdmittedPerSecond';
  if (leaf === 'admittedshare') return 'admittedShare';
  if (leaf.startsWith('offeredusers') && /persecond|persec/.test(leaf)) return 'peakStartedPerSecond';
  if (leaf === 'users') return 'users';
  if (leaf === 'requestssent') return 'requests';
  return undefined;
}

/** Returns the unit of a predicted value from the key's ending: `…Ms`, `…Seconds`, or none. */
function unitOf(key: string): PredictionItem['unit'] {
  if (/Ms$/.test(key)) return 'ms';
  if (/Seconds$/.test(key) && !/PerSecond$/i.test(key)) return 's';
  return '';
}

function measuredValue(kind: PredictionKind, key: string, totals: PlatformTotals, unit: PredictionItem['unit'], peakStartedPerSecond: number): number | null {
  const attempted = totals.admittedUsers + totals.notAdmittedUsers + totals.droppedIterations;
  switch (kind) {
    case 'peakAdmittedPerSecond':
      return totals.peakAdmittedPerSecond;
    case 'peakStartedPerSecond':
      return peakStartedPerSecond;
    case 'admittedShare':
      return attempted === 0 ? null : totals.admittedUsers / attempted;
    case 'share503':
      return totals.requests === 0 ? null : totals.requests503 / totals.requests;
    case 'users':
      return attempted === 0 ? null : attempted;
    case 'requests':
      return totals.requests === 0 ? null : totals.requests;
    case 'timeToAdmit': {
      // A key naming the 95th percentile (timeToAdmitP95Seconds) is paired with it; any other with the median.
      const measuredMs = /p95/i.test(key) ? totals.timeToAdmitP95Ms : totals.timeToAdmitP50Ms;
      if (measuredMs === null) return null;
      return unit === 's' ? measuredMs / 1000 : measuredMs;
    }
  }
}

/**
 * Returns one item per predicted number, with the whole-run measurement of the same quantity
 * where the report has one: the platform's when the key's path names a platform, else all of them.
 * `peakStartedByPlatform` contains the most iterations started in one second, per platform.
 */
export function pairPrediction(prediction: PlanPrediction | undefined, totals: PlatformTotals[], peakStartedByPlatform: Map<string, number>): PredictionItem[] {
  if (prediction === undefined) return [];
  const items: PredictionItem[] = [];
  for (const [key, predicted] of prediction.values) {
    const segments = key.split('.');
    const platform = totals.find((total) => total.platform !== ALL_PLATFORMS && segments.includes(total.platform))?.platform ?? ALL_PLATFORMS;
    const kind = predictionKindOf(key);
    const unit = unitOf(key);
    const platformTotals = totals.find((total) => total.platform === platform);
    const measured = kind === undefined || platformTotals === undefined ? null : measuredValue(kind, key, platformTotals, unit, peakStartedByPlatform.get(platform) ?? 0);
    items.push({ key, platform, ...(kind === undefined ? {} : { kind }), unit, predicted, measured });
  }
  return items;
}
