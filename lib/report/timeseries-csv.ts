import Papa from 'papaparse';
import type { TimeSeriesRow } from './types.ts';

/** The columns of timeseries.csv in order, each with the row field it prints; names carry their unit. */
export const TIME_SERIES_COLUMNS: ReadonlyArray<[column: string, field: keyof TimeSeriesRow]> = [
  ['time_unix_s', 'timeUnixS'],
  ['elapsed_s', 'elapsedS'],
  ['platform', 'platform'],
  ['planned_arrivals', 'plannedArrivals'],
  ['started_iterations', 'startedIterations'],
  ['completed_iterations', 'completedIterations'],
  ['dropped_iterations', 'droppedIterations'],
  ['admitted_users', 'admittedUsers'],
  ['not_admitted_users', 'notAdmittedUsers'],
  ['requests', 'requests'],
  ['requests_2xx', 'requests2xx'],
  ['requests_3xx', 'requests3xx'],
  ['requests_4xx', 'requests4xx'],
  ['requests_5xx', 'requests5xx'],
  ['requests_failed_to_connect', 'requestsFailedToConnect'],
  ['requests_other', 'requestsOther'],
  ['requests_503', 'requests503'],
  ['latency_p50_ms', 'latencyP50Ms'],
  ['latency_p95_ms', 'latencyP95Ms'],
  ['latency_p99_ms', 'latencyP99Ms'],
  ['time_to_admit_p50_ms', 'timeToAdmitP50Ms'],
  ['time_to_admit_p95_ms', 'timeToAdmitP95Ms'],
  ['vus', 'vus'],
  ['schedule_lag_p99_ms', 'scheduleLagP99Ms'],
];

/** Prints the rows as timeseries.csv: one row per second and platform, empty cells where a value is unknown. */
export function formatTimeSeriesCsv(rows: TimeSeriesRow[]): string {
  const data = rows.map((row) => TIME_SERIES_COLUMNS.map(([, field]) => formatCell(row[field])));
  return `${Papa.unparse({ fields: TIME_SERIES_COLUMNS.map(([column]) => column), data }, { newline: '\n' })}\n`;
}

function formatCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  // Planned arrivals and percentiles are fractional; three decimals keep microseconds and stay readable.
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
