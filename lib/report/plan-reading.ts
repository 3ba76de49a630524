// Reads the planner's plan.json defensively: its `timeline` of planned arrivals per platform and
// its `prediction` of what the run would measure. Either may be missing or shaped differently.
import { asRecord } from './run-folder.ts';
import type { ReportNote } from './types.ts';

/** Planned arrivals per second since the scenario start, per platform. */
export interface PlannedArrivals {
  /** Arrivals per platform for each whole second; index 0 is the first second of the run. */
  perSecond: Map<string, number[]>;
  /** Planned users in all, from the plan's user count when it states one, else the sum of the timeline. */
  totalUsers: number | undefined;
}

/** The numbers found in plan.json's `prediction`, as dotted paths such as `platforms.mobile.admittedUsersPerSecond`. */
export interface PlanPrediction {
  values: Map<string, number>;
  /** A predicted admitted-users-per-second series over plan time, when the prediction contains one. */
  admittedSeries: Array<{ tSeconds: number; admittedPerSecond: number }>;
}

interface TimelinePoint {
  tSeconds: number;
  rates: Map<string, number>;
}

/** Returns the planned arrivals from plan.json's `timeline`, or undefined (with a note) when it has none usable. */
export function readPlannedArrivals(plan: unknown, notes: ReportNote[]): PlannedArrivals | undefined {
  const record = asRecord(plan);
  const timeline = record?.timeline;
  if (!Array.isArray(timeline) || timeline.length === 0) {
    notes.push({ file: 'plan.json', problem: 'has no `timeline` array, so planned arrivals are not shown' });
    return undefined;
  }

  const points = timelinePoints(timeline);
  if (points.length === 0) {
    notes.push({ file: 'plan.json', problem: '`timeline` has no entries with a numeric `second` and `plannedStarts` (or `tSeconds` and `ratePerSecond`), so planned arrivals are not shown' });
    return undefined;
  }
  if (points.length < timeline.length) {
    notes.push({ file: 'plan.json', problem: `${timeline.length - points.length} \`timeline\` entries lack a numeric \`second\` or \`plannedStarts\` and were skipped` });
  }

  const perSecond = new Map<string, number[]>();
  const platforms = new Set(points.flatMap((point) => [...point.rates.keys()]));
  const lastSecond = Math.ceil(points[points.length - 1]?.tSeconds ?? 0);
  for (const platform of platforms) {
    const series: number[] = [];
    for (let second = 0; second <= lastSecond; second += 1) series.push(rateAt(points, platform, second));
    perSecond.set(platform, series);
  }

  const statedUsers = statedUserCount(record);
  const timelineUsers = [...perSecond.values()].reduce((sum, series) => sum + series.reduce((a, b) => a + b, 0), 0);
  return { perSecond, totalUsers: statedUsers ?? Math.round(timelineUsers) };
}

function timelinePoints(timeline: unknown[]): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  for (const entry of timeline) {
    const record = asRecord(entry);
    // The planner writes `{ second, plannedStarts: { mobile, web } }`; `{ tSeconds, ratePerSecond }` is accepted too.
    const tSeconds = record?.second ?? record?.tSeconds;
    if (typeof tSeconds !== 'number' || !Number.isFinite(tSeconds)) continue;
    const rates = new Map<string, number>();
    const rate = record?.plannedStarts ?? record?.ratePerSecond;
    if (typeof rate === 'number' && Number.isFinite(rate)) rates.set('total', rate);
    for (const [platform, value] of Object.entries(asRecord(rate) ?? {})) {
      if (typeof value === 'number' && Number.isFinite(value)) rates.set(platform, value);
    }
    if (rates.size > 0) points.push({ tSeconds, rates });
  }
  return points.sort((a, b) => a.tSeconds - b.tSeconds);
}

/** Returns the rate at `second`: the point at that second when there is one, else linear between its neighbours. */
function rateAt(points: TimelinePoint[], platform: string, second: number): number {
  let before: TimelinePoint | undefined;
  for (const point of points) {
    if (point.tSeconds === second) return point.rates.get(platform) ?? 0;
    if (point.tSeconds > second) {
      if (before === undefined) return 0;
      const fraction = (second - before.tSeconds) / (point.tSeconds - before.tSeconds);
      const from = before.rates.get(platform) ?? 0;
      const to = point.rates.get(platform) ?? 0;
      return from + (to - from) * fraction;
    }
    before = point;
  }
  return 0;
}

function statedUserCount(plan: Record<string, unknown> | undefined): number | undefined {
  for (const holder of [plan, asRecord(plan?.event), asRecord(plan?.total), asRecord(plan?.totals)]) {
    for (const key of ['users', 'totalUsers', 'userCount']) {
      const value = holder?.[key];
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    }
  }
  return undefined;
}

/** Returns the numeric leaves of plan.json's `prediction` (up to three levels deep, list entries by their `name`) and any admitted-rate series in it. */
export function readPrediction(plan: unknown, notes: ReportNote[]): PlanPrediction | undefined {
  const prediction = asRecord(asRecord(plan)?.prediction);
  if (prediction === undefined) {
    notes.push({ file: 'plan.json', problem: 'has no `prediction` object, so no prediction is drawn over the measurement' });
    return undefined;
  }
  const values = new Map<string, number>();
  const admittedSeries: PlanPrediction['admittedSeries'] = [];
  collectNumbers(prediction, '', 0, values, admittedSeries);
  return { values, admittedSeries };
}

function collectNumbers(value: Record<string, unknown>, prefix: string, depth: number, into: Map<string, number>, series: PlanPrediction['admittedSeries']): void {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof child === 'number' && Number.isFinite(child)) {
      into.set(path, child);
    } else if (Array.isArray(child)) {
      collectNamedEntries(child, path, depth, into, series);
      if (series.length === 0) collectAdmittedSeries(child, series);
    } else if (depth < 2 && asRecord(child) !== undefined) {
      collectNumbers(asRecord(child) ?? {}, path, depth + 1, into, series);
    }
  }
}

/** Collects the numbers of `[{ name: 'mobile', … }]` entries under `path.mobile.…`, as the per-platform predictions are listed. */
function collectNamedEntries(entries: unknown[], path: string, depth: number, into: Map<string, number>, series: PlanPrediction['admittedSeries']): void {
  if (depth >= 2) return;
  for (const entry of entries) {
    const record = asRecord(entry);
    if (record === undefined || typeof record.name !== 'string') continue;
    collectNumbers(record, `${path}.${record.name}`, depth + 1, into, series);
  }
}

/** Takes `[{ tSeconds, <a key naming admitted per second> }]` entries, the shape a per-second prediction would have. */
function collectAdmittedSeries(entries: unknown[], series: PlanPrediction['admittedSeries']): void {
  for (const entry of entries) {
    const record = asRecord(entry);
    const tSeconds = record?.tSeconds;
    if (record === undefined || typeof tSeconds !== 'number') continue;
    const key = Object.keys(record).find((name) => /admitted/i.test(name) && typeof record[name] === 'number');
    if (key === undefined) continue;
    series.push({ tSeconds, admittedPerSecond: record[key] as number });
  }
}
