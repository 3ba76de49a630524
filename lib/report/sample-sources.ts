// Streams metric samples out of k6's `--out csv` and `--out json` files, one sample at a time,
// so that a multi-gigabyte file is read in bounded memory.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import Papa from 'papaparse';
import { HerdUserError } from '../user-error.ts';
import type { MetricSample } from './types.ts';

/** Counts of rows a reader skipped, filled in while it streams. */
export interface ReadCounters {
  malformedRows: number;
}

/** The columns of k6's CSV output (v0.49), in k6's order; `extra_tags` holds every other tag as `key=value&…`. */
export const K6_CSV_COLUMNS = [
  'metric_name', 'timestamp', 'metric_value', 'check', 'error', 'error_code', 'expected_response', 'group', 'method',
  'name', 'proto', 'scenario', 'service', 'status', 'subproto', 'tls_version', 'url', 'extra_tags', 'metadata',
] as const;

const REQUIRED_CSV_COLUMNS = ['metric_name', 'timestamp', 'metric_value'];
const NON_TAG_COLUMNS = new Set(['metric_name', 'timestamp', 'metric_value', 'extra_tags', 'metadata']);

/** Tells from a file's name whether it holds k6's JSON lines output rather than CSV. */
export function isJsonLinesPath(path: string): boolean {
  return /\.(jsonl|json|ndjson)(\.\w+)?$/i.test(path);
}

/** Splits k6's `extra_tags` cell (`platform=mobile&tier=gold`) into tags. */
export function parseExtraTags(cell: string, into: Record<string, string>): void {
  if (cell === '') return;
  for (const pair of cell.split('&')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    into[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
}

/** Receives each sample as a reader parses it; called synchronously, so it needs no buffering. */
export type SampleHandler = (sample: MetricSample) => void;

// Papaparse hands over about this much text at a time: large enough to amortise the callbacks, small enough for bounded memory.
const CSV_CHUNK_BYTES = 1 << 20;

/**
 * Streams the samples of a k6 CSV file to `onSample`. Rows with a missing metric name or a
 * non-numeric time or value are counted in `counters.malformedRows` and skipped; a file whose
 * header lacks k6's columns rejects with a HerdUserError with code `SAMPLES_NOT_K6_CSV`.
 */
export function readK6Csv(path: string, counters: ReadCounters, onSample: SampleHandler): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = createReadStream(path);
    let columns: string[] | undefined;
    let indexes = { metric: 0, time: 0, value: 0, extra: -1 };
    let failed = false;
    const fail = (error: Error, parser?: Papa.Parser): void => {
      failed = true;
      parser?.abort();
      input.destroy();
      reject(error);
    };
    input.on('error', (error) => fail(error));

    // Papaparse's chunk callback is far faster than iterating its Node stream row by row (measured about 15 times).
    Papa.parse<string[]>(input, {
      header: false,
      skipEmptyLines: true,
      chunkSize: CSV_CHUNK_BYTES,
      chunk: (results, parser) => {
        for (const row of results.data) {
          if (failed) return;
          if (columns === undefined) {
            const missing = REQUIRED_CSV_COLUMNS.filter((name) => !row.includes(name));
            if (missing.length > 0) {
              fail(new HerdUserError('SAMPLES_NOT_K6_CSV', `${path} is not k6 CSV output: its header lacks ${missing.join(', ')} (found "${row.slice(0, 5).join(',')}…"). Write it with \`k6 run --out csv=FILE\`.`), parser);
              return;
            }
            columns = row;
            indexes = { metric: row.indexOf('metric_name'), time: row.indexOf('timestamp'), value: row.indexOf('metric_value'), extra: row.indexOf('extra_tags') };
            continue;
          }
          const sample = csvRowToSample(row, columns, indexes.metric, indexes.time, indexes.value, indexes.extra);
          if (sample === undefined) counters.malformedRows += 1;
          else onSample(sample);
        }
      },
      complete: () => {
        if (!failed) resolve();
      },
      error: (error) => fail(error),
    });
  });
}

function csvRowToSample(row: string[], columns: string[], metricIndex: number, timeIndex: number, valueIndex: number, extraIndex: number): MetricSample | undefined {
  const metric = row[metricIndex];
  const timeUnixS = Number(row[timeIndex]);
  const value = Number(row[valueIndex]);
  // A row cut short (a truncated last line) lacks its later cells; k6 always writes all of them.
  if (row.length < columns.length || metric === undefined || metric === '' || row[timeIndex] === '' || !Number.isFinite(timeUnixS) || !Number.isFinite(value)) {
    return undefined;
  }

  const tags: Record<string, string> = {};
  for (let index = 0; index < columns.length; index += 1) {
    const cell = row[index];
    const column = columns[index];
    if (cell === undefined || cell === '' || column === undefined || NON_TAG_COLUMNS.has(column)) continue;
    tags[column] = cell;
  }
  if (extraIndex >= 0) parseExtraTags(row[extraIndex] ?? '', tags);
  return { metric, timeUnixS: Math.floor(timeUnixS), value, tags };
}

interface JsonPointLine {
  type?: unknown;
  metric?: unknown;
  data?: { time?: unknown; value?: unknown; tags?: unknown };
}

/**
 * Streams the `Point` samples of a k6 JSON lines file (`--out json`) to `onSample`. `Metric`
 * declaration lines are skipped; lines that are not JSON or lack a time or value are counted as malformed.
 */
export function readK6JsonLines(path: string, counters: ReadCounters, onSample: SampleHandler): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = createReadStream(path, { encoding: 'utf8' });
    let pending = '';
    const handleLine = (line: string): void => {
      if (line.trim() === '') return;
      const sample = parseK6JsonLine(line);
      if (sample === 'skip') return;
      if (sample === undefined) counters.malformedRows += 1;
      else onSample(sample);
    };
    input.on('data', (chunk: string | Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) handleLine(line);
    });
    input.on('end', () => {
      handleLine(pending);
      resolve();
    });
    input.on('error', reject);
  });
}

/** Parses one line of k6's JSON output: a sample for a `Point`, 'skip' for a `Metric` declaration, undefined for anything else. */
export function parseK6JsonLine(line: string): MetricSample | 'skip' | undefined {
  let parsed: JsonPointLine;
  try {
    parsed = JSON.parse(line) as JsonPointLine;
  } catch {
    // A line that is not JSON (such as a truncated last line) is counted by the caller.
    return undefined;
  }
  if (parsed.type === 'Metric') return 'skip';
  if (parsed.type !== 'Point' || typeof parsed.metric !== 'string' || parsed.data === undefined) return undefined;

  const timeMs = typeof parsed.data.time === 'string' ? Date.parse(parsed.data.time) : Number.NaN;
  const value = parsed.data.value;
  if (!Number.isFinite(timeMs) || typeof value !== 'number' || !Number.isFinite(value)) return undefined;

  const tags: Record<string, string> = {};
  const rawTags = parsed.data.tags;
  if (rawTags !== null && typeof rawTags === 'object') {
    for (const [key, tagValue] of Object.entries(rawTags)) {
      if (typeof tagValue === 'string') tags[key] = tagValue;
    }
  }
  return { metric: parsed.metric, timeUnixS: Math.floor(timeMs / 1000), value, tags };
}

/** Tells whether a file ends without a line break, the usual mark of a write that was cut off. */
export async function endsWithoutNewline(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const buffer = Buffer.alloc(1);
    await handle.read(buffer, 0, 1, size - 1);
    return buffer[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
