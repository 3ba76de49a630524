// Compares two runs side by side (admitted share, peak admitted users/s, p95 per request name,
// 503 share) and flags the quantities that got worse by more than a tolerance.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeRunFolder } from './analyze.ts';
import { assertDirectory, REPORT_DATA_VERSION } from './build-report.ts';
import { asRecord, readJsonFile } from './run-folder.ts';
import { ALL_PLATFORMS, type ReportData } from './types.ts';

/**
 * Comparison rule of a quantity. `share` values (0–1) compare by difference, so a tolerance of 0.05
 * allows 5 percentage points; `relative` values compare by ratio, so 0.05 allows 5 %.
 */
export type ComparisonKind = 'share' | 'relative';

/** One quantity of both runs. */
export interface ComparedQuantity {
  quantity: string;
  unit: '' | 'users/s' | 'ms';
  kind: ComparisonKind;
  /** Direction of a worsening: `higher` for the 503 share, `lower` for the admitted share. */
  worseWhen: 'higher' | 'lower';
  baseline: number | null;
  candidate: number | null;
  /** candidate − baseline for shares, candidate / baseline − 1 for relative quantities; null when either is missing. */
  change: number | null;
  regression: boolean;
}

/** The side-by-side of two runs. */
export interface RunComparison {
  baselineDir: string;
  candidateDir: string;
  toleranceFraction: number;
  quantities: ComparedQuantity[];
  regressions: number;
  /** Settings in which the two runs differ (scenario, scale, users, engine, backend), each as `name (baseline value, candidate value)`. */
  differences: string[];
}

/** Lists the settings in which two runs differ, since a change there, not in the backend, can explain any gap. */
function describeDifferences(baseline: ReportData, candidate: ReportData): string[] {
  const settings: Array<[string, unknown, unknown]> = [
    ['scenario', baseline.run.scenario, candidate.run.scenario],
    ['scale', baseline.run.scale, candidate.run.scale],
    ['planned users', baseline.verdict.users, candidate.verdict.users],
    ['engine', baseline.run.engine, candidate.run.engine],
    ['backend', baseline.run.targetKind, candidate.run.targetKind],
    ['backend profile', baseline.run.targetProfile, candidate.run.targetProfile],
    ['backend servers', baseline.run.targetServers, candidate.run.targetServers],
    ['workers per server', baseline.run.targetWorkersPerServer, candidate.run.targetWorkersPerServer],
    ['queue timeout (ms)', baseline.run.targetQueueTimeoutMs, candidate.run.targetQueueTimeoutMs],
  ];
  return settings
    .filter(([, before, after]) => before !== undefined && after !== undefined && before !== after)
    .map(([name, before, after]) => `${name} (${String(before)} in the baseline, ${String(after)} in the candidate)`);
}

function share(part: number, whole: number | null): number | null {
  return whole === null || whole === 0 ? null : part / whole;
}

function compareQuantity(quantity: string, unit: ComparedQuantity['unit'], kind: ComparisonKind, worseWhen: ComparedQuantity['worseWhen'], baseline: number | null, candidate: number | null, toleranceFraction: number): ComparedQuantity {
  let change: number | null = null;
  if (baseline !== null && candidate !== null) {
    if (kind === 'share') change = candidate - baseline;
    else if (baseline !== 0) change = candidate / baseline - 1;
  }
  // A tiny epsilon keeps a change of exactly the tolerance (after float rounding) from counting as a regression.
  let worsening = 0;
  if (change !== null) worsening = worseWhen === 'higher' ? change : -change;
  return { quantity, unit, kind, worseWhen, baseline, candidate, change, regression: worsening > toleranceFraction + 1e-9 };
}

/** Compares run `candidate` against run `baseline`; `toleranceFraction` is the worsening allowed before a quantity counts as a regression. */
export function compareRuns(baseline: ReportData, candidate: ReportData, toleranceFraction: number): RunComparison {
  const quantities: ComparedQuantity[] = [];
  const allOf = (report: ReportData) => report.totals.find((total) => total.platform === ALL_PLATFORMS);
  const baseAll = allOf(baseline);
  const candidateAll = allOf(candidate);

  quantities.push(compareQuantity('admitted share of users', '', 'share', 'lower', share(baseline.verdict.admittedUsers, baseline.verdict.users), share(candidate.verdict.admittedUsers, candidate.verdict.users), toleranceFraction));
  quantities.push(compareQuantity('peak admitted users/s', 'users/s', 'relative', 'lower', baseline.verdict.peakAdmittedPerSecond, candidate.verdict.peakAdmittedPerSecond, toleranceFraction));
  quantities.push(compareQuantity('503 share of requests', '', 'share', 'higher', share(baseAll?.requests503 ?? 0, baseAll?.requests ?? null), share(candidateAll?.requests503 ?? 0, candidateAll?.requests ?? null), toleranceFraction));
  quantities.push(compareQuantity('p95 time to admit', 'ms', 'relative', 'higher', baseAll?.timeToAdmitP95Ms ?? null, candidateAll?.timeToAdmitP95Ms ?? null, toleranceFraction));
  quantities.push(compareQuantity('p95 latency, all requests', 'ms', 'relative', 'higher', baseAll?.latencyP95Ms ?? null, candidateAll?.latencyP95Ms ?? null, toleranceFraction));

  const names = [...new Set([...baseline.latencyByName, ...candidate.latencyByName].map((named) => named.name))].sort();
  for (const name of names) {
    const before = baseline.latencyByName.find((named) => named.name === name)?.p95Ms ?? null;
    const after = candidate.latencyByName.find((named) => named.name === name)?.p95Ms ?? null;
    quantities.push(compareQuantity(`p95 latency of ${name}`, 'ms', 'relative', 'higher', before, after, toleranceFraction));
  }

  return {
    baselineDir: baseline.runDir,
    candidateDir: candidate.runDir,
    toleranceFraction,
    quantities,
    regressions: quantities.filter((item) => item.regression).length,
    differences: describeDifferences(baseline, candidate),
  };
}

async function modifiedMs(path: string): Promise<number | undefined> {
  return stat(path).then((info) => info.mtimeMs, () => undefined);
}

/**
 * Returns a run's report data: report.json when `herd report` wrote it after every input file
 * changed, else a fresh analysis of the folder (which streams samples.csv again).
 */
export async function loadReportData(runDir: string): Promise<ReportData> {
  await assertDirectory(runDir);
  const dataPath = join(runDir, 'report.json');
  const dataTime = await modifiedMs(dataPath);
  if (dataTime !== undefined) {
    const inputTimes = await Promise.all(['samples.csv', 'samples.jsonl', 'summary.json', 'plan.json', 'prediction-check.json', 'run.json', 'target-metrics.csv'].map((name) => modifiedMs(join(runDir, name))));
    const isFresh = inputTimes.every((time) => time === undefined || time <= dataTime);
    const cached = isFresh ? await readJsonFile(dataPath) : undefined;
    // An unreadable or older report.json is not an error: the folder is analysed again below.
    const parsed = cached?.status === 'ok' ? asRecord(cached.value) : undefined;
    if (parsed?.reportDataVersion === REPORT_DATA_VERSION) return { ...(parsed as unknown as ReportData), runDir };
  }
  return analyzeRunFolder(runDir);
}

function formatValue(value: number | null, item: ComparedQuantity): string {
  if (value === null) return 'n/a';
  if (item.kind === 'share') return `${(value * 100).toFixed(1)} %`;
  return `${Number.isInteger(value) ? value : value.toFixed(1)}${item.unit === '' ? '' : ` ${item.unit}`}`;
}

function formatChange(item: ComparedQuantity): string {
  if (item.change === null) return 'n/a';
  const sign = item.change > 0 ? '+' : '';
  return item.kind === 'share' ? `${sign}${(item.change * 100).toFixed(1)} pt` : `${sign}${(item.change * 100).toFixed(1)} %`;
}

/** Prints the comparison as an aligned text table, regressions marked, for the terminal. */
export function formatComparisonText(comparison: RunComparison): string {
  const header = ['quantity', 'baseline', 'candidate', 'change', ''];
  const rows = comparison.quantities.map((item) => [item.quantity, formatValue(item.baseline, item), formatValue(item.candidate, item), formatChange(item), item.regression ? 'REGRESSION' : '']);
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const formatRow = (row: string[]): string => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  const tolerance = (comparison.toleranceFraction * 100).toFixed(1);
  return [
    `baseline:  ${comparison.baselineDir}`,
    `candidate: ${comparison.candidateDir}`,
    ...comparison.differences.map((difference) => `warning: the runs differ in ${difference}, so their figures may not be comparable`),
    formatRow(header),
    ...rows.map(formatRow),
    comparison.regressions === 0
      ? `No regression beyond the tolerance (${tolerance} % relative, ${tolerance} points for shares).`
      : `${comparison.regressions} regression(s) beyond the tolerance (${tolerance} % relative, ${tolerance} points for shares).`,
  ].join('\n');
}
