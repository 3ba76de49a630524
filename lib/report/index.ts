// The public entry of lib/report: printers of run results.
export { textSummary, formatBytes, formatDurationMs } from './text-summary.ts';
export type { SummaryData, SummaryMetric, SummaryGroup, SummaryCheck, SummaryThresholdResult, TextSummaryOptions } from './text-summary.ts';
