// Threshold expressions (`p(95)<500`, `rate>0.9`, `count==0`) parsed, bound to metrics and evaluated.
import { invalidConfig } from './errors.ts';
import { parseDurationMs } from './duration.ts';
import type { Metric, MetricRegistry, MetricType, Sink, Submetric, Tags } from './metrics.ts';
import { TrendSink } from './metrics.ts';

type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

/** One parsed threshold expression, bound to the metric or sub-metric it judges. */
export interface Threshold {
  /** The expression as the script wrote it, such as `p(95)<500`. */
  source: string;
  /** The key in `options.thresholds`, such as `http_req_duration{name:auth}`. */
  metricKey: string;
  aggregation: string;
  operator: Operator;
  limit: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  target: Metric | Submetric;
  /** The last verdict; true while the expression holds. */
  ok: boolean;
}

const EXPRESSION = /^\s*(count|rate|value|avg|min|max|med|p\(\s*\d+(?:\.\d+)?\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/;
const AGGREGATIONS_BY_TYPE: Record<MetricType, string> = {
  counter: 'count, rate',
  gauge: 'value',
  rate: 'rate',
  trend: 'avg, min, max, med, p(N)',
};

function isAggregationValid(type: MetricType, aggregation: string): boolean {
  if (type === 'counter') return aggregation === 'count' || aggregation === 'rate';
  if (type === 'gauge') return aggregation === 'value';
  if (type === 'rate') return aggregation === 'rate';
  return ['avg', 'min', 'max', 'med'].includes(aggregation) || aggregation.startsWith('p(');
}

/** Splits `http_req_duration{name:auth-refresh,status:200}` into the metric name and its tags. */
export function parseMetricKey(metricKey: string): { name: string; tags: Tags } | undefined {
  const brace = metricKey.indexOf('{');
  if (brace < 0) return { name: metricKey.trim(), tags: {} };
  if (!metricKey.endsWith('}')) return undefined;

  const tags: Tags = {};
  const inner = metricKey.slice(brace + 1, -1);
  for (const part of inner.split(',')) {
    const colon = part.indexOf(':');
    if (colon <= 0) return undefined;
    const key = part.slice(0, colon).trim();
    const value = part.slice(colon + 1).trim().replace(/^["'](.*)["']$/, '$1');
    tags[key] = value;
  }
  return { name: metricKey.slice(0, brace).trim(), tags };
}

function readEntry(metricKey: string, entry: unknown): { source: string; abortOnFail: boolean; delayAbortEvalMs: number } {
  if (typeof entry === 'string') return { source: entry, abortOnFail: false, delayAbortEvalMs: 0 };
  if (typeof entry === 'object' && entry !== null && typeof (entry as { threshold?: unknown }).threshold === 'string') {
    const object = entry as { threshold: string; abortOnFail?: unknown; delayAbortEval?: unknown };
    const delay = object.delayAbortEval === undefined ? 0 : parseDurationMs(object.delayAbortEval, `threshold on "${metricKey}": delayAbortEval`);
    return { source: object.threshold, abortOnFail: object.abortOnFail === true, delayAbortEvalMs: delay };
  }
  throw invalidConfig(`threshold on "${metricKey}": ${JSON.stringify(entry)} is neither an expression string nor { threshold, abortOnFail, delayAbortEval }`);
}

/**
 * Parses every threshold of `options.thresholds` and binds it to its metric, creating the sub-metrics
 * that tagged keys name. Metrics must already be defined, so call this after the script's init code.
 * Throws one error (exit status 104) that lists every malformed expression and unknown metric.
 */
export function bindThresholds(definitions: Record<string, unknown[]>, registry: MetricRegistry): Threshold[] {
  const thresholds: Threshold[] = [];
  const problems: string[] = [];

  for (const [metricKey, entries] of Object.entries(definitions)) {
    const key = parseMetricKey(metricKey);
    if (key === undefined) {
      problems.push(`threshold key "${metricKey}" is malformed; write a metric name with optional tags, such as http_req_duration{name:login}`);
      continue;
    }
    const metric = registry.metrics.get(key.name);
    if (metric === undefined) {
      problems.push(`threshold on "${metricKey}": no metric named "${key.name}" is defined; check the spelling or define it in the init code`);
      continue;
    }
    const target = Object.keys(key.tags).length > 0 ? metric.submetric(key.tags) : metric;

    for (const entry of entries) {
      let parsed;
      try {
        parsed = readEntry(metricKey, entry);
      } catch (error) {
        problems.push((error as Error).message);
        continue;
      }
      const match = EXPRESSION.exec(parsed.source);
      if (match === null) {
        problems.push(`threshold on "${metricKey}": "${parsed.source}" is malformed; write an aggregation, an operator and a number, such as "p(95)<500" or "rate>0.9"`);
        continue;
      }
      const aggregation = (match[1] as string).replace(/\s+/g, '');
      if (!isAggregationValid(metric.type, aggregation)) {
        problems.push(`threshold on "${metricKey}": "${aggregation}" does not apply to a ${metric.type} metric; use ${AGGREGATIONS_BY_TYPE[metric.type]}`);
        continue;
      }
      thresholds.push({ ...parsed, metricKey, aggregation, operator: match[2] as Operator, limit: Number(match[3]), target, ok: true });
    }
  }

  if (problems.length > 0) throw invalidConfig(`invalid thresholds:\n  - ${problems.join('\n  - ')}`);
  return thresholds;
}

function aggregate(sink: Sink, aggregation: string, testRunDurationMs: number): number {
  if (sink instanceof TrendSink) return sink.stat(aggregation);
  return sink.values(testRunDurationMs, [])[aggregation] ?? NaN;
}

function compare(left: number, operator: Operator, right: number): boolean {
  switch (operator) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '==':
    case '===':
      return left === right;
    case '!=':
      return left !== right;
  }
}

/** Re-evaluates every threshold in place and returns those that are crossed now. */
export function evaluateThresholds(thresholds: readonly Threshold[], testRunDurationMs: number): Threshold[] {
  const crossed: Threshold[] = [];
  for (const threshold of thresholds) {
    threshold.ok = compare(aggregate(threshold.target.sink, threshold.aggregation, testRunDurationMs), threshold.operator, threshold.limit);
    if (!threshold.ok) crossed.push(threshold);
  }
  return crossed;
}
