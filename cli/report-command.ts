import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ReadProgress } from '../lib/report/analyze.ts';
import { buildReport } from '../lib/report/build-report.ts';
import { buildRunFolderFromK6 } from '../lib/report/from-k6.ts';
import { formatTerminalSummary } from '../lib/report/terminal-summary.ts';
import { HerdUserError } from '../lib/user-error.ts';

const usage = `Usage: herd report RUN_DIR
       herd report --from-k6 FILE [--out-dir DIR] [--summary FILE] [--plan FILE]

Writes timeseries.csv, report.html, junit.xml, summary.md and report.json into a run folder,
from whatever the folder holds; missing or truncated files are listed in the report.

Options:
  --from-k6 FILE   build a run folder from a real k6 run's output: --out csv=FILE or --out json=FILE (.gz too)
  --out-dir DIR    the run folder --from-k6 creates (default results/<UTC time>-k6)
  --summary FILE   with --from-k6: handleSummary JSON to keep as summary.json (thresholds come from it)
  --plan FILE      with --from-k6: plan.json from \`herd plan --json\` (planned arrivals, prediction)
  --quiet          print nothing but errors (progress goes to stderr only when it is a terminal)
  -h, --help       show this help

Exit status: 0 when the report was written, even if thresholds were crossed; 1 for a missing run
folder or input file; 2 for bad flags.
`;

/** Formats a time as a run folder name prefix, `20261204T201500Z`, as herd-test names its folders. */
function formatFolderTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        'from-k6': { type: 'string' },
        'out-dir': { type: 'string' },
        summary: { type: 'string' },
        plan: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new HerdUserError('BAD_FLAG', `${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
}

/** Returns a progress printer for stderr, or undefined when stderr is not a terminal or --quiet is set. */
function createProgressPrinter(quiet: boolean): { onProgress: (progress: ReadProgress) => void; finish: () => void } | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  let printed = false;
  const toMb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
  return {
    onProgress: (progress) => {
      const percent = progress.totalBytes === 0 ? 0 : Math.min(100, (100 * progress.bytesRead) / progress.totalBytes);
      process.stderr.write(`\rherd report: reading ${progress.file}: ${toMb(progress.bytesRead)} of ${toMb(progress.totalBytes)} MB (${percent.toFixed(0)} %)`);
      printed = true;
    },
    finish: () => {
      if (printed) process.stderr.write('\n');
    },
  };
}

/** `herd report`: rebuilds a run folder's report, or builds a run folder from k6's output first. */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args);
  if (values.help) {
    console.log(usage);
    return 0;
  }

  const fromK6 = values['from-k6'];
  if (fromK6 === undefined && (values['out-dir'] !== undefined || values.summary !== undefined || values.plan !== undefined)) {
    throw new HerdUserError('BAD_FLAG', '--out-dir, --summary and --plan only apply with --from-k6 FILE.', 2);
  }
  if (fromK6 !== undefined && positionals.length > 0) {
    throw new HerdUserError('BAD_FLAG', `--from-k6 builds its own run folder; drop the extra argument(s) ${positionals.join(', ')} or use --out-dir DIR.`, 2);
  }
  if (fromK6 === undefined && positionals.length !== 1) {
    throw new HerdUserError('BAD_FLAG', `expected one run folder, got ${positionals.length === 0 ? 'none' : positionals.join(', ')}.\n\n${usage}`, 2);
  }

  const progress = createProgressPrinter(values.quiet);
  const progressOption = progress === undefined ? {} : { onProgress: progress.onProgress };
  const result = fromK6 === undefined
    ? await buildReport(resolve(positionals[0] ?? '.'), progressOption).finally(() => progress?.finish())
    : await buildRunFolderFromK6({
      inputPath: resolve(fromK6),
      outDir: resolve(values['out-dir'] ?? join('results', `${formatFolderTime(new Date())}-k6`)),
      ...(values.summary === undefined ? {} : { summaryPath: resolve(values.summary) }),
      ...(values.plan === undefined ? {} : { planPath: resolve(values.plan) }),
      ...progressOption,
    }).finally(() => progress?.finish());

  if (!values.quiet) {
    console.log(formatTerminalSummary(result.data));
    console.log(`Report: ${result.files.html}`);
  }
  return 0;
}
