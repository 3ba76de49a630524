// `--out json=FILE`: k6's JSON lines, a `Metric` declaration before a metric's first `Point`.
import type { Metric, Sample, SampleListener, Tags } from '../metrics.ts';
import type { Threshold } from '../thresholds.ts';
import { LineWriter } from './line-writer.ts';
import type { LineSink } from './line-writer.ts';

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

const DECLARATION_PREFIX = '{"type":"Metric"';

/**
 * Writes samples as k6 JSON lines in batches. A worker thread passes a `lines` sink that posts its
 * lines to the main thread, whose output drops the declarations of metrics it has already declared.
 */
export class JsonOutput implements SampleListener {
  private readonly writer: LineSink;
  /** Names of the metrics whose `Metric` declaration is written. */
  private readonly declared = new Set<string>();
  private lastTags: Tags | undefined;
  private lastTagsJson = '';
  private lastTimeMs = NaN;
  private lastTimeJson = '';

  constructor(
    readonly filePath: string,
    private readonly thresholds: readonly Threshold[],
    onError: (error: Error) => void,
    lines: LineSink = new LineWriter(filePath, onError),
  ) {
    this.writer = lines;
  }

  /** Appends lines that a worker thread's JsonOutput formatted, keeping one declaration per metric. */
  writeFormattedLines(lines: readonly string[]): void {
    for (const line of lines) {
      if (line.startsWith(DECLARATION_PREFIX)) {
        const name = (JSON.parse(line) as { metric: string }).metric;
        if (this.declared.has(name)) continue;
        this.declared.add(name);
      }
      this.writer.writeLine(line);
    }
  }

  /** The first write error; once set, further lines are dropped and the run goes on. */
  get writeError(): Error | undefined {
    return this.writer.writeError;
  }

  private declaration(metric: Metric): string {
    const thresholds = this.thresholds.filter((threshold) => threshold.target === metric).map((threshold) => threshold.source);
    const submetrics = metric.submetrics.length === 0 ? null : metric.submetrics.map((submetric) => ({ name: submetric.name, suffix: submetric.suffix, tags: submetric.tags }));
    return JSON.stringify({ type: 'Metric', data: { name: metric.name, type: metric.type, contains: metric.contains, thresholds, submetrics }, metric: metric.name });
  }

  onSample(sample: Sample): void {
    if (!this.declared.has(sample.metric.name)) {
      this.declared.add(sample.metric.name);
      this.writer.writeLine(this.declaration(sample.metric));
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
    this.writer.writeLine(`{"metric":${JSON.stringify(sample.metric.name)},"type":"Point","data":{"time":${this.lastTimeJson},"value":${JSON.stringify(sample.value)},"tags":${this.lastTagsJson}}}`);
  }

  flush(): void {
    this.writer.flush();
  }

  /** Flushes and closes the file; resolves once the data is on disk. */
  close(): Promise<void> {
    return this.writer.close();
  }
}
