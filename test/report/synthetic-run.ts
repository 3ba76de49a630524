// Synthetic run folders for the report tests and benchmark: samples in k6's CSV and JSON lines
// formats, a handleSummary-shaped summary.json computed from the same samples, and a plan.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K6_CSV_COLUMNS } from '../../lib/report/sample-sources.ts';

/** One sample before it is printed in either k6 format. */
export interface SyntheticSample {
  metric: string;
  timeUnixMs: number;
  value: number;
  tags: Record<string, string>;
}

/** Options of `generateSamples`; every count is exact, so tests can predict the totals. */
export interface SyntheticRunOptions {
  startUnixS: number;
  /** Users arriving in each second, per platform; the array length is the run length in seconds. */
  usersPerSecond: Record<string, number[]>;
  /** Every n-th request of the vendor step returns 503 and its user is not admitted. */
  vendor503Every: number;
  /** Dropped iterations per second, per platform. */
  droppedPerSecond?: Record<string, number[]>;
  seed?: number;
}

const REQUEST_NAMES: Record<string, string[]> = {
  web: ['render', 'refresh', 'vendor'],
  mobile: ['launch-config', 'launch-feed', 'refresh', 'vendor'],
};

/** A small deterministic pseudo-random generator (mulberry32), so fixtures are the same on every run. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates the samples of a run in time order, the way a scenario of this project tags them. */
export function generateSamples(options: SyntheticRunOptions): SyntheticSample[] {
  const random = createRandom(options.seed ?? 7);
  const samples: SyntheticSample[] = [];
  let vendorCalls = 0;
  const seconds = Math.max(...Object.values(options.usersPerSecond).map((series) => series.length));
  for (let second = 0; second < seconds; second += 1) {
    const secondStartMs = (options.startUnixS + second) * 1000;
    for (const [platform, series] of Object.entries(options.usersPerSecond)) {
      const users = series[second] ?? 0;
      for (let user = 0; user < users; user += 1) {
        // Users start evenly within their second and finish within it, so start and end seconds agree.
        const startMs = secondStartMs + Math.floor((user * 600) / Math.max(1, users));
        vendorCalls += 1;
        const refused = vendorCalls % options.vendor503Every === 0;
        samples.push(...userSamples(platform, startMs, refused, random));
      }
      const dropped = options.droppedPerSecond?.[platform]?.[second] ?? 0;
      if (dropped > 0) samples.push({ metric: 'dropped_iterations', timeUnixMs: secondStartMs + 900, value: dropped, tags: { scenario: platform } });
    }
    const vus = Object.values(options.usersPerSecond).reduce((sum, series) => sum + (series[second] ?? 0), 0);
    samples.push({ metric: 'vus', timeUnixMs: secondStartMs + 950, value: vus, tags: {} });
    samples.push({ metric: 'vus_max', timeUnixMs: secondStartMs + 950, value: 100, tags: {} });
  }
  return samples.sort((a, b) => a.timeUnixMs - b.timeUnixMs);
}

function userSamples(platform: string, startMs: number, refused: boolean, random: () => number): SyntheticSample[] {
  const samples: SyntheticSample[] = [];
  const base = { platform, scenario: platform, proto: 'HTTP/1.1' };
  let clockMs = startMs;
  for (const name of REQUEST_NAMES[platform] ?? ['request']) {
    const status = name === 'vendor' && refused ? '503' : '200';
    const durationMs = 5 + random() * 40 + (status === '503' ? 100 : 0);
    clockMs += durationMs;
    const tags = { ...base, name, method: name === 'render' ? 'GET' : 'POST', status, url: name, expected_response: String(status === '200') };
    samples.push({ metric: 'http_reqs', timeUnixMs: Math.floor(clockMs), value: 1, tags });
    samples.push({ metric: 'http_req_duration', timeUnixMs: Math.floor(clockMs), value: Number(durationMs.toFixed(6)), tags });
  }
  const totalMs = clockMs - startMs;
  const endMs = Math.floor(clockMs);
  samples.push({ metric: 'herd_admitted', timeUnixMs: endMs, value: refused ? 0 : 1, tags: base });
  if (!refused) samples.push({ metric: 'herd_time_to_admit', timeUnixMs: endMs, value: Math.round(totalMs), tags: base });
  samples.push({ metric: 'herd_schedule_lag', timeUnixMs: startMs, value: Number((random() * 3).toFixed(3)), tags: base });
  samples.push({ metric: 'iterations', timeUnixMs: endMs, value: 1, tags: base });
  samples.push({ metric: 'iteration_duration', timeUnixMs: endMs, value: Number(totalMs.toFixed(6)), tags: base });
  return samples;
}

const STANDARD_TAG_COLUMNS = new Set<string>(K6_CSV_COLUMNS);

/** Prints samples as k6's `--out csv` file: whole-second timestamps, non-standard tags in `extra_tags`. */
export function toK6Csv(samples: SyntheticSample[]): string {
  const lines = [K6_CSV_COLUMNS.join(',')];
  for (const sample of samples) {
    const extra = Object.entries(sample.tags).filter(([key]) => !STANDARD_TAG_COLUMNS.has(key)).map(([key, value]) => `${key}=${value}`).join('&');
    const cells = K6_CSV_COLUMNS.map((column) => {
      if (column === 'metric_name') return sample.metric;
      if (column === 'timestamp') return String(Math.floor(sample.timeUnixMs / 1000));
      if (column === 'metric_value') return sample.value.toFixed(6);
      if (column === 'extra_tags') return extra;
      if (column === 'metadata') return '';
      return sample.tags[column] ?? '';
    });
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Prints samples as k6's `--out json` file: one `Point` object per line with an RFC 3339 time. */
export function toK6JsonLines(samples: SyntheticSample[]): string {
  const declared = new Set<string>();
  const lines: string[] = [];
  for (const sample of samples) {
    if (!declared.has(sample.metric)) {
      declared.add(sample.metric);
      lines.push(JSON.stringify({ type: 'Metric', data: { name: sample.metric, type: 'counter', contains: 'default', thresholds: [], submetrics: null }, metric: sample.metric }));
    }
    const time = new Date(sample.timeUnixMs).toISOString().replace('Z', '000000Z');
    lines.push(JSON.stringify({ metric: sample.metric, type: 'Point', data: { time, value: sample.value, tags: sample.tags } }));
  }
  return `${lines.join('\n')}\n`;
}

/** Computes the counters of a handleSummary object from the samples, with the given thresholds on `herd_admitted`. */
export function summaryFor(samples: SyntheticSample[], admittedThreshold: string, admittedThresholdOk: boolean): unknown {
  const count = (metric: string): number => samples.filter((sample) => sample.metric === metric).reduce((sum, sample) => sum + sample.value, 0);
  const admitted = samples.filter((sample) => sample.metric === 'herd_admitted');
  const passes = admitted.filter((sample) => sample.value !== 0).length;
  return {
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 10_000 },
    metrics: {
      http_reqs: { type: 'counter', contains: 'default', values: { count: count('http_reqs'), rate: 1 } },
      iterations: { type: 'counter', contains: 'default', values: { count: count('iterations'), rate: 1 } },
      dropped_iterations: { type: 'counter', contains: 'default', values: { count: count('dropped_iterations'), rate: 0 }, thresholds: { 'count<1000': { ok: true } } },
      herd_admitted: {
        type: 'rate', contains: 'default', values: { rate: passes / admitted.length, passes, fails: admitted.length - passes },
        thresholds: { [admittedThreshold]: { ok: admittedThresholdOk } },
      },
      'http_req_duration{platform:web}': { type: 'trend', contains: 'time', values: { 'p(95)': 44.5, avg: 20 }, thresholds: { 'p(95)<500': { ok: true } } },
    },
    root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
  };
}

/** Returns a plan.json with a per-second timeline matching `usersPerSecond` and a prediction. */
export function planFor(usersPerSecond: Record<string, number[]>, predictedAdmittedPerSecond: number): unknown {
  const seconds = Math.max(...Object.values(usersPerSecond).map((series) => series.length));
  const timeline = [];
  for (let second = 0; second < seconds; second += 1) {
    const plannedStarts: Record<string, number> = {};
    for (const [platform, series] of Object.entries(usersPerSecond)) plannedStarts[platform] = series[second] ?? 0;
    timeline.push({ second, plannedStarts, curveUsers: plannedStarts });
  }
  // The prediction has the planner's shape: totals at the peak, then one entry per platform.
  const platforms = Object.keys(usersPerSecond).map((name) => ({ name, admittedUsersPerSecond: predictedAdmittedPerSecond / 2, admittedShare: 0.9, timeToAdmitSeconds: 0.12 }));
  return {
    timeline,
    prediction: { profile: 'legacy', servers: 1, admittedRequestsPerSecond: 400, rejectedShare: 0.1, admittedUsersPerSecond: predictedAdmittedPerSecond, admittedShare: 0.85, platforms },
  };
}

/** Files of a synthetic run folder; each one left undefined is not written. */
export interface RunFolderFiles {
  samplesCsv?: string;
  samplesJsonl?: string;
  summary?: unknown;
  plan?: unknown;
  run?: unknown;
  targetMetricsCsv?: string;
}

/** Writes a run folder with the given files and returns its path. */
export async function writeRunFolder(dir: string, files: RunFolderFiles): Promise<string> {
  await mkdir(dir, { recursive: true });
  const writes: Array<Promise<void>> = [];
  if (files.samplesCsv !== undefined) writes.push(writeFile(join(dir, 'samples.csv'), files.samplesCsv));
  if (files.samplesJsonl !== undefined) writes.push(writeFile(join(dir, 'samples.jsonl'), files.samplesJsonl));
  if (files.summary !== undefined) writes.push(writeFile(join(dir, 'summary.json'), JSON.stringify(files.summary)));
  if (files.plan !== undefined) writes.push(writeFile(join(dir, 'plan.json'), JSON.stringify(files.plan)));
  if (files.run !== undefined) writes.push(writeFile(join(dir, 'run.json'), JSON.stringify(files.run)));
  if (files.targetMetricsCsv !== undefined) writes.push(writeFile(join(dir, 'target-metrics.csv'), files.targetMetricsCsv));
  await Promise.all(writes);
  return dir;
}

/** Returns a target-metrics.csv for the run's seconds, with a queue that builds up in the middle. */
export function targetMetricsFor(startUnixS: number, seconds: number): string {
  const lines = ['time_unix_s,queue_depth,workers_busy,workers_total,queue_timeouts_total,requests_total'];
  let timeouts = 0;
  let requests = 0;
  for (let second = 0; second < seconds; second += 1) {
    const queue = second > seconds / 3 && second < (2 * seconds) / 3 ? 40 : 0;
    timeouts += queue > 0 ? 3 : 0;
    requests += 50;
    lines.push(`${startUnixS + second},${queue},${queue > 0 ? 17 : 6},17,${timeouts},${requests}`);
  }
  return `${lines.join('\n')}\n`;
}

const createdDirs: string[] = [];

/** Creates a temporary folder under the OS temp directory that `removeTempDirs` deletes. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `herd-${prefix}-`));
  createdDirs.push(dir);
  return dir;
}

/** Deletes every folder `makeTempDir` created; test files call it from `after`. */
export async function removeTempDirs(): Promise<void> {
  const dirs = createdDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
