import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareRuns, formatComparisonText, loadReportData } from '../lib/report/compare.ts';
import { HerdUserError, isHerdUserError } from '../lib/user-error.ts';

const usage = `Usage: herd compare BASELINE_RUN_DIR CANDIDATE_RUN_DIR [--tolerance 0.05] [--json FILE]

Sets two runs side by side: admitted share of users, peak admitted users/s, 503 share of
requests, p95 time to admit, and p95 latency overall and per request name. A quantity that got
worse by more than the tolerance is flagged as a regression.

Options:
  --tolerance F   allowed worsening as a fraction (default 0.05): relative for rates and latencies
                  (0.05 = 5 % lower peak or 5 % higher p95), absolute for shares (0.05 = 5 points)
  --json FILE     also write the comparison as JSON to FILE
  --quiet         print nothing; the exit status still tells
  -h, --help      show this help

Exit status: 0 when nothing regressed beyond the tolerance, 1 when something did, 2 for bad
arguments or a missing run folder. A run folder without report.json is analysed from its samples.
`;

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        tolerance: { type: 'string', default: '0.05' },
        json: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new HerdUserError('BAD_FLAG', `${error instanceof Error ? error.message : String(error)}\n\n${usage}`, 2);
  }
}

/** `herd compare`: prints two runs side by side and exits 1 when the second regressed beyond the tolerance. */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new HerdUserError('BAD_FLAG', `expected two run folders (baseline, then candidate), got ${positionals.length}.\n\n${usage}`, 2);
  }
  const toleranceFraction = Number(values.tolerance);
  if (!Number.isFinite(toleranceFraction) || toleranceFraction < 0 || toleranceFraction >= 1) {
    throw new HerdUserError('BAD_FLAG', `--tolerance must be a fraction from 0 up to 1, such as 0.05 for 5 %; got "${values.tolerance}".`, 2);
  }

  let comparison;
  try {
    const [baseline, candidate] = await Promise.all(positionals.map((dir) => loadReportData(resolve(dir))));
    if (baseline === undefined || candidate === undefined) throw new Error('two run folders were checked above');
    comparison = compareRuns(baseline, candidate, toleranceFraction);
  } catch (error) {
    // Exit status 1 means "regression", so a user error here exits 2.
    if (isHerdUserError(error)) throw new HerdUserError(error.code, error.message, 2);
    throw error;
  }

  if (values.json !== undefined) await writeFile(resolve(values.json), `${JSON.stringify(comparison, null, 2)}\n`);
  if (!values.quiet) console.log(formatComparisonText(comparison));
  return comparison.regressions > 0 ? 1 : 0;
}
