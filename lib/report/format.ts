// Number and text formatting shared by the Markdown, terminal, JUnit and HTML printers.
import type { ReportData, Verdict } from './types.ts';

/** Formats a count with thousands separators: 12345 → "12,345". */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Formats a share (0–1) as a percentage with one decimal: 0.1234 → "12.3 %". */
export function formatShare(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)} %`;
}

/** Formats milliseconds for people: below 1 s in ms, else in seconds. */
export function formatMs(value: number | null): string {
  if (value === null) return 'n/a';
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 1000) return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

/** Formats a rate per second with at most one decimal. */
export function formatPerSecond(value: number): string {
  return `${Number.isInteger(value) ? formatCount(value) : value.toFixed(1)}/s`;
}

/** Formats a Unix second as an ISO 8601 UTC time without milliseconds. */
export function formatUnixS(timeUnixS: number | null): string {
  return timeUnixS === null ? 'n/a' : new Date(timeUnixS * 1000).toISOString().replace('.000Z', 'Z');
}

/** Describes the threshold outcome: "all 3 thresholds passed", "1 of 3 thresholds crossed", or why it is unknown. */
export function describeThresholds(verdict: Verdict): string {
  if (!verdict.thresholdsKnown) return 'thresholds unknown (no summary.json)';
  if (verdict.thresholdsTotal === 0) return 'no thresholds set';
  if (verdict.thresholdsCrossed === 0) return `all ${verdict.thresholdsTotal} thresholds passed`;
  return `${verdict.thresholdsCrossed} of ${verdict.thresholdsTotal} thresholds crossed`;
}

/** Prints the one-line verdict that every printer puts first. */
export function formatVerdictLine(report: ReportData): string {
  const { verdict } = report;
  const users = verdict.users === null ? 'an unknown number of' : formatCount(verdict.users);
  const source = verdict.usersSource === 'plan' ? ' planned' : '';
  const peakAt = verdict.peakAdmittedAtUnixS === null ? '' : ` at ${formatUnixS(verdict.peakAdmittedAtUnixS)}`;
  const stoppedEarly = report.run.interruption === undefined ? '' : ` The run ended early (${report.run.interruption}), so these figures cover only part of it.`;
  return `Admitted ${formatCount(verdict.admittedUsers)} of ${users}${source} users; peak ${formatPerSecond(verdict.peakAdmittedPerSecond)} admitted${peakAt}; ${describeThresholds(verdict)}.${stoppedEarly}`;
}
