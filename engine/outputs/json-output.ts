// `--out json=FILE`: k6's JSON lines, a `Metric` declaration before a metric's first `Point`.
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import type { Metric, Sample, SampleListener, Tags } from '../metrics.ts';
import type { Threshold } from '../thresholds.ts';

const FLUSH_LINES = 512;

function sortedTags(tags: Tags): Tags {
  const sorted: Tags = {};
  for (const key of Object.keys(tags).sort()) sorted[key] = tags[key] as string;
  return sorted;
}

/** Formats milliseconds since the epoch as RFC 3339 with nine fraction digits, as k6 writes times. */
export function formatRfc3339Nano(timeMs: number): string {
  const wholeMs = Math.floor(timeMs);
  const iso = new Date(wholeMs).toISOString();
  const nanos = Math.round((timeMs - wholeMs) * 1e6);
  return `${iso.slice(0, 23)}${String(nanos).padStart(6, '0').slice(0, 6)}Z`;
}

/** Writes samples as k6 JSON lines in batches. */
export class JsonOutput implements SampleListener {
  private readonly stream: WriteStream;
  private readonly declared = new Set<Metric>();
  private buffer: string[] = [];
  private lastTags: Tags | undefined;
  private lastTagsJson = '';
  private lastTimeMs = NaN;
  private lastTimeJson = '';

  /** The first write error; once set, further lines are dropped and the run goes on. */
  writeError: Error | undefined;

  constructor(
    readonly filePath: string,
    private readonly thresholds: readonly Threshold[],
    onError: (error: Error) => void,
  ) {
    this.stream = createWriteStream(filePath);
    this.stream.on('error', (error) => {
      if (this.writeError === undefined) onError(error);
      this.writeError ??= error;
    });
  }

  private declaration(metric: Metric): string {
    const thresholds = this.thresholds.filter((threshold) => threshold.target === metric).map((threshold) => threshold.source);
    const submetrics = metric.submetrics.length === 0 ? null : metric.submetrics.map((submetric) => ({ name: submetric.name, suffix: submetric.suffix, tags: submetric.tags }));
    return JSON.stringify({ type: 'Metric', data: { name: metric.name, type: metric.type, contains: metric.contains, thresholds, submetrics }, metric: metric.name });
  }

  onSample(sample: Sample): void {
    if (!this.declared.has(sample.metric)) {
      this.declared.add(sample.metric);
      this.buffer.push(this.declaration(sample.metric));
    }
    // The samples of one request share one tags object and one time and arrive in a row, so both are formatted once.
    if (sample.tags !== this.lastTags) {
      this.lastTags = sample.tags;
      this.lastTagsJson = JSON.stringify(sortedTags(sample.tags));
    }
    if (sample.timeMs !== this.lastTimeMs) {
      this.lastTimeMs = sample.timeMs;
      this.lastTimeJson = JSON.stringify(formatRfc3339Nano(sample.timeMs));
    }
    // The same text JSON.stringify gives for { metric, type, data: { time, value, tags } }.
    this.buffer.push(`{"metric":${JSON.stringify(sample.metric.name)},"type":"Point","data":{"time":${this.lastTimeJson},"value":${JSON.stringify(sample.value)},"tags":${this.lastTagsJson}}}`);
    if (this.buffer.length >= FLUSH_LINES) this.flush();
  }

  flush(): void {
    if (this.writeError !== undefined) this.buffer = [];
    if (this.buffer.length === 0) return;
    this.stream.write(`${this.buffer.join('\n')}\n`);
    this.buffer = [];
  }

  close(): Promise<void> {
    this.flush();
    if (this.writeError !== undefined || this.stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      // A failed final write is reported through the error listener; the run still ends normally.
      this.stream.once('error', () => resolve());
      this.stream.end(resolve);
    });
  }
}
