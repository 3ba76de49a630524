// Turns a run folder into ReportData: streams the samples into a time series, then reads the
// plan, summary, run description and target metrics beside it. Writes nothing.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isHerdUserError } from '../user-error.ts';
import { readPlannedArrivals, readPrediction, type PlanPrediction, type PlannedArrivals } from './plan-reading.ts';
import { pairPrediction } from './prediction.ts';
import { asRecord, errorMessage, fileSizeBytes, isNotFound, parseTargetMetrics, readJsonFile, readRunDescription, readSummaryFacts, type SummaryFacts } from './run-folder.ts';
import { endsWithoutNewline, readK6Csv, readK6JsonLines, type ReadCounters } from './sample-sources.ts';
import { LATE_WINDOW_S, METRICS_USED, TimeSeriesBuilder, type BuiltTimeSeries } from './time-series.ts';
import {
  ALL_PLATFORMS, type MetricSample, type PlatformTotals, type PredictionItem, type ReportData, type ReportNote,
  type SampleStats, type TargetMetricsRow, type TimeSeriesRow, type Verdict,
} from './types.ts';

/** A run's sample file and its format: k6 CSV (what herd-test writes) or k6 JSON lines. */
export interface SampleFile {
  path: string;
  format: 'csv' | 'jsonl';
}

/** Progress of reading the sample file, passed to `AnalyzeOptions.onProgress`. */
export interface ReadProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
}

/** Options of `analyzeRunFolder` and `buildReport`. */
export interface AnalyzeOptions {
  /** Called about once a second while the sample file is read; large files take minutes. */
  onProgress?: (progress: ReadProgress) => void;
}

const PROGRESS_INTERVAL_MS = 1000;

/**
 * Adds prediction-check.json's replayed figures (the plan's simulation with the start times the
 * run achieved) as `replayed.…` predictions. herd-test writes that file only for runs against
 * the reference backend, so its absence is not worth a note.
 */
async function addReplayedPrediction(runDir: string, prediction: PlanPrediction | undefined): Promise<void> {
  if (prediction === undefined) return;
  const checkJson = await readJsonFile(join(runDir, 'prediction-check.json'));
  const replayed = checkJson.status === 'ok' ? asRecord(asRecord(checkJson.value)?.replayed) : undefined;
  for (const [key, value] of Object.entries(replayed ?? {})) {
    if (typeof value === 'number' && Number.isFinite(value)) prediction.values.set(`replayed.${key}`, value);
  }
}

/** Reads every file of `runDir` and returns the report data; missing or broken files become notes, not errors. */
export async function analyzeRunFolder(runDir: string, options: AnalyzeOptions = {}): Promise<ReportData> {
  const notes: ReportNote[] = [];

  const runJson = await readJsonFile(join(runDir, 'run.json'));
  noteJsonProblem('run.json', runJson, notes, 'the engine, target and times are not shown');
  const run = readRunDescription(runJson.status === 'ok' ? runJson.value : undefined);

  const summaryJson = await readJsonFile(join(runDir, 'summary.json'));
  noteJsonProblem('summary.json', summaryJson, notes, 'thresholds are unknown');
  const summary = summaryJson.status === 'ok' ? readSummaryFacts(summaryJson.value, notes) : undefined;

  const planJson = await readJsonFile(join(runDir, 'plan.json'));
  noteJsonProblem('plan.json', planJson, notes, 'planned arrivals and the prediction are not shown');
  const planned = planJson.status === 'ok' ? readPlannedArrivals(planJson.value, notes) : undefined;
  const prediction = planJson.status === 'ok' ? readPrediction(planJson.value, notes) : undefined;
  await addReplayedPrediction(runDir, prediction);

  const sampleFile = await findSampleFile(runDir, notes);
  const { series, stats } = await readTimeSeries(sampleFile, planned, notes, options.onProgress);
  const rows = attachPlannedArrivals(series.rows, planned);
  const totals = totalsOf(rows, series);
  const targetMetrics = await readTargetMetrics(runDir, notes);

  const allTotals = totals.find((total) => total.platform === ALL_PLATFORMS);
  const verdict = buildVerdict(rows, allTotals, planned, summary, stats);
  const origin = rows[0]?.timeUnixS;
  return {
    runDir,
    title: run.scenario === undefined ? basename(runDir) : `${run.scenario} (${basename(runDir)})`,
    run,
    verdict,
    platforms: series.platforms,
    rows,
    totals,
    latencyByName: series.latencyByName,
    thresholds: summary?.thresholds ?? [],
    targetMetrics,
    prediction: pairPrediction(prediction, totals, peakStartedByPlatform(rows)),
    predictedAdmittedSeries: origin === undefined ? [] : (prediction?.admittedSeries ?? []).map((point) => ({ timeUnixS: origin + point.tSeconds, admittedPerSecond: point.admittedPerSecond })),
    sampleStats: stats,
    notes,
  };
}

function noteJsonProblem(file: string, result: Awaited<ReturnType<typeof readJsonFile>>, notes: ReportNote[], consequence: string): void {
  if (result.status === 'missing') notes.push({ file, problem: `is missing, so ${consequence}` });
  if (result.status === 'invalid') notes.push({ file, problem: `${result.problem}, so ${consequence}` });
}

async function findSampleFile(runDir: string, notes: ReportNote[]): Promise<SampleFile | undefined> {
  for (const candidate of [{ name: 'samples.csv', format: 'csv' }, { name: 'samples.jsonl', format: 'jsonl' }] as const) {
    const path = join(runDir, candidate.name);
    const size = await fileSizeBytes(path);
    if (size === undefined) continue;
    if (size === 0) {
      notes.push({ file: candidate.name, problem: 'is empty, so there is no time series and the charts are empty' });
      return undefined;
    }
    return { path, format: candidate.format };
  }
  notes.push({ file: 'samples.csv', problem: 'is missing, so there is no time series and the charts are empty' });
  return undefined;
}

/** Streams a sample file into a time series; `planned` sets how far past the last sample the rows reach. */
export async function readTimeSeries(sampleFile: SampleFile | undefined, planned: PlannedArrivals | undefined, notes: ReportNote[], onProgress?: AnalyzeOptions['onProgress']): Promise<{ series: BuiltTimeSeries; stats: SampleStats }> {
  const builder = new TimeSeriesBuilder();
  const counters: ReadCounters = { malformedRows: 0, ignoredRows: 0, bytesRead: 0 };
  let samples = 0;
  if (sampleFile !== undefined) {
    const file = basename(sampleFile.path);
    const onSample = (sample: MetricSample): void => {
      builder.add(sample);
      samples += 1;
    };
    const totalBytes = (await fileSizeBytes(sampleFile.path)) ?? 0;
    const timer = onProgress === undefined ? undefined : setInterval(() => onProgress({ file, bytesRead: counters.bytesRead, totalBytes }), PROGRESS_INTERVAL_MS);
    try {
      if (sampleFile.format === 'csv') await readK6Csv(sampleFile.path, counters, onSample, METRICS_USED);
      else await readK6JsonLines(sampleFile.path, counters, onSample);
    } catch (error) {
      if (!isHerdUserError(error)) throw error;
      notes.push({ file, problem: error.message });
    } finally {
      clearInterval(timer);
    }
    if (counters.malformedRows > 0) notes.push({ file, problem: `${counters.malformedRows} row(s) were malformed or cut short and were skipped` });
    if (await endsWithoutNewline(sampleFile.path)) notes.push({ file, problem: 'ends in the middle of a line: the run may have been cut off while writing it' });
    samples += counters.ignoredRows;
    if (samples === 0 && counters.malformedRows === 0) notes.push({ file, problem: 'holds no samples, so the charts are empty' });
  }

  const firstRow = builder.firstRowUnixS;
  const plannedSeconds = planned === undefined ? 0 : Math.max(0, ...[...planned.perSecond.values()].map((values) => values.length));
  const series = builder.finish(firstRow === null || plannedSeconds === 0 ? undefined : firstRow + plannedSeconds - 1);
  const sampleFileName = sampleFile === undefined ? 'samples.csv' : basename(sampleFile.path);
  if (series.lateSamples > 0) notes.push({ file: sampleFileName, problem: `${series.lateSamples} sample(s) arrived more than ${LATE_WINDOW_S} s out of order; they are counted but left out of that second's percentiles` });
  if (series.mergedNames > 0) notes.push({ file: sampleFileName, problem: `more than 100 request names; ${series.mergedNames} request(s) with later names are shown as "(other names)"` });
  const stats: SampleStats = {
    format: sampleFile?.format ?? 'none',
    samples,
    malformedRows: counters.malformedRows,
    lateSamples: series.lateSamples,
    mergedNames: series.mergedNames,
    firstTimeUnixS: series.firstTimeUnixS,
    lastTimeUnixS: series.lastTimeUnixS,
  };
  return { series, stats };
}

/** Fills `plannedArrivals` in each row: the plan's second `elapsedS`, summed over platforms for the `all` rows. */
export function attachPlannedArrivals(rows: TimeSeriesRow[], planned: PlannedArrivals | undefined): TimeSeriesRow[] {
  if (planned === undefined) return rows;
  return rows.map((row) => {
    if (row.elapsedS < 0) return row;
    let plannedArrivals: number | null = null;
    if (row.platform === ALL_PLATFORMS) {
      plannedArrivals = 0;
      for (const series of planned.perSecond.values()) plannedArrivals += series[row.elapsedS] ?? 0;
    } else {
      const series = planned.perSecond.get(row.platform);
      if (series !== undefined) plannedArrivals = series[row.elapsedS] ?? 0;
    }
    return { ...row, plannedArrivals };
  });
}

const SUMMED_FIELDS = [
  'startedIterations', 'completedIterations', 'droppedIterations', 'admittedUsers', 'notAdmittedUsers', 'requests', 'requests2xx',
  'requests3xx', 'requests4xx', 'requests5xx', 'requestsFailedToConnect', 'requestsOther', 'requests503',
] as const;

function totalsOf(rows: TimeSeriesRow[], series: BuiltTimeSeries): PlatformTotals[] {
  const totals: PlatformTotals[] = [];
  for (const platform of [ALL_PLATFORMS, ...series.platforms]) {
    const platformRows = rows.filter((row) => row.platform === platform);
    const percentiles = series.runPercentiles.get(platform);
    const total: PlatformTotals = {
      platform, plannedArrivals: null, startedIterations: 0, completedIterations: 0, droppedIterations: 0, admittedUsers: 0,
      notAdmittedUsers: 0, requests: 0, requests2xx: 0, requests3xx: 0, requests4xx: 0, requests5xx: 0, requestsFailedToConnect: 0,
      requestsOther: 0, requests503: 0, latencyP95Ms: percentiles?.latencyP95Ms ?? null,
      timeToAdmitP50Ms: percentiles?.timeToAdmitP50Ms ?? null, timeToAdmitP95Ms: percentiles?.timeToAdmitP95Ms ?? null,
      peakAdmittedPerSecond: 0,
    };
    for (const row of platformRows) {
      for (const field of SUMMED_FIELDS) total[field] += row[field];
      if (row.plannedArrivals !== null) total.plannedArrivals = (total.plannedArrivals ?? 0) + row.plannedArrivals;
      total.peakAdmittedPerSecond = Math.max(total.peakAdmittedPerSecond, row.admittedUsers);
    }
    totals.push(total);
  }
  return totals;
}

function buildVerdict(rows: TimeSeriesRow[], all: PlatformTotals | undefined, planned: PlannedArrivals | undefined, summary: SummaryFacts | undefined, stats: SampleStats): Verdict {
  let admittedUsers = all?.admittedUsers ?? 0;
  let attempted = (all?.admittedUsers ?? 0) + (all?.notAdmittedUsers ?? 0);
  let dropped = all?.droppedIterations ?? 0;
  let usersSource: Verdict['usersSource'] = 'samples';
  if (stats.samples === 0 && summary !== undefined) {
    // Without samples, the summary's totals are the best count there is.
    admittedUsers = summary.admittedPasses ?? 0;
    attempted = (summary.admittedPasses ?? 0) + (summary.admittedFails ?? 0);
    dropped = summary.counts.get('dropped_iterations') ?? 0;
    usersSource = 'summary';
  }

  let users: number | null = attempted + dropped;
  if (planned?.totalUsers !== undefined) {
    users = planned.totalUsers;
    usersSource = 'plan';
  } else if (stats.samples === 0 && summary === undefined) {
    users = null;
    usersSource = 'none';
  }

  let peakAdmittedPerSecond = 0;
  let peakAdmittedAtUnixS: number | null = null;
  for (const row of rows) {
    if (row.platform !== ALL_PLATFORMS || row.admittedUsers <= peakAdmittedPerSecond) continue;
    peakAdmittedPerSecond = row.admittedUsers;
    peakAdmittedAtUnixS = row.timeUnixS;
  }

  const thresholds = summary?.thresholds ?? [];
  return {
    admittedUsers, users, usersSource, peakAdmittedPerSecond, peakAdmittedAtUnixS,
    thresholdsTotal: thresholds.length,
    thresholdsCrossed: thresholds.filter((threshold) => !threshold.ok).length,
    thresholdsKnown: summary !== undefined,
  };
}

async function readTargetMetrics(runDir: string, notes: ReportNote[]): Promise<TargetMetricsRow[]> {
  let text: string;
  try {
    text = await readFile(join(runDir, 'target-metrics.csv'), 'utf8');
  } catch (error) {
    if (!isNotFound(error)) {
      notes.push({ file: 'target-metrics.csv', problem: `could not be read (${errorMessage(error)}), so the target's own view is not shown` });
      return [];
    }
    notes.push({ file: 'target-metrics.csv', problem: "is missing (the target is not the reference backend, or it exposed no /metrics), so the target's own view is not shown" });
    return [];
  }
  if (text.trim() === '') {
    notes.push({ file: 'target-metrics.csv', problem: "is empty, so the target's own view is not shown" });
    return [];
  }
  return parseTargetMetrics(text, notes);
}

function peakStartedByPlatform(rows: TimeSeriesRow[]): Map<string, number> {
  const peaks = new Map<string, number>();
  for (const row of rows) peaks.set(row.platform, Math.max(peaks.get(row.platform) ?? 0, row.startedIterations));
  return peaks;
}
