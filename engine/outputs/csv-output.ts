// `--out csv=FILE`: one row per sample in k6's column layout; tags outside the standard columns go to extra_tags.
import type { Sample, SampleListener, Tags } from '../metrics.ts';
import { LineWriter } from './line-writer.ts';
import type { LineSink } from './line-writer.ts';

/** k6's CSV columns between metric_value and extra_tags, each a system tag of the same name. */
export const CSV_TAG_COLUMNS = ['check', 'error', 'error_code', 'expected_response', 'group', 'method', 'name', 'proto', 'scenario', 'service', 'status', 'subproto', 'tls_version', 'url'];
/** The header row of k6's CSV output. */
export const CSV_HEADER = ['metric_name', 'timestamp', 'metric_value', ...CSV_TAG_COLUMNS, 'extra_tags', 'metadata'].join(',');

const STANDARD = new Set(CSV_TAG_COLUMNS);

function quote(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Formats the columns of a row that come from its tags: the tag columns, extra_tags as `k=v&k2=v2`, and the empty metadata. */
export function formatCsvTagColumns(tags: Tags): string {
  const columns: string[] = [];
  for (const tag of CSV_TAG_COLUMNS) columns.push(quote(tags[tag] ?? ''));
  const extra = Object.keys(tags)
    .filter((key) => !STANDARD.has(key))
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(tags[key] as string)}`)
    .join('&');
  columns.push(quote(extra), '');
  return columns.join(',');
}

/** Formats one sample as a CSV row: whole-second timestamp, value with six decimals, extra tags as `k=v&k2=v2`. */
export function formatCsvRow(sample: Sample, tagColumns = formatCsvTagColumns(sample.tags)): string {
  return `${quote(sample.metric.name)},${Math.floor(sample.timeMs / 1000)},${sample.value.toFixed(6)},${tagColumns}`;
}

/**
 * Writes samples to a CSV file in batches. A worker thread passes a `lines` sink that posts its rows
 * to the main thread, and `writeHeader` false, because the main thread's output writes the header.
 */
export class CsvOutput implements SampleListener {
  private readonly writer: LineSink;
  private lastTags: Tags | undefined;
  private lastTagColumns = '';

  constructor(
    readonly filePath: string,
    onError: (error: Error) => void,
    lines: LineSink = new LineWriter(filePath, onError),
    writeHeader = true,
  ) {
    this.writer = lines;
    if (!writeHeader) return;
    // The header goes out at once, so an unwritable file is reported while the run is young.
    this.writer.writeLine(CSV_HEADER);
    this.writer.flush();
  }

  /** Appends rows that a worker thread's CsvOutput formatted. */
  writeFormattedLines(lines: readonly string[]): void {
    for (const line of lines) this.writer.writeLine(line);
  }

  /** The first write error; once set, further rows are dropped and the run goes on. */
  get writeError(): Error | undefined {
    return this.writer.writeError;
  }

  onSample(sample: Sample): void {
    // The samples of one request share one tags object and arrive in a row, so their tag columns are formatted once.
    if (sample.tags !== this.lastTags) {
      this.lastTags = sample.tags;
      this.lastTagColumns = formatCsvTagColumns(sample.tags);
    }
    this.writer.writeLine(formatCsvRow(sample, this.lastTagColumns));
  }

  flush(): void {
    this.writer.flush();
  }

  /** Flushes and closes the file; resolves once the data is on disk. */
  close(): Promise<void> {
    return this.writer.close();
  }
}
