// The Node-side entry of lib/report: building, printing and comparing run folders.
// It is separate from index.ts because index.ts is bundled into k6 scripts, and these modules
// use node:fs, papaparse and hdr-histogram-js, which a k6 script cannot load.
export { buildReport, REPORT_DATA_VERSION } from './build-report.ts';
export type { ReportFiles, ReportResult } from './build-report.ts';
export { analyzeRunFolder } from './analyze.ts';
export type { AnalyzeOptions, ReadProgress } from './analyze.ts';
export { buildRunFolderFromK6 } from './from-k6.ts';
export type { FromK6Options } from './from-k6.ts';
export { compareRuns, formatComparisonText, loadReportData } from './compare.ts';
export type { ComparedQuantity, ComparisonKind, RunComparison } from './compare.ts';
export { readK6Csv, readK6JsonLines, K6_CSV_COLUMNS } from './sample-sources.ts';
export { TimeSeriesBuilder } from './time-series.ts';
export { formatTimeSeriesCsv, TIME_SERIES_COLUMNS } from './timeseries-csv.ts';
export { formatHtmlReport, loadChartAssets } from './html-report.ts';
export { buildCharts } from './html-charts.ts';
export type { ChartSeries, ChartSpec } from './html-charts.ts';
export { formatJunitXml } from './junit-xml.ts';
export { formatMarkdownSummary } from './markdown-summary.ts';
export { formatTerminalSummary } from './terminal-summary.ts';
export { formatVerdictLine } from './format.ts';
export type * from './types.ts';
export { ALL_PLATFORMS } from './types.ts';
