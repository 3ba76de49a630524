// Builds a run folder from a real k6 run's `--out csv` or `--out json` file, so that `herd report`
// covers runs made outside herd-test. JSON lines are converted to k6's CSV layout while streaming.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Papa from 'papaparse';
import { HerdUserError } from '../user-error.ts';
import type { AnalyzeOptions } from './analyze.ts';
import { buildReport, type ReportResult } from './build-report.ts';
import { isNotFound, readJsonFile } from './run-folder.ts';
import { K6_CSV_COLUMNS, openSampleFile, parseK6JsonLine, readCompleteRecords, type ReadCounters } from './sample-sources.ts';
import type { MetricSample } from './types.ts';

/** Options of `buildRunFolderFromK6`. */
export interface FromK6Options {
  /** k6's output file: CSV (`--out csv=…`) or JSON lines (`--out json=…`), optionally gzipped; the format is detected from its content. */
  inputPath: string;
  /** The run folder to create or fill. */
  outDir: string;
  /** Optional handleSummary JSON (what `handleSummary(data)` received) to keep as summary.json, for the thresholds. */
  summaryPath?: string;
  /** Optional plan.json from `herd plan --json`, for planned arrivals and the prediction. */
  planPath?: string;
  /** Called about once a second while the report reads the samples. */
  onProgress?: AnalyzeOptions['onProgress'];
}

/** Returns the first non-blank character of a (possibly gzipped) file, `{` for JSON lines, or undefined for an empty file. */
async function firstCharacter(path: string): Promise<string | undefined> {
  const input = await openSampleFile(path).catch((error: unknown) => {
    if (isNotFound(error)) {
      throw new HerdUserError('K6_OUTPUT_NOT_FOUND', `k6 output file ${path} does not exist. Pass the file written by \`k6 run --out csv=FILE\` or \`--out json=FILE\`.`);
    }
    throw error;
  });
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const text = chunk.toString('utf8').trimStart();
      if (text !== '') return text[0];
    }
    return undefined;
  } finally {
    input.destroy();
  }
}

/**
 * Creates `outDir` as a run folder from k6's output file, copies the optional summary and plan
 * into it, writes run.json, and builds the report. Raises K6_OUTPUT_NOT_FOUND for a missing input.
 */
export async function buildRunFolderFromK6(options: FromK6Options): Promise<ReportResult> {
  const first = await firstCharacter(options.inputPath);
  await mkdir(options.outDir, { recursive: true });
  const samplesPath = join(options.outDir, 'samples.csv');
  const counters: ReadCounters = { malformedRows: 0, ignoredRows: 0, bytesRead: 0 };
  if (first === '{') await convertJsonLinesToCsv(options.inputPath, samplesPath, counters);
  else await pipeline(await openSampleFile(options.inputPath), createWriteStream(samplesPath));

  if (options.summaryPath !== undefined) await copyJsonInput(options.summaryPath, join(options.outDir, 'summary.json'), '--summary');
  if (options.planPath !== undefined) await copyJsonInput(options.planPath, join(options.outDir, 'plan.json'), '--plan');
  const runInfo = {
    scenario: basename(options.inputPath).replace(/\.[^.]+$/, ''),
    engine: { kind: 'k6', version: 'unknown (imported from k6 output)' },
    importedFrom: resolve(options.inputPath),
    importedAtUtc: new Date().toISOString(),
    ...(first === '{' && counters.malformedRows > 0 ? { malformedInputLines: counters.malformedRows } : {}),
  };
  await writeFile(join(options.outDir, 'run.json'), `${JSON.stringify(runInfo, null, 2)}\n`);
  return buildReport(options.outDir, options.onProgress === undefined ? {} : { onProgress: options.onProgress });
}

async function copyJsonInput(from: string, to: string, flag: string): Promise<void> {
  const parsed = await readJsonFile(from);
  if (parsed.status === 'missing') throw new HerdUserError('INPUT_NOT_FOUND', `${flag} ${from} does not exist.`);
  if (parsed.status === 'invalid') throw new HerdUserError('INPUT_INVALID', `${flag} ${from} ${parsed.problem}. Pass a complete JSON file.`);
  await copyFile(from, to);
}

const STANDARD_COLUMNS = new Set<string>(K6_CSV_COLUMNS);

/** Formats one sample as a row of k6's CSV output; tags without a column of their own go to `extra_tags`. */
export function formatK6CsvRow(sample: MetricSample): string[] {
  const extra = Object.entries(sample.tags)
    .filter(([key]) => !STANDARD_COLUMNS.has(key))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  return K6_CSV_COLUMNS.map((column) => {
    if (column === 'metric_name') return sample.metric;
    if (column === 'timestamp') return String(sample.timeUnixS);
    if (column === 'metric_value') return sample.value.toFixed(6);
    if (column === 'extra_tags') return extra;
    if (column === 'metadata') return '';
    return sample.tags[column] ?? '';
  });
}

function convertLines(lines: string[], batch: string[][], counters: ReadCounters): void {
  for (const line of lines) {
    if (line.trim() === '') continue;
    const sample = parseK6JsonLine(line);
    if (sample === 'skip') continue;
    if (sample === undefined) counters.malformedRows += 1;
    else batch.push(formatK6CsvRow(sample));
  }
}

async function convertJsonLinesToCsv(inputPath: string, outputPath: string, counters: ReadCounters): Promise<void> {
  const output = createWriteStream(outputPath);
  const write = async (text: string): Promise<void> => {
    if (!output.write(text)) await once(output, 'drain');
  };
  await write(`${K6_CSV_COLUMNS.join(',')}\n`);
  // The reader calls back synchronously, so rows are batched and written between reads of the input.
  let batch: string[][] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const text = `${Papa.unparse(batch, { newline: '\n' })}\n`;
    batch = [];
    await write(text);
  };
  for await (const text of readCompleteRecords(inputPath, false)) {
    convertLines(text.split('\n'), batch, counters);
    await flush();
  }
  output.end();
  await once(output, 'finish');
}
