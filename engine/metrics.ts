// Metric definitions, their running aggregates (sinks) and sub-metrics selected by tags.
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { performance } from 'node:perf_hooks';

/** The four k6 metric types. */
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
/** What a metric's values measure, which decides its unit in the summary. */
export type MetricContains = 'default' | 'time' | 'data';
/** Tag names to values, as on a k6 sample. */
export type Tags = Record<string, string>;

/** One measured value of one metric, with its tags and wall-clock time in milliseconds since the epoch. */
export interface Sample {
  metric: Metric;
  timeMs: number;
  value: number;
  tags: Tags;
}

// Trend values are stored in thousandths (microseconds for time metrics) because HDR histograms count integers.
const TREND_SCALE = 1000;

/**
 * The state of one sink as plain data, which `postMessage` can carry between worker threads.
 * A Trend's histogram is HDR's compressed base64 encoding, empty when the Trend has no values.
 */
export type SinkSnapshot =
  | { type: 'counter'; count: number }
  | { type: 'gauge'; last: number; lastAtMs: number; min: number; max: number }
  | { type: 'rate'; passes: number; fails: number }
  | { type: 'trend'; count: number; sum: number; min: number; max: number; histogram: string };

/** Running aggregate of one metric or sub-metric. */
export interface Sink {
  add(value: number): void;
  /** The aggregated values under k6's keys (`count`, `rate`, `p(95)`, …); `testRunDurationMs` turns counts into rates. */
  values(testRunDurationMs: number, trendStats: readonly string[]): Record<string, number>;
  /** Copies the state for another thread. */
  snapshot(): SinkSnapshot;
  /** Adds another sink's state of the same type, as if its values had been added here. */
  merge(snapshot: SinkSnapshot): void;
}

function mismatch(expected: MetricType, snapshot: SinkSnapshot): Error {
  return new Error(`cannot merge a ${snapshot.type} sink into a ${expected} sink`);
}

class CounterSink implements Sink {
  count = 0;
  add(value: number): void {
    this.count += value;
  }
  values(testRunDurationMs: number): Record<string, number> {
    return { count: this.count, rate: testRunDurationMs > 0 ? this.count / (testRunDurationMs / 1000) : 0 };
  }
  snapshot(): SinkSnapshot {
    return { type: 'counter', count: this.count };
  }
  merge(snapshot: SinkSnapshot): void {
    if (snapshot.type !== 'counter') throw mismatch('counter', snapshot);
    this.count += snapshot.count;
  }
}

class GaugeSink implements Sink {
  last = 0;
  /** Wall-clock time of the last value in milliseconds since the epoch, so merging keeps the latest of several threads. */
  lastAtMs = -Infinity;
  min = Infinity;
  max = -Infinity;
  add(value: number): void {
    this.last = value;
    this.lastAtMs = Date.now();
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
  }
  values(): Record<string, number> {
    return { value: this.last, min: Number.isFinite(this.min) ? this.min : 0, max: Number.isFinite(this.max) ? this.max : 0 };
  }
  snapshot(): SinkSnapshot {
    return { type: 'gauge', last: this.last, lastAtMs: this.lastAtMs, min: this.min, max: this.max };
  }
  merge(snapshot: SinkSnapshot): void {
    if (snapshot.type !== 'gauge') throw mismatch('gauge', snapshot);
    if (snapshot.lastAtMs >= this.lastAtMs) {
      this.last = snapshot.last;
      this.lastAtMs = snapshot.lastAtMs;
    }
    this.min = Math.min(this.min, snapshot.min);
    this.max = Math.max(this.max, snapshot.max);
  }
}

class RateSink implements Sink {
  passes = 0;
  fails = 0;
  add(value: number): void {
    if (value !== 0) this.passes++;
    else this.fails++;
  }
  values(): Record<string, number> {
    const total = this.passes + this.fails;
    return { rate: total > 0 ? this.passes / total : 0, passes: this.passes, fails: this.fails };
  }
  snapshot(): SinkSnapshot {
    return { type: 'rate', passes: this.passes, fails: this.fails };
  }
  merge(snapshot: SinkSnapshot): void {
    if (snapshot.type !== 'rate') throw mismatch('rate', snapshot);
    this.passes += snapshot.passes;
    this.fails += snapshot.fails;
  }
}

/**
 * Trend aggregate: exact count, sum, min and max, and percentiles from an HDR histogram with four
 * significant digits, so histograms from several workers can later be merged without losing exactness.
 */
export class TrendSink implements Sink {
  readonly histogram: Histogram = hdr.build({ numberOfSignificantValueDigits: 4 });
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(value: number): void {
    this.count++;
    this.sum += value;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    // NOTE: the histogram cannot hold negative values, so they count as 0 in percentiles (avg, min and max stay exact).
    this.histogram.recordValue(Math.max(0, Math.round(value * TREND_SCALE)));
  }

  percentile(percent: number): number {
    if (this.count === 0) return 0;
    const value = this.histogram.getValueAtPercentile(percent) / TREND_SCALE;
    // The histogram reports a bucket's upper edge, which can pass the exact extremes.
    return Math.min(this.max, Math.max(this.min, value));
  }

  snapshot(): SinkSnapshot {
    const histogram = this.count === 0 ? '' : hdr.encodeIntoCompressedBase64(this.histogram);
    return { type: 'trend', count: this.count, sum: this.sum, min: this.min, max: this.max, histogram };
  }

  /** Adds the other Trend's histogram bucket by bucket, so the merged percentiles equal those of one histogram of all values. */
  merge(snapshot: SinkSnapshot): void {
    if (snapshot.type !== 'trend') throw mismatch('trend', snapshot);
    if (snapshot.count === 0) return;
    this.count += snapshot.count;
    this.sum += snapshot.sum;
    this.min = Math.min(this.min, snapshot.min);
    this.max = Math.max(this.max, snapshot.max);
    const other = hdr.decodeFromCompressedBase64(snapshot.histogram);
    this.histogram.add(other);
    other.destroy();
  }

  values(_testRunDurationMs: number, trendStats: readonly string[]): Record<string, number> {
    const values: Record<string, number> = {};
    for (const stat of trendStats) values[stat] = this.stat(stat);
    return values;
  }

  stat(stat: string): number {
    if (stat === 'count') return this.count;
    if (this.count === 0) return 0;
    if (stat === 'avg') return this.sum / this.count;
    if (stat === 'min') return this.min;
    if (stat === 'max') return this.max;
    if (stat === 'med') return this.percentile(50);
    const match = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
    return match === null ? NaN : this.percentile(Number(match[1]));
  }
}

function createSink(type: MetricType): Sink {
  if (type === 'counter') return new CounterSink();
  if (type === 'gauge') return new GaugeSink();
  if (type === 'rate') return new RateSink();
  return new TrendSink();
}

/** A sub-metric such as `http_req_duration{platform:web}`: the parent's samples whose tags include all of `tags`. */
export class Submetric {
  readonly sink: Sink;
  // Listed once, because matches() runs for every sample of the parent metric.
  private readonly tagNames: string[];

  constructor(
    readonly parent: Metric,
    /** `platform:web` in `http_req_duration{platform:web}`. */
    readonly suffix: string,
    readonly tags: Tags,
  ) {
    this.sink = createSink(parent.type);
    this.tagNames = Object.keys(tags);
  }

  get name(): string {
    return `${this.parent.name}{${this.suffix}}`;
  }

  matches(tags: Tags): boolean {
    for (const key of this.tagNames) if (tags[key] !== this.tags[key]) return false;
    return true;
  }
}

/** A named metric with its type, its sink and any sub-metrics that thresholds or the engine asked for. */
export class Metric {
  readonly sink: Sink;
  readonly submetrics: Submetric[] = [];
  /** Whether any sample was added; k6 leaves metrics without samples out of the summary. */
  observed = false;

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly contains: MetricContains,
  ) {
    this.sink = createSink(type);
  }

  /** Returns the sub-metric for these tags, creating it on first use. */
  submetric(tags: Tags): Submetric {
    const suffix = Object.entries(tags)
      .map(([key, value]) => `${key}:${value}`)
      .join(',');
    const existing = this.submetrics.find((submetric) => submetric.suffix === suffix);
    if (existing !== undefined) return existing;
    const created = new Submetric(this, suffix, tags);
    this.submetrics.push(created);
    return created;
  }
}

/** Wall-clock time in milliseconds since the epoch, with the sub-millisecond part of the performance clock. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Receives every sample after aggregation, such as the CSV and JSON outputs. */
export interface SampleListener {
  onSample(sample: Sample): void;
}

/** All metrics of a run, by name, in definition order. */
export class MetricRegistry {
  readonly metrics = new Map<string, Metric>();
  readonly listeners: SampleListener[] = [];

  /** Returns the metric `name`, defining it on first use; a second definition with another type is an error. */
  define(name: string, type: MetricType, contains: MetricContains = 'default'): Metric {
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (existing.type !== type) throw new Error(`metric "${name}" is already defined as a ${existing.type}; it cannot be redefined as a ${type}`);
      return existing;
    }
    if (!METRIC_NAME.test(name)) {
      throw new Error(`metric name "${name}" is invalid; use letters, digits and "_" (at most 128 characters, not starting with a digit)`);
    }
    const metric = new Metric(name, type, contains);
    this.metrics.set(name, metric);
    return metric;
  }

  /**
   * Aggregates one sample into its metric and every matching sub-metric, then hands it to the listeners.
   * `tags` must not change afterwards: outputs reuse the text of the tags object they saw last.
   */
  add(metric: Metric, value: number, tags: Tags, timeMs = nowMs()): void {
    metric.observed = true;
    metric.sink.add(value);
    for (const submetric of metric.submetrics) if (submetric.matches(tags)) submetric.sink.add(value);
    if (this.listeners.length === 0) return;
    const sample: Sample = { metric, timeMs, value, tags };
    for (const listener of this.listeners) listener.onSample(sample);
  }
}

/** One metric's state for another thread: its definition, its sink and its sub-metrics' sinks. */
export interface MetricSnapshot {
  name: string;
  type: MetricType;
  contains: MetricContains;
  observed: boolean;
  sink: SinkSnapshot;
  submetrics: { tags: Tags; sink: SinkSnapshot }[];
}

/** Copies the state of the registry's metrics, or of those named in `names`, for another thread. */
export function snapshotMetrics(registry: MetricRegistry, names?: ReadonlySet<string>): MetricSnapshot[] {
  const snapshots: MetricSnapshot[] = [];
  for (const metric of registry.metrics.values()) {
    if (names !== undefined && !names.has(metric.name)) continue;
    snapshots.push({
      name: metric.name,
      type: metric.type,
      contains: metric.contains,
      observed: metric.observed,
      sink: metric.sink.snapshot(),
      submetrics: metric.submetrics.map((submetric) => ({ tags: submetric.tags, sink: submetric.sink.snapshot() })),
    });
  }
  return snapshots;
}

/**
 * Adds metric snapshots from another registry into `registry`, defining metrics and sub-metrics
 * that it lacks. Merging the snapshots of several workers gives the aggregates of the whole run.
 */
export function mergeMetricSnapshots(registry: MetricRegistry, snapshots: readonly MetricSnapshot[]): void {
  for (const snapshot of snapshots) {
    const metric = registry.define(snapshot.name, snapshot.type, snapshot.contains);
    metric.observed ||= snapshot.observed;
    metric.sink.merge(snapshot.sink);
    for (const submetric of snapshot.submetrics) metric.submetric(submetric.tags).sink.merge(submetric.sink);
  }
}
