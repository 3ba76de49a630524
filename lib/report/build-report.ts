// Rebuilds every report file of a run folder from what the folder holds.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HerdUserError } from '../user-error.ts';
import { analyzeRunFolder, type AnalyzeOptions } from './analyze.ts';
import { formatHtmlReport, loadChartAssets } from './html-report.ts';
import { formatJunitXml } from './junit-xml.ts';
import { formatMarkdownSummary } from './markdown-summary.ts';
import { formatTimeSeriesCsv } from './timeseries-csv.ts';
import type { ReportData } from './types.ts';

/** Version of the report.json layout; `herd compare` rebuilds the data from samples when it differs. */
export const REPORT_DATA_VERSION = 1;

/** The files `buildReport` wrote, by kind, as absolute or runDir-relative paths as given. */
export interface ReportFiles {
  timeSeriesCsv: string;
  html: string;
  junitXml: string;
  markdown: string;
  /** report.json: the ReportData behind every printer, which `herd compare` reads. */
  dataJson: string;
}

/** Result of `buildReport`: the data it computed and the path of each file it wrote. */
export interface ReportResult {
  data: ReportData;
  files: ReportFiles;
}

/**
 * Reads the run folder `runDir` and writes timeseries.csv, report.html, junit.xml, summary.md and
 * report.json into it. Missing or broken input files become notes in the report; only a missing
 * folder raises a HerdUserError (`RUN_DIR_NOT_FOUND`).
 */
export async function buildReport(runDir: string, options: AnalyzeOptions = {}): Promise<ReportResult> {
  await assertDirectory(runDir);
  const [data, assets] = await Promise.all([analyzeRunFolder(runDir, options), loadChartAssets()]);
  const files: ReportFiles = {
    timeSeriesCsv: join(runDir, 'timeseries.csv'),
    html: join(runDir, 'report.html'),
    junitXml: join(runDir, 'junit.xml'),
    markdown: join(runDir, 'summary.md'),
    dataJson: join(runDir, 'report.json'),
  };
  await Promise.all([
    writeFile(files.timeSeriesCsv, formatTimeSeriesCsv(data.rows)),
    writeFile(files.html, formatHtmlReport(data, assets)),
    writeFile(files.junitXml, formatJunitXml(data)),
    writeFile(files.markdown, formatMarkdownSummary(data)),
    writeFile(files.dataJson, `${JSON.stringify({ reportDataVersion: REPORT_DATA_VERSION, ...data })}\n`),
  ]);
  return { data, files };
}

/** Raises RUN_DIR_NOT_FOUND unless `runDir` is an existing directory. */
export async function assertDirectory(runDir: string): Promise<void> {
  const info = await stat(runDir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (info === undefined || !info.isDirectory()) {
    throw new HerdUserError('RUN_DIR_NOT_FOUND', `run folder ${runDir} ${info === undefined ? 'does not exist' : 'is not a directory'}. Pass a folder under results/, such as the one \`herd herd-test\` printed.`);
  }
}
