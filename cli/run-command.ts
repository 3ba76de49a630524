// `herd run [flags] script.js`: runs a k6 script on the built-in engine with `k6 run`'s flags.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { HerdUserError } from '../lib/user-error.ts';
import { runScript } from '../engine/index.ts';
import { evenSegmentText, evenSequence } from '../engine/workers/split.ts';

const USAGE = `Usage: herd run [flags] script.js

Runs a k6 script on the built-in engine. Flags follow \`k6 run\`.

  -e, --env KEY=VALUE        add KEY to __ENV (repeatable)
  -o, --out csv=FILE         write every sample as CSV; also json=FILE (repeatable)
      --summary-export FILE  write the end-of-test summary in k6's export JSON shape
  -u, --vus N                number of VUs for the shortcut scenario
  -d, --duration DURATION    duration of the shortcut scenario, such as 30s or 1m30s
  -i, --iterations N         total iterations of the shortcut scenario
  -q, --quiet                no progress line
      --no-thresholds        do not evaluate thresholds
      --no-summary           no end-of-test summary and no handleSummary call
      --execution-segment FROM:TO
                             run only this share of every arrival-rate schedule, such as 1/3:2/3
      --execution-segment-sequence 0,A,B,…,1
                             all segments the test is split into (default: 0, FROM, TO, 1)
      --segment I/N          run segment I (1 to N) of N even segments; short for
                             --execution-segment (I-1)/N:I/N --execution-segment-sequence 0,1/N,…,1
      --workers N|auto       worker threads that share the scenarios (default 1; auto: one per core)

Exit status: 0, 2 for a bad flag, 99 when a threshold is crossed, 104 for invalid
options in the script, 105 after Ctrl-C or SIGTERM, 107 for a script error,
108 after exec.test.abort().`;

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new HerdUserError('RUN_BAD_FLAG', `-e ${pair}: expected KEY=VALUE, such as -e HERD_SCALE=0.1`, 2);
    env[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return env;
}

function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new HerdUserError('RUN_BAD_FLAG', `${flag} ${value}: expected a whole number of at least 1`, 2);
  return count;
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        env: { type: 'string', short: 'e', multiple: true, default: [] },
        out: { type: 'string', short: 'o', multiple: true, default: [] },
        'summary-export': { type: 'string' },
        vus: { type: 'string', short: 'u' },
        duration: { type: 'string', short: 'd' },
        iterations: { type: 'string', short: 'i' },
        quiet: { type: 'boolean', short: 'q', default: false },
        'no-thresholds': { type: 'boolean', default: false },
        'no-summary': { type: 'boolean', default: false },
        'execution-segment': { type: 'string' },
        'execution-segment-sequence': { type: 'string' },
        segment: { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new HerdUserError('RUN_BAD_FLAG', `${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

/** Most worker threads `--workers` accepts: each costs about 20 MB and 0.2 s of CPU to start. */
const MAX_WORKERS = 64;

/** Most segments `--segment` accepts: the sequence lists every one, and a test split further has under one VU per segment. */
const MAX_SEGMENTS = 1000;

function parseWorkers(value: string | undefined): number | undefined {
  if (value === 'auto') return availableParallelism();
  // Number() also reads "0x2", "1e1" and " 2", which are not what a user means by a count.
  if (value !== undefined && !/^\d+$/.test(value)) throw new HerdUserError('RUN_BAD_FLAG', `--workers ${value}: expected a whole number of at least 1, or auto`, 2);
  const workers = parseCount('--workers', value);
  if (workers !== undefined && workers > MAX_WORKERS) {
    throw new HerdUserError('RUN_BAD_FLAG', `--workers ${value}: at most ${MAX_WORKERS} worker threads; this machine has ${availableParallelism()} cores, and workers beyond the cores only add memory`, 2);
  }
  if (workers !== undefined && workers > availableParallelism()) {
    process.stderr.write(`herd run: --workers ${workers} is more than this machine's ${availableParallelism()} cores, so the workers share them and run slower than fewer would\n`);
  }
  return workers;
}

/**
 * Turns `--segment I/N` into the execution segment flags of segment I of N even segments, or returns
 * the flags as given. `--segment` together with `--execution-segment` is a usage error.
 */
export function resolveSegmentFlags(segment: string | undefined, executionSegment: string | undefined, sequence: string | undefined): { executionSegment?: string; executionSegmentSequence?: string } {
  if (segment === undefined) return { executionSegment, executionSegmentSequence: sequence };
  if (executionSegment !== undefined || sequence !== undefined) {
    throw new HerdUserError('RUN_BAD_FLAG', '--segment cannot be combined with --execution-segment or --execution-segment-sequence; use one or the other', 2);
  }
  const match = /^(\d+)\/(\d+)$/.exec(segment.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new HerdUserError('RUN_BAD_FLAG', `--segment ${segment} is invalid: expected I/N with I from 1 to N, such as --segment 2/4 for the second of four segments`, 2);
  }
  if (count > MAX_SEGMENTS) {
    throw new HerdUserError('RUN_BAD_FLAG', `--segment ${segment} is invalid: at most ${MAX_SEGMENTS} segments; split the test across fewer instances`, 2);
  }
  return { executionSegment: evenSegmentText(index - 1, count), executionSegmentSequence: evenSequence(count) };
}

/** Parses `herd run` flags, runs the script and returns k6's exit status; a second Ctrl-C exits at once. */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new HerdUserError('RUN_BAD_FLAG', `expected exactly one script, got ${positionals.length}.\n\n${USAGE}`, 2);

  const stopController = new AbortController();
  let interrupts = 0;
  // SIGTERM is what CI runners and container runtimes send on cancel, so it stops the run as Ctrl-C does and the results are written.
  const onSigint = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      const how = signal === 'SIGTERM' ? 'Send SIGTERM again' : 'Press Ctrl-C again';
      process.stderr.write(`\nStopping on ${signal}: no new iterations start; running ones get their gracefulStop. ${how} to exit at once.\n`);
      stopController.abort();
      return;
    }
    process.exit(105);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const { exitCode } = await runScript({
      scriptPath: positionals[0] as string,
      env: parseEnv(values.env),
      outputs: values.out,
      summaryExport: values['summary-export'],
      vus: parseCount('--vus', values.vus),
      duration: values.duration,
      iterations: parseCount('--iterations', values.iterations),
      quiet: values.quiet,
      noThresholds: values['no-thresholds'],
      noSummary: values['no-summary'],
      signal: stopController.signal,
      ...resolveSegmentFlags(values.segment, values['execution-segment'], values['execution-segment-sequence']),
      workers: parseWorkers(values.workers),
    });
    return exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
