// Streams metric samples out of k6's `--out csv` and `--out json` files, one sample at a time,
// so that a multi-gigabyte file is read in bounded memory.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { HerdUserError } from '../user-error.ts';
import type { MetricSample } from './types.ts';

/** Counts of rows a reader skipped, filled in while it streams. */
export interface ReadCounters {
  malformedRows: number;
  /** Rows of metrics outside the reader's `metrics` filter, skipped before their tags were parsed. */
  ignoredRows: number;
  /** Bytes of (decompressed) text handed to the parser so far, for progress output. */
  bytesRead: number;
}

/** The columns of k6's CSV output (v0.49), in k6's order. `extra_tags` contains every other tag as `key=value&…`. */
export const K6_CSV_COLUMNS = [
  'metric_name', 'timestamp', 'metric_value', 'check', 'error', 'error_code', 'expected_response', 'group', 'method',
  'name', 'proto', 'scenario', 'service', 'status', 'subproto', 'tls_version', 'url', 'extra_tags', 'metadata',
] as const;

const REQUIRED_CSV_COLUMNS = ['metric_name', 'timestamp', 'metric_value'];
const NON_TAG_COLUMNS = new Set(['metric_name', 'timestamp', 'metric_value', 'extra_tags', 'metadata']);

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

// The file is read in pieces of this size: large enough to amortise the parser calls, small enough that
// the parser's garbage per piece (an array of strings per row) stays small.
const READ_CHUNK_BYTES = 1 << 18;
// A line longer than this is not k6 output; the limit keeps a file without line breaks from filling memory.
const MAX_LINE_BYTES = 64 << 20;

/** Column positions of a k6 CSV file, read from its header row. */
interface CsvLayout {
  columns: string[];
  metric: number;
  time: number;
  value: number;
  extra: number;
}

/**
 * Yields the file's text in pieces that end at a record boundary: the last line break outside
 * double quotes when `quotedFields` is set (a quoted CSV field may contain a line break), else the
 * last line break. The read stream's async iteration keeps reads in step with parsing (backpressure).
 */
export async function* readCompleteRecords(path: string, quotedFields: boolean, counters?: ReadCounters): AsyncGenerator<string> {
  const input = await openSampleFile(path);
  // The unfinished tail is kept as a copied Buffer: a string sliced from the previous piece would keep
  // that whole piece alive, and each piece the one before it, so memory would grow with the file.
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    if (counters !== undefined) counters.bytesRead += chunk.length;
    const bytes = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = quotedFields ? lastRecordEnd(bytes) : bytes.lastIndexOf(LINE_FEED);
    if (end < 0) {
      pending = bytes;
      if (pending.length > MAX_LINE_BYTES) {
        input.destroy();
        throw new HerdUserError('SAMPLES_NOT_K6_OUTPUT', `${path} has a line longer than ${MAX_LINE_BYTES >> 20} MB, so it is not k6 output. Write it with \`k6 run --out csv=FILE\` or \`--out json=FILE\`.`);
      }
      continue;
    }
    pending = Buffer.from(bytes.subarray(end + 1));
    // A line feed byte never occurs inside a multi-byte UTF-8 character, so each piece decodes on its own.
    yield bytes.toString('utf8', 0, end + 1);
  }
  if (pending.length > 0) yield pending.toString('utf8');
}

/**
 * Opens a sample file for reading, decompressing it when it starts with the gzip magic bytes
 * (k6 writes gzip when the output file name ends in `.gz`).
 */
export async function openSampleFile(path: string): Promise<Readable> {
  const handle = await open(path, 'r');
  const magic = Buffer.alloc(2);
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) return file;
  const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
  file.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => file.destroy());
  return file.pipe(gunzip);
}

const LINE_FEED = 0x0a;
const DOUBLE_QUOTE = 0x22;

/** Returns the index of the last line feed that is not inside a double-quoted field, or -1. */
function lastRecordEnd(bytes: Buffer): number {
  let end = bytes.lastIndexOf(LINE_FEED);
  while (end >= 0 && countQuotes(bytes, end) % 2 === 1) end = bytes.lastIndexOf(LINE_FEED, end - 1);
  return end;
}

function countQuotes(bytes: Buffer, before: number): number {
  let count = 0;
  for (let index = bytes.indexOf(DOUBLE_QUOTE); index >= 0 && index < before; index = bytes.indexOf(DOUBLE_QUOTE, index + 1)) count += 1;
  return count;
}

/**
 * Streams the samples of a k6 CSV file to `onSample`. Rows with a missing metric name or an
 * invalid time or value are counted in `counters.malformedRows` and skipped. When `metrics` is
 * given, rows of other metrics are only counted (`counters.ignoredRows`), which saves most of the
 * work on real k6 output: eight of its metrics per request are timing phases. A file whose header
 * lacks k6's columns rejects with a HerdUserError with code `SAMPLES_NOT_K6_CSV`.
 */
export async function readK6Csv(path: string, counters: ReadCounters, onSample: SampleHandler, metrics?: ReadonlySet<string>): Promise<void> {
  let layout: CsvLayout | undefined;
  for await (const text of readCompleteRecords(path, true, counters)) {
    // Parsing whole pieces with papaparse is far faster than iterating its Node stream row by row (about 15 times, measured).
    // The step callback hands over one row at a time, so no array of a whole piece's rows stays alive.
    let headerError: unknown;
    Papa.parse<string[]>(text, {
      header: false,
      skipEmptyLines: true,
      step: (results, parser) => {
        const row = results.data;
        if (layout === undefined) {
          try {
            layout = readCsvLayout(path, row);
          } catch (error) {
            headerError = error;
            parser.abort();
          }
          return;
        }
        if (metrics !== undefined && row.length === layout.columns.length && !metrics.has(row[layout.metric] ?? '')) {
          counters.ignoredRows += 1;
          return;
        }
        const sample = csvRowToSample(row, layout.columns, layout.metric, layout.time, layout.value, layout.extra);
        if (sample === undefined) counters.malformedRows += 1;
        else onSample(sample);
      },
    });
    if (headerError !== undefined) throw headerError;
  }
}

function readCsvLayout(path: string, header: string[]): CsvLayout {
  const missing = REQUIRED_CSV_COLUMNS.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    throw new HerdUserError('SAMPLES_NOT_K6_CSV', `${path} is not k6 CSV output: its header lacks ${missing.join(', ')} (found "${header.slice(0, 5).join(',')}…"). Write it with \`k6 run --out csv=FILE\`.`);
  }
  return { columns: header, metric: header.indexOf('metric_name'), time: header.indexOf('timestamp'), value: header.indexOf('metric_value'), extra: header.indexOf('extra_tags') };
}

function csvRowToSample(row: string[], columns: string[], metricIndex: number, timeIndex: number, valueIndex: number, extraIndex: number): MetricSample | undefined {
  const metric = row[metricIndex];
  const timeUnixS = parseK6Timestamp(row[timeIndex] ?? '');
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

/**
 * Parses a CSV timestamp in any of k6's `timeFormat` settings into Unix seconds: `unix` (the
 * default), `unix_milli`, `unix_micro` and `unix_nano` (distinguished by magnitude), or RFC 3339.
 * Returns NaN for anything else.
 */
export function parseK6Timestamp(cell: string): number {
  if (cell === '') return Number.NaN;
  const number = Number(cell);
  if (!Number.isFinite(number)) return Date.parse(cell) / 1000;
  // Seconds since 1970 stay below 1e11 until the year 5138, so larger numbers are finer units.
  if (number >= 1e17) return number / 1e9;
  if (number >= 1e14) return number / 1e6;
  if (number >= 1e11) return number / 1e3;
  return number;
}

interface JsonPointLine {
  type?: unknown;
  metric?: unknown;
  data?: { time?: unknown; value?: unknown; tags?: unknown };
}

/**
 * Streams the `Point` samples of a k6 JSON lines file (`--out json`) to `onSample`. `Metric`
 * declaration lines are skipped, and lines that are not JSON or lack a time or value are counted as malformed.
 */
export async function readK6JsonLines(path: string, counters: ReadCounters, onSample: SampleHandler): Promise<void> {
  const handleLine = (line: string): void => {
    if (line.trim() === '') return;
    const sample = parseK6JsonLine(line);
    if (sample === 'skip') return;
    if (sample === undefined) counters.malformedRows += 1;
    else onSample(sample);
  };
  for await (const text of readCompleteRecords(path, false, counters)) {
    for (const line of text.split('\n')) handleLine(line);
  }
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
