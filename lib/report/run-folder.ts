// Reads the small files of a run folder (summary.json, plan.json, run.json, target-metrics.csv)
// defensively: each reader returns what it could use and notes on what it could not.
import { readFile, stat } from 'node:fs/promises';
import Papa from 'papaparse';
import type { ReportNote, RunDescription, TargetMetricsRow, ThresholdResult } from './types.ts';

/** A JSON file's content, or why there is none. */
export type JsonFileResult = { status: 'ok'; value: unknown } | { status: 'missing' } | { status: 'invalid'; problem: string };

/** Reads and parses a JSON file; a missing, empty or unparsable file is reported, not thrown. */
export async function readJsonFile(path: string): Promise<JsonFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return { status: 'missing' };
    return { status: 'invalid', problem: `could not be read: ${errorMessage(error)}` };
  }
  if (text.trim() === '') return { status: 'invalid', problem: 'is empty' };
  try {
    return { status: 'ok', value: JSON.parse(text) as unknown };
  } catch (error) {
    return { status: 'invalid', problem: `is not valid JSON (${errorMessage(error)}); it may have been cut off while being written` };
  }
}

/** Returns a file's size in bytes, or undefined when it does not exist. */
export async function fileSizeBytes(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Tells whether an error is a file-not-found error from node:fs. */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Returns an error's message, or its string form for a thrown non-Error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Returns `value` as a plain object, or undefined when it is not one. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The parts of summary.json (k6's handleSummary data) the report uses. */
export interface SummaryFacts {
  thresholds: ThresholdResult[];
  /** Counter totals and rate pass/fail counts by metric name, for runs without samples. */
  counts: Map<string, number>;
  admittedPasses: number | undefined;
  admittedFails: number | undefined;
}

/** Extracts thresholds and counters from k6's handleSummary data; fields of the wrong type are skipped. */
export function readSummaryFacts(summary: unknown, notes: ReportNote[]): SummaryFacts {
  const facts: SummaryFacts = { thresholds: [], counts: new Map(), admittedPasses: undefined, admittedFails: undefined };
  const metrics = asRecord(asRecord(summary)?.metrics);
  if (metrics === undefined) {
    notes.push({ file: 'summary.json', problem: 'has no `metrics` object, so thresholds and totals are unknown' });
    return facts;
  }

  for (const [metricName, metricValue] of Object.entries(metrics)) {
    const metric = asRecord(metricValue);
    const values = asRecord(metric?.values);
    const count = asNumber(values?.count);
    if (count !== undefined) facts.counts.set(metricName, count);
    if (metricName === 'herd_admitted') {
      facts.admittedPasses = asNumber(values?.passes);
      facts.admittedFails = asNumber(values?.fails);
    }
    const thresholds = asRecord(metric?.thresholds);
    for (const [expression, result] of Object.entries(thresholds ?? {})) {
      const ok = asRecord(result)?.ok;
      if (typeof ok !== 'boolean') continue;
      facts.thresholds.push({ metric: metricName, expression, ok, observed: observedValue(expression, values) });
    }
  }
  facts.thresholds.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
  return facts;
}

/** Returns the value a threshold expression such as `p(95)<500` tests, taken from the metric's summary values. */
function observedValue(expression: string, values: Record<string, unknown> | undefined): number | null {
  const match = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(?:<|>|=|!)/.exec(expression);
  const aggregation = match?.[1];
  if (aggregation === undefined) return null;
  return asNumber(values?.[aggregation]) ?? null;
}

/** Extracts the run description from run.json, taking only fields of the expected type. */
export function readRunDescription(runJson: unknown): RunDescription {
  const run = asRecord(runJson) ?? {};
  const engine = asRecord(run.engine);
  const target = asRecord(run.target);
  const description: RunDescription = {
    scenario: asString(run.scenario),
    engine: asString(engine?.kind) ?? asString(run.engine),
    engineVersion: asString(engine?.version),
    targetUrl: asString(target?.url) ?? asString(run.target),
    targetKind: asString(target?.kind),
    targetProfile: asString(target?.profile),
    targetServers: asNumber(target?.servers),
    targetWorkersPerServer: asNumber(target?.workersPerServer),
    targetQueueTimeoutMs: asNumber(target?.queueTimeoutMs),
    scale: asNumber(run.scale),
    gitRevision: asString(run.gitRevision),
    host: asString(run.host),
    startedAtUtc: asString(run.startedAtUtc),
    endedAtUtc: asString(run.endedAtUtc),
    exitCode: asNumber(run.exitCode),
    interruption: asString(run.interruption),
    gateBaseline: run.gateBaseline,
  };
  // Drop absent fields so printers and JSON output show only what the file held.
  for (const key of Object.keys(description) as Array<keyof RunDescription>) {
    if (description[key] === undefined) delete description[key];
  }
  return description;
}

const TARGET_COLUMNS = ['time_unix_s', 'queue_depth', 'workers_busy', 'workers_total', 'queue_timeouts_total', 'requests_total'];

/**
 * Returns how much a counter grew since the previous reading: 0 for the first reading, and the
 * whole value when the counter went down, because that means the target restarted from zero.
 */
function counterIncrease(previous: number | undefined, current: number): number {
  if (previous === undefined) return 0;
  if (current < previous) return current;
  return current - previous;
}

/**
 * Parses target-metrics.csv (the target's /metrics read once a second) into rows whose
 * `queueTimeouts` and `requests` are per-second differences of the target's counters.
 * Rows with non-numeric cells are skipped and noted.
 */
export function parseTargetMetrics(text: string, notes: ReportNote[]): TargetMetricsRow[] {
  const parsed = Papa.parse<Record<string, string>>(text.trim(), { header: true, skipEmptyLines: true });
  const header = parsed.meta.fields ?? [];
  const missing = TARGET_COLUMNS.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    notes.push({ file: 'target-metrics.csv', problem: `lacks the columns ${missing.join(', ')}, so the target's own view is not shown` });
    return [];
  }

  const rows: TargetMetricsRow[] = [];
  let skipped = 0;
  let previous: { timeouts: number; requests: number } | undefined;
  for (const record of parsed.data) {
    const cells = TARGET_COLUMNS.map((column) => record[column] ?? '');
    const numbers = cells.map(Number);
    if (cells.some((cell) => cell.trim() === '') || numbers.some((value) => !Number.isFinite(value))) {
      skipped += 1;
      continue;
    }
    const [timeUnixS = 0, queueDepth = 0, workersBusy = 0, workersTotal = 0, timeoutsTotal = 0, requestsTotal = 0] = numbers;
    const queueTimeouts = counterIncrease(previous?.timeouts, timeoutsTotal);
    const requests = counterIncrease(previous?.requests, requestsTotal);
    previous = { timeouts: timeoutsTotal, requests: requestsTotal };
    rows.push({ timeUnixS: Math.floor(timeUnixS), queueDepth, workersBusy, workersTotal, queueTimeouts, requests });
  }
  if (skipped > 0) notes.push({ file: 'target-metrics.csv', problem: `${skipped} row(s) had empty or non-numeric cells and were skipped` });
  return rows;
}
