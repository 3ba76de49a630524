// Streams metric samples out of k6's `--out csv` and `--out json` files, one sample at a time,
// so that a multi-gigabyte file is read in bounded memory.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

/**
 * Yields the samples of a k6 CSV file. Rows with a missing metric name or a non-numeric time or
 * value are counted in `counters.malformedRows` and skipped; a file whose header lacks k6's
 * columns raises a HerdUserError with code `SAMPLES_NOT_K6_CSV`.
 */
export async function* readK6Csv(path: string, counters: ReadCounters): AsyncGenerator<MetricSample> {
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { header: false, skipEmptyLines: true });
  const input = createReadStream(path);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  let columns: string[] | undefined;
  let metricIndex = 0;
  let timeIndex = 0;
  let valueIndex = 0;
  let extraIndex = -1;
  for await (const row of parser as AsyncIterable<string[]>) {
    if (columns === undefined) {
      columns = row;
      const missing = REQUIRED_CSV_COLUMNS.filter((name) => !row.includes(name));
      if (missing.length > 0) {
        input.destroy();
        throw new HerdUserError('SAMPLES_NOT_K6_CSV', `${path} is not k6 CSV output: its header lacks ${missing.join(', ')} (found "${row.slice(0, 5).join(',')}…"). Write it with \`k6 run --out csv=FILE\`.`);
      }
      metricIndex = row.indexOf('metric_name');
      timeIndex = row.indexOf('timestamp');
      valueIndex = row.indexOf('metric_value');
      extraIndex = row.indexOf('extra_tags');
      continue;
    }

    const sample = csvRowToSample(row, columns, metricIndex, timeIndex, valueIndex, extraIndex);
    if (sample === undefined) {
      counters.malformedRows += 1;
      continue;
    }
    yield sample;
  }
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
 * Yields the `Point` samples of a k6 JSON lines file (`--out json`). `Metric` declaration lines
 * are skipped; lines that are not JSON or lack a time or value are counted as malformed.
 */
export async function* readK6JsonLines(path: string, counters: ReadCounters): AsyncGenerator<MetricSample> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const sample = jsonLineToSample(line);
    if (sample === 'skip') continue;
    if (sample === undefined) {
      counters.malformedRows += 1;
      continue;
    }
    yield sample;
  }
}

function jsonLineToSample(line: string): MetricSample | 'skip' | undefined {
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
