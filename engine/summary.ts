// Builds k6's handleSummary data object and the older --summary-export shape from a finished run.
import type { SummaryData, SummaryGroup, SummaryMetric } from '../lib/report/text-summary.ts';
import type { GroupNode } from './context.ts';
import type { Metric, Sink } from './metrics.ts';
import type { TestRun } from './test-run.ts';
import type { Threshold } from './thresholds.ts';

function toSummaryGroup(node: GroupNode): SummaryGroup {
  return {
    name: node.name,
    path: node.path,
    id: node.id,
    groups: [...node.groups.values()].map(toSummaryGroup),
    checks: [...node.checks.values()].map((check) => ({ ...check })),
  };
}

function summaryMetric(metric: Metric, sink: Sink, testRunDurationMs: number, trendStats: readonly string[], thresholds: Threshold[]): SummaryMetric {
  const entry: SummaryMetric = { type: metric.type, contains: metric.contains, values: sink.values(testRunDurationMs, trendStats) };
  if (thresholds.length > 0) {
    entry.thresholds = {};
    for (const threshold of thresholds) entry.thresholds[threshold.source] = { ok: threshold.ok };
  }
  return entry;
}

/** Inputs of the summary besides the run itself. */
export interface SummaryInputs {
  testRunDurationMs: number;
  thresholds: Threshold[];
  setupData: unknown;
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
}

/**
 * Builds the object passed to `handleSummary(data)`: metrics that received samples or carry
 * thresholds (sub-metrics under their `name{tags}` key), the group tree with checks, and options.
 */
export function buildSummaryData(run: TestRun, inputs: SummaryInputs): SummaryData {
  const trendStats = run.options?.summaryTrendStats ?? ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const metrics: Record<string, SummaryMetric> = {};

  for (const metric of run.registry.metrics.values()) {
    const own = inputs.thresholds.filter((threshold) => threshold.target === metric);
    if (metric.observed || own.length > 0) metrics[metric.name] = summaryMetric(metric, metric.sink, inputs.testRunDurationMs, trendStats, own);
    for (const submetric of metric.submetrics) {
      const subThresholds = inputs.thresholds.filter((threshold) => threshold.target === submetric);
      if (!metric.observed && subThresholds.length === 0) continue;
      metrics[submetric.name] = summaryMetric(metric, submetric.sink, inputs.testRunDurationMs, trendStats, subThresholds);
    }
  }

  const data: SummaryData = {
    state: { isStdOutTTY: inputs.isStdOutTTY, isStdErrTTY: inputs.isStdErrTTY, testRunDurationMs: inputs.testRunDurationMs },
    metrics,
    root_group: toSummaryGroup(run.groups.root),
    options: { summaryTrendStats: [...trendStats], summaryTimeUnit: run.options?.summaryTimeUnit ?? '', noColor: false },
  };
  if (inputs.setupData !== undefined) data.setup_data = inputs.setupData;
  return data;
}

interface ExportGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, ExportGroup>;
  checks: Record<string, { name: string; path: string; id: string; passes: number; fails: number }>;
}

function toExportGroup(group: SummaryGroup): ExportGroup {
  return {
    name: group.name,
    path: group.path,
    id: group.id,
    groups: Object.fromEntries(group.groups.map((child) => [child.name, toExportGroup(child)])),
    checks: Object.fromEntries(group.checks.map((check) => [check.name, { ...check }])),
  };
}

/**
 * Converts handleSummary data into the `--summary-export` shape: values flattened into each metric,
 * a rate's `rate` named `value`, thresholds mapped to `true` when crossed, groups and checks keyed by name.
 */
export function toSummaryExport(data: SummaryData): Record<string, unknown> {
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const [name, metric] of Object.entries(data.metrics)) {
    const flat: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(metric.values)) flat[metric.type === 'rate' && key === 'rate' ? 'value' : key] = value;
    if (metric.thresholds !== undefined) {
      flat.thresholds = Object.fromEntries(Object.entries(metric.thresholds).map(([source, result]) => [source, !result.ok]));
    }
    metrics[name] = flat;
  }
  const exported: Record<string, unknown> = { metrics, root_group: toExportGroup(data.root_group) };
  if (data.setup_data !== undefined) exported.setup_data = data.setup_data;
  return exported;
}
