// Renders k6's handleSummary data as k6's end-of-test text summary (k6 v0.49 layout).
// Runs inside k6 as well as on Node, so it uses no Node or DOM APIs; the build lowers its syntax for k6.

/** One threshold expression's verdict, as k6 puts it in the handleSummary data. */
export interface SummaryThresholdResult {
  ok: boolean;
}

/** One metric of the handleSummary data: its type, what it contains and its aggregated values. */
export interface SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains: 'default' | 'time' | 'data';
  values: Record<string, number>;
  thresholds?: Record<string, SummaryThresholdResult>;
}

/** A check's pass and fail counts inside a group. */
export interface SummaryCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

/** A group of the handleSummary data; the root group has an empty name. */
export interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

/** The object k6 passes to `handleSummary(data)`. */
export interface SummaryData {
  state?: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
  root_group: SummaryGroup;
  options?: { summaryTrendStats?: string[]; summaryTimeUnit?: string; noColor?: boolean };
  setup_data?: unknown;
}

/** Options of `textSummary`; `indent` defaults to one space and `enableColors` to true, as in k6's summary library. */
export interface TextSummaryOptions {
  indent?: string;
  enableColors?: boolean;
  summaryTrendStats?: string[];
  summaryTimeUnit?: string;
}

const PASS_MARK = '✓';
const FAIL_MARK = '✗';
const GROUP_MARK = '█';
const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

// ANSI SGR codes used by k6's summary.
const RED = 31;
const GREEN = 32;
const CYAN = 36;
const FAINT = 2;

type Decorate = (text: string, ...codes: number[]) => string;

function plain(text: string): string {
  return text;
}

function colorize(text: string, ...codes: number[]): string {
  return '\x1b[' + codes.join(';') + 'm' + text + '\x1b[0m';
}

/** Counts the terminal columns of a string: code points, with ANSI colour sequences left out. */
function displayWidth(text: string): number {
  const withoutEscapes = text.replace(/\x1b\[[0-9;]*m/g, '');
  let width = 0;
  for (let i = 0; i < withoutEscapes.length; i++) {
    const code = withoutEscapes.charCodeAt(i);
    // A high surrogate starts a two-unit code point that takes one column.
    if (code >= 0xd800 && code <= 0xdbff) i++;
    width++;
  }
  return width;
}

function padRight(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? text + ' '.repeat(missing) : text;
}

/** Formats with at most `digits` decimals and no trailing zeros. */
function toFixedTrimmed(value: number, digits: number): string {
  return String(parseFloat(value.toFixed(digits)));
}

/** Like toFixedTrimmed, but truncates toward zero instead of rounding, as k6 does for durations. */
function toFixedTruncated(value: number, digits: number): string {
  const scale = Math.pow(10, digits);
  return toFixedTrimmed(Math.trunc(value * scale) / scale, digits);
}

/** Formats a byte count with decimal (1000-based) units: `59 kB`, `4.9 kB`, `7 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes < 10) return bytes + ' B';

  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), units.length - 1);
  const scaled = Math.floor((bytes / Math.pow(1000, exponent)) * 10 + 0.5) / 10;
  return scaled.toFixed(scaled < 10 ? 1 : 0) + ' ' + units[exponent];
}

/** Formats a duration given in milliseconds the way k6's summary does: `0s`, `711ns`, `3.41µs`, `11.43ms`, `1.5s`, `2m3s`. */
export function formatDurationMs(durationMs: number, timeUnit = ''): string {
  const fixedUnits: Record<string, { suffix: string; perMs: number }> = {
    s: { suffix: 's', perMs: 0.001 },
    ms: { suffix: 'ms', perMs: 1 },
    us: { suffix: 'µs', perMs: 1000 },
  };
  const fixed = fixedUnits[timeUnit];
  if (fixed !== undefined) return (durationMs * fixed.perMs).toFixed(2) + fixed.suffix;

  if (durationMs === 0) return '0s';
  if (durationMs < 0.001) return Math.trunc(durationMs * 1e6) + 'ns';
  if (durationMs < 1) return toFixedTruncated(durationMs * 1000, 2) + 'µs';
  if (durationMs < 1000) return toFixedTruncated(durationMs, 2) + 'ms';

  const secondsPart = toFixedTruncated((durationMs % 60000) / 1000, durationMs > 60000 ? 0 : 2) + 's';
  const minutes = Math.trunc(durationMs / 60000);
  if (minutes < 1) return secondsPart;
  const hours = Math.trunc(minutes / 60);
  const minutesPart = (minutes % 60) + 'm' + secondsPart;
  return hours < 1 ? minutesPart : hours + 'h' + minutesPart;
}

function formatValue(value: number, metric: SummaryMetric, timeUnit: string): string {
  // Rates are truncated, not rounded, to two decimals of a percent.
  if (metric.type === 'rate') return (Math.trunc(value * 100 * 100) / 100).toFixed(2) + '%';
  if (metric.contains === 'data') return formatBytes(value);
  if (metric.contains === 'time') return formatDurationMs(value, timeUnit);
  return toFixedTrimmed(value, 6);
}

/** Returns the main column and the extra columns of a counter, gauge or rate row. */
function formatScalarColumns(metric: SummaryMetric, timeUnit: string): string[] {
  const values = metric.values;
  switch (metric.type) {
    case 'counter':
      return [formatValue(values.count ?? 0, metric, timeUnit), formatValue(values.rate ?? 0, metric, timeUnit) + '/s'];
    case 'gauge':
      return [
        formatValue(values.value ?? 0, metric, timeUnit),
        'min=' + formatValue(values.min ?? 0, metric, timeUnit),
        'max=' + formatValue(values.max ?? 0, metric, timeUnit),
      ];
    case 'rate':
      return [formatValue(values.rate ?? 0, metric, timeUnit), PASS_MARK + ' ' + (values.passes ?? 0), FAIL_MARK + ' ' + (values.fails ?? 0)];
    default:
      return ['[no data]'];
  }
}

function formatTrendColumn(metric: SummaryMetric, stat: string, timeUnit: string): string {
  const value = metric.values[stat];
  if (value === undefined) return 'N/A';
  if (stat === 'count') return String(value);
  return formatValue(value, metric, timeUnit);
}

function isSubmetric(name: string): boolean {
  return name.indexOf('{') >= 0;
}

/** `http_req_duration{platform:web}` shows as `{ platform:web }` under its parent. */
function displayName(name: string): string {
  const brace = name.indexOf('{');
  if (brace < 0) return name;
  return '{ ' + name.substring(brace + 1, name.length - 1) + ' }';
}

/** Sorts by parent metric name, then by sub-metric suffix, so sub-metrics follow their parent. */
function compareMetricNames(left: string, right: string): number {
  const leftParent = left.split('{', 1)[0] ?? left;
  const rightParent = right.split('{', 1)[0] ?? right;
  if (leftParent !== rightParent) return leftParent < rightParent ? -1 : 1;
  const leftSuffix = left.substring(leftParent.length);
  const rightSuffix = right.substring(rightParent.length);
  if (leftSuffix === rightSuffix) return 0;
  return leftSuffix < rightSuffix ? -1 : 1;
}

function renderCheck(indent: string, check: SummaryCheck, decorate: Decorate): string {
  if (check.fails === 0) return decorate(indent + PASS_MARK + ' ' + check.name, GREEN);

  const passPercent = Math.floor((100 * check.passes) / (check.passes + check.fails));
  const detail = indent + ' ' + GROUP_MARK + '  ' + passPercent + '% — ' + PASS_MARK + ' ' + check.passes + ' / ' + FAIL_MARK + ' ' + check.fails;
  return decorate(indent + FAIL_MARK + ' ' + check.name + '\n' + detail, RED);
}

function renderGroup(indent: string, group: SummaryGroup, decorate: Decorate): string[] {
  const lines: string[] = [];
  let innerIndent = indent;
  if (group.name !== '') {
    lines.push(indent + GROUP_MARK + ' ' + group.name, '');
    innerIndent = indent + '  ';
  }

  for (const check of group.checks) lines.push(renderCheck(innerIndent, check, decorate));
  if (group.checks.length > 0) lines.push('');
  for (const child of group.groups) lines.push(...renderGroup(innerIndent, child, decorate));
  return lines;
}

interface MetricRow {
  name: string;
  trendColumns?: string[];
  scalarColumns?: string[];
}

function thresholdMark(metric: SummaryMetric, decorate: Decorate): string {
  if (metric.thresholds === undefined) return ' ';
  const crossed = Object.keys(metric.thresholds).some((expression) => metric.thresholds?.[expression]?.ok === false);
  return crossed ? decorate(FAIL_MARK, RED) : decorate(PASS_MARK, GREEN);
}

function renderMetrics(indent: string, data: SummaryData, trendStats: string[], timeUnit: string, decorate: Decorate): string[] {
  const rows: MetricRow[] = [];
  let nameWidth = 0;
  const trendWidths = trendStats.map(() => 0);
  const scalarWidths = [0, 0, 0];

  // First pass: format every value and measure each column's width.
  for (const name of Object.keys(data.metrics)) {
    const metric = data.metrics[name] as SummaryMetric;
    const shownName = (isSubmetric(name) ? '  ' : '') + displayName(name);
    nameWidth = Math.max(nameWidth, displayWidth(shownName));

    if (metric.type === 'trend') {
      const columns = trendStats.map((stat) => formatTrendColumn(metric, stat, timeUnit));
      columns.forEach((column, i) => (trendWidths[i] = Math.max(trendWidths[i] ?? 0, displayWidth(column))));
      rows.push({ name, trendColumns: columns });
      continue;
    }
    const columns = formatScalarColumns(metric, timeUnit);
    columns.forEach((column, i) => (scalarWidths[i] = Math.max(scalarWidths[i] ?? 0, displayWidth(column))));
    rows.push({ name, scalarColumns: columns });
  }
  rows.sort((left, right) => compareMetricNames(left.name, right.name));

  // Second pass: pad names with dots and values to their column widths.
  return rows.map((row) => {
    const metric = data.metrics[row.name] as SummaryMetric;
    const nameIndent = isSubmetric(row.name) ? '  ' : '';
    const name = displayName(row.name);
    const dots = '.'.repeat(nameWidth - displayWidth(name) - nameIndent.length + 3);
    const label = name + decorate(dots + ':', FAINT);
    return indent + nameIndent + thresholdMark(metric, decorate) + ' ' + label + ' ' + renderRowValues(row, trendStats, trendWidths, scalarWidths, decorate);
  });
}

function renderRowValues(row: MetricRow, trendStats: string[], trendWidths: number[], scalarWidths: number[], decorate: Decorate): string {
  if (row.trendColumns !== undefined) {
    return row.trendColumns
      .map((column, i) => trendStats[i] + '=' + decorate(column, CYAN) + ' '.repeat(Math.max(0, (trendWidths[i] ?? 0) - displayWidth(column))))
      .join(' ');
  }

  const columns = row.scalarColumns ?? [];
  const main = columns[0] ?? '';
  let text = decorate(main, CYAN) + ' '.repeat(Math.max(0, (scalarWidths[0] ?? 0) - displayWidth(main)));
  const extras = columns.slice(1);
  // A single extra column (a counter's rate) is not padded; two or more are aligned.
  if (extras.length === 1) text += ' ' + decorate(extras[0] ?? '', CYAN, FAINT);
  if (extras.length > 1) text += ' ' + extras.map((extra, i) => padRight(decorate(extra, CYAN, FAINT), scalarWidths[i + 1] ?? 0)).join(' ');
  return text;
}

/**
 * Renders handleSummary data as k6's end-of-test summary text: checks by group, then one row per
 * metric with threshold marks, dotted padding, sub-metric rows and k6's units.
 * Call it from a script's `handleSummary` as `{ stdout: textSummary(data, { indent: ' ', enableColors: false }) }`.
 */
export function textSummary(data: SummaryData, options: TextSummaryOptions = {}): string {
  const indent = options.indent ?? ' ';
  const decorate: Decorate = options.enableColors === false ? plain : colorize;
  const trendStats = options.summaryTrendStats ?? data.options?.summaryTrendStats ?? DEFAULT_TREND_STATS;
  const timeUnit = options.summaryTimeUnit ?? data.options?.summaryTimeUnit ?? '';

  const lines = renderGroup(indent + '    ', data.root_group, decorate);
  lines.push(...renderMetrics(indent + '  ', data, trendStats, timeUnit, decorate));
  return lines.join('\n');
}
