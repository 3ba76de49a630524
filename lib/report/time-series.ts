// Folds a stream of k6 samples into per-second, per-platform rows with percentiles, in bounded
// memory: counts are kept for every second, but histograms only for the last few seconds.
import { LatencyHistogram } from './percentiles.ts';
import { ALL_PLATFORMS, type MetricSample, type NameLatencyPoint, type NameLatencySeries, type TimeSeriesRow } from './types.ts';

/**
 * Seconds a second's histograms stay open after a newer sample arrives. k6's CSV output writes
 * buffered samples every `saveInterval` (1 s by default, per k6's CSV output docs), so samples
 * usually come out of order by a second or two. Five seconds is a margin, not a measurement,
 * and each open second costs memory (a histogram per platform, metric and request name).
 */
export const LATE_WINDOW_S = 5;
/** Maximum span (7 days) whose empty seconds get rows of zeros. */
const MAX_FILLED_SPAN_S = 7 * 24 * 3600;
/**
 * Significant digits of the per-second histograms: 1 % resolution is plenty for a chart and costs
 * about a sixth of the memory of 3 digits. Whole-run percentiles (totals, `herd compare`) keep 3 digits.
 */
const PER_SECOND_DIGITS = 2;
/** Request names beyond this many share one series, so that a URL used as a name cannot exhaust memory. */
export const MAX_REQUEST_NAMES = 100;
/** The metrics the time series reads; samples of any other metric are ignored. */
export const METRICS_USED: ReadonlySet<string> = new Set([
  'http_reqs', 'http_req_duration', 'iterations', 'iteration_duration', 'dropped_iterations', 'herd_admitted',
  'herd_time_to_admit', 'herd_schedule_lag', 'vus',
]);
/** The series that takes every request name beyond MAX_REQUEST_NAMES. */
export const OTHER_NAMES = '(other names)';

type Counts = Omit<TimeSeriesRow, 'timeUnixS' | 'elapsedS' | 'platform' | 'plannedArrivals' | 'latencyP50Ms' | 'latencyP95Ms' | 'latencyP99Ms' | 'timeToAdmitP50Ms' | 'timeToAdmitP95Ms' | 'scheduleLagP99Ms'>;
type Percentiles = Pick<TimeSeriesRow, 'latencyP50Ms' | 'latencyP95Ms' | 'latencyP99Ms' | 'timeToAdmitP50Ms' | 'timeToAdmitP95Ms' | 'scheduleLagP99Ms'>;

interface OpenHistograms {
  latency: LatencyHistogram;
  timeToAdmit: LatencyHistogram;
  scheduleLag: LatencyHistogram;
}

interface SecondBucket {
  counts: Map<string, Counts>;
  /** Percentiles per platform, filled when the second closes. */
  percentiles: Map<string, Percentiles>;
  histograms: Map<string, OpenHistograms> | undefined;
  nameHistograms: Map<string, LatencyHistogram> | undefined;
  namePoints: Map<string, NameLatencyPoint>;
}

/** Whole-run histograms per platform, kept for the totals. */
interface RunHistograms {
  latency: Map<string, LatencyHistogram>;
  timeToAdmit: Map<string, LatencyHistogram>;
  byName: Map<string, LatencyHistogram>;
}

/** Whole-run latency and time-to-admit percentiles of one platform. */
export interface PlatformPercentiles {
  latencyP95Ms: number | null;
  timeToAdmitP50Ms: number | null;
  timeToAdmitP95Ms: number | null;
}

/** Result of TimeSeriesBuilder.finish: rows without planned arrivals, which the caller adds from plan.json. */
export interface BuiltTimeSeries {
  rows: TimeSeriesRow[];
  platforms: string[];
  latencyByName: NameLatencySeries[];
  runPercentiles: Map<string, PlatformPercentiles>;
  lateSamples: number;
  mergedNames: number;
  firstTimeUnixS: number | null;
  lastTimeUnixS: number | null;
}

function emptyCounts(): Counts {
  return {
    startedIterations: 0, completedIterations: 0, droppedIterations: 0, admittedUsers: 0, notAdmittedUsers: 0,
    requests: 0, requests2xx: 0, requests3xx: 0, requests4xx: 0, requests5xx: 0, requestsFailedToConnect: 0,
    requestsOther: 0, requests503: 0, vus: null,
  };
}

/** Returns a sample's platform: its `platform` tag, else its `scenario` tag (one scenario per platform), else undefined. */
export function platformOf(tags: Record<string, string>): string | undefined {
  return tags.platform ?? tags.scenario;
}

function isSetupOrTeardown(tags: Record<string, string>): boolean {
  return tags.group === '::setup' || tags.group === '::teardown';
}

/** Accumulates samples into per-second rows; call `add` for each sample, then `finish` once. */
export class TimeSeriesBuilder {
  private readonly seconds = new Map<number, SecondBucket>();
  /** Seconds whose histograms are still open. */
  private readonly openSeconds = new Set<number>();
  private readonly platformSet = new Set<string>();
  /** Request names seen so far, each mapped to its first copy (see `intern`). */
  private readonly names = new Map<string, string>();
  private readonly platformNames = new Map<string, string>();
  private readonly run: RunHistograms = { latency: new Map(), timeToAdmit: new Map(), byName: new Map() };
  private newestSecond = Number.NEGATIVE_INFINITY;
  private closedBefore = Number.NEGATIVE_INFINITY;
  private firstTimeUnixS: number | null = null;
  private lastTimeUnixS: number | null = null;
  private lateSamples = 0;
  private firstBucketSecond: number | null = null;
  private mergedNames = 0;

  /** Adds one sample; samples of metrics the report does not use are ignored. */
  add(sample: MetricSample): void {
    const second = sample.timeUnixS;
    this.firstTimeUnixS = this.firstTimeUnixS === null ? second : Math.min(this.firstTimeUnixS, second);
    this.lastTimeUnixS = this.lastTimeUnixS === null ? second : Math.max(this.lastTimeUnixS, second);
    const taggedPlatform = platformOf(sample.tags);
    const platform = taggedPlatform === undefined ? undefined : intern(this.platformNames, taggedPlatform);
    if (platform !== undefined) this.platformSet.add(platform);

    this.addCounts(sample, platform);
    this.addToHistograms(sample, platform);

    if (second > this.newestSecond) {
      this.newestSecond = second;
      this.closeSecondsBefore(second - LATE_WINDOW_S);
    }
  }

  private addCounts(sample: MetricSample, platform: string | undefined): void {
    const { metric, value, tags } = sample;
    let second = sample.timeUnixS;
    const update: Array<(counts: Counts) => void> = [];
    switch (metric) {
      case 'http_reqs':
        update.push((counts) => countRequest(counts, tags.status, value));
        break;
      case 'iterations':
        update.push((counts) => { counts.completedIterations += value; });
        break;
      case 'iteration_duration':
        if (isSetupOrTeardown(tags)) return;
        // The sample is stamped when the iteration ends; the middle of that second minus the duration estimates its start.
        second = Math.floor(second + 0.5 - value / 1000);
        update.push((counts) => { counts.startedIterations += 1; });
        break;
      case 'dropped_iterations':
        update.push((counts) => { counts.droppedIterations += value; });
        break;
      case 'herd_admitted':
        update.push((counts) => { if (value !== 0) counts.admittedUsers += 1; else counts.notAdmittedUsers += 1; });
        break;
      case 'vus':
        update.push((counts) => { counts.vus = counts.vus === null ? value : Math.max(counts.vus, value); });
        break;
      default:
        return;
    }

    const bucket = this.bucketFor(second);
    for (const apply of update) {
      if (metric !== 'vus' || platform === undefined) apply(countsFor(bucket, ALL_PLATFORMS));
      if (platform !== undefined) apply(countsFor(bucket, platform));
    }
  }

  private addToHistograms(sample: MetricSample, platform: string | undefined): void {
    const kind = histogramKindOf(sample.metric);
    if (kind === undefined) return;
    if (sample.timeUnixS < this.closedBefore) {
      this.lateSamples += 1;
      return;
    }

    const bucket = this.bucketFor(sample.timeUnixS);
    this.openSeconds.add(sample.timeUnixS);
    const keys = platform === undefined ? [ALL_PLATFORMS] : [ALL_PLATFORMS, platform];
    for (const key of keys) openHistograms(bucket, key)[kind].record(sample.value);

    // Schedule lag has no whole-run percentile in the report, so only latency and time to admit keep one.
    let runMap: Map<string, LatencyHistogram> | undefined;
    if (kind === 'latency') runMap = this.run.latency;
    if (kind === 'timeToAdmit') runMap = this.run.timeToAdmit;
    if (runMap !== undefined) {
      for (const key of keys) histogramIn(runMap, key).record(sample.value);
    }
    if (kind === 'latency') {
      const name = this.requestNameOf(sample.tags);
      bucket.nameHistograms ??= new Map();
      histogramIn(bucket.nameHistograms, name, PER_SECOND_DIGITS).record(sample.value);
      histogramIn(this.run.byName, name).record(sample.value);
    }
  }

  private requestNameOf(tags: Record<string, string>): string {
    const name = tags.name ?? tags.url ?? '(unnamed)';
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size < MAX_REQUEST_NAMES) return intern(this.names, name);
    this.mergedNames += 1;
    return OTHER_NAMES;
  }

  private bucketFor(second: number): SecondBucket {
    let bucket = this.seconds.get(second);
    if (bucket === undefined) {
      this.firstBucketSecond = this.firstBucketSecond === null ? second : Math.min(this.firstBucketSecond, second);
      bucket = { counts: new Map(), percentiles: new Map(), histograms: undefined, nameHistograms: undefined, namePoints: new Map() };
      this.seconds.set(second, bucket);
    }
    return bucket;
  }

  /** Computes the percentiles of every open second before `limit` and frees its histograms. */
  private closeSecondsBefore(limit: number): void {
    if (limit <= this.closedBefore) return;
    for (const second of this.openSeconds) {
      if (second >= limit) continue;
      const bucket = this.seconds.get(second);
      if (bucket !== undefined) closeBucket(second, bucket);
      this.openSeconds.delete(second);
    }
    this.closedBefore = limit;
  }

  /** Unix second of the first row: the earliest sample, or an earlier estimated iteration start; null before any sample. */
  get firstRowUnixS(): number | null {
    return this.firstBucketSecond;
  }

  /**
   * Closes every second and returns the rows, sorted by time with the `all` row first in each
   * second. Rows run from the first sample to the last one, or to `throughUnixS` when that is later.
   */
  finish(throughUnixS?: number): BuiltTimeSeries {
    for (const second of this.openSeconds) {
      const bucket = this.seconds.get(second);
      if (bucket !== undefined) closeBucket(second, bucket);
    }
    this.openSeconds.clear();
    this.closedBefore = Number.POSITIVE_INFINITY;

    const platforms = [...this.platformSet].sort();
    const rows = this.buildRows(platforms, throughUnixS);
    const latencyByName = this.buildNameSeries();
    const runPercentiles = new Map<string, PlatformPercentiles>();
    for (const key of [ALL_PLATFORMS, ...platforms]) {
      runPercentiles.set(key, {
        latencyP95Ms: this.run.latency.get(key)?.percentileMs(95) ?? null,
        timeToAdmitP50Ms: this.run.timeToAdmit.get(key)?.percentileMs(50) ?? null,
        timeToAdmitP95Ms: this.run.timeToAdmit.get(key)?.percentileMs(95) ?? null,
      });
    }
    return {
      rows, platforms, latencyByName, runPercentiles, lateSamples: this.lateSamples, mergedNames: this.mergedNames,
      firstTimeUnixS: this.firstTimeUnixS, lastTimeUnixS: this.lastTimeUnixS,
    };
  }

  private buildRows(platforms: string[], throughUnixS: number | undefined): TimeSeriesRow[] {
    if (this.seconds.size === 0) return [];
    const secondsSorted = [...this.seconds.keys()].sort((a, b) => a - b);
    const first = secondsSorted[0] ?? 0;
    const last = Math.max(secondsSorted[secondsSorted.length - 1] ?? first, throughUnixS ?? first);
    const origin = first;
    // Seconds without samples get rows of zeros, so charts show the gap instead of bridging it,
    // unless the span is so long (a stray timestamp) that filling it would exhaust memory.
    const seconds = last - first <= MAX_FILLED_SPAN_S ? rangeOf(first, last) : secondsSorted;
    const rows: TimeSeriesRow[] = [];
    for (const second of seconds) {
      const bucket = this.seconds.get(second);
      for (const platform of [ALL_PLATFORMS, ...platforms]) {
        const counts = bucket?.counts.get(platform) ?? emptyCounts();
        const percentiles = bucket?.percentiles.get(platform) ?? emptyPercentiles();
        rows.push({ timeUnixS: second, elapsedS: second - origin, platform, plannedArrivals: null, ...counts, ...percentiles });
      }
    }
    return rows;
  }

  private buildNameSeries(): NameLatencySeries[] {
    const series: NameLatencySeries[] = [];
    const secondsSorted = [...this.seconds.keys()].sort((a, b) => a - b);
    for (const [name, histogram] of [...this.run.byName].sort(([a], [b]) => a.localeCompare(b))) {
      const points: NameLatencyPoint[] = [];
      for (const second of secondsSorted) {
        const point = this.seconds.get(second)?.namePoints.get(name);
        if (point !== undefined) points.push(point);
      }
      series.push({ name, requests: histogram.count, p50Ms: histogram.percentileMs(50), p95Ms: histogram.percentileMs(95), p99Ms: histogram.percentileMs(99), points });
    }
    return series;
  }
}

function rangeOf(first: number, last: number): number[] {
  const range: number[] = [];
  for (let second = first; second <= last; second += 1) range.push(second);
  return range;
}

/**
 * Returns the stored copy of `text`, storing a flat copy the first time. Tag values are slices of
 * a large piece of the input file, and a slice kept as a map key would keep that whole piece alive.
 */
function intern(table: Map<string, string>, text: string): string {
  const known = table.get(text);
  if (known !== undefined) return known;
  const copy = Buffer.from(text, 'utf8').toString('utf8');
  table.set(copy, copy);
  return copy;
}

function emptyPercentiles(): Percentiles {
  return { latencyP50Ms: null, latencyP95Ms: null, latencyP99Ms: null, timeToAdmitP50Ms: null, timeToAdmitP95Ms: null, scheduleLagP99Ms: null };
}

function countsFor(bucket: SecondBucket, platform: string): Counts {
  let counts = bucket.counts.get(platform);
  if (counts === undefined) {
    counts = emptyCounts();
    bucket.counts.set(platform, counts);
  }
  return counts;
}

function countRequest(counts: Counts, statusTag: string | undefined, value: number): void {
  const status = statusTag === undefined ? Number.NaN : Number(statusTag);
  counts.requests += value;
  if (status === 0) counts.requestsFailedToConnect += value;
  else if (status >= 200 && status < 300) counts.requests2xx += value;
  else if (status >= 300 && status < 400) counts.requests3xx += value;
  else if (status >= 400 && status < 500) counts.requests4xx += value;
  else if (status >= 500 && status < 600) counts.requests5xx += value;
  else counts.requestsOther += value;
  if (status === 503) counts.requests503 += value;
}

function histogramKindOf(metric: string): keyof OpenHistograms | undefined {
  if (metric === 'http_req_duration') return 'latency';
  if (metric === 'herd_time_to_admit') return 'timeToAdmit';
  if (metric === 'herd_schedule_lag') return 'scheduleLag';
  return undefined;
}

function openHistograms(bucket: SecondBucket, platform: string): OpenHistograms {
  bucket.histograms ??= new Map();
  let histograms = bucket.histograms.get(platform);
  if (histograms === undefined) {
    histograms = {
      latency: new LatencyHistogram(PER_SECOND_DIGITS),
      timeToAdmit: new LatencyHistogram(PER_SECOND_DIGITS),
      scheduleLag: new LatencyHistogram(PER_SECOND_DIGITS),
    };
    bucket.histograms.set(platform, histograms);
  }
  return histograms;
}

function histogramIn(map: Map<string, LatencyHistogram>, key: string, significantDigits: 2 | 3 = 3): LatencyHistogram {
  let histogram = map.get(key);
  if (histogram === undefined) {
    histogram = new LatencyHistogram(significantDigits);
    map.set(key, histogram);
  }
  return histogram;
}

function closeBucket(second: number, bucket: SecondBucket): void {
  if (bucket.histograms !== undefined) {
    for (const [platform, histograms] of bucket.histograms) {
      bucket.percentiles.set(platform, {
        latencyP50Ms: histograms.latency.percentileMs(50),
        latencyP95Ms: histograms.latency.percentileMs(95),
        latencyP99Ms: histograms.latency.percentileMs(99),
        timeToAdmitP50Ms: histograms.timeToAdmit.percentileMs(50),
        timeToAdmitP95Ms: histograms.timeToAdmit.percentileMs(95),
        scheduleLagP99Ms: histograms.scheduleLag.percentileMs(99),
      });
      histograms.latency.destroy();
      histograms.timeToAdmit.destroy();
      histograms.scheduleLag.destroy();
    }
    bucket.histograms = undefined;
  }
  if (bucket.nameHistograms !== undefined) {
    for (const [name, histogram] of bucket.nameHistograms) {
      bucket.namePoints.set(name, { timeUnixS: second, requests: histogram.count, p50Ms: histogram.percentileMs(50), p95Ms: histogram.percentileMs(95), p99Ms: histogram.percentileMs(99) });
      histogram.destroy();
    }
    bucket.nameHistograms = undefined;
  }
}
