// Runs a k6 script end to end: load, validate, setup, scenarios, teardown, thresholds, summary, outputs.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ResourceLimits } from 'node:worker_threads';
import { textSummary } from '../lib/report/text-summary.ts';
import type { SummaryData } from '../lib/report/text-summary.ts';
import { iterationStorage } from './context.ts';
import type { IterationContext } from './context.ts';
import { parseDurationMs } from './duration.ts';
import { ExitCode, invalidConfig, UnsupportedCallError } from './errors.ts';
import { runArrivalRate } from './executors/arrival-rate.ts';
import { runConstantVus, runIterations, runRampingVus } from './executors/closed-model.ts';
import { ScenarioRunner, waitUntil } from './executors/scenario-runner.ts';
import { formatProgress, formatRunHeader } from './console-output.ts';
import { ArrivalRateTracker, ResponseOutcomeCounter } from './progress-counters.ts';
import { loadScript } from './loader.ts';
import type { ScriptExports } from './loader.ts';
import { Logger } from './logger.ts';
import type { SampleListener } from './metrics.ts';
import type { Scenario } from './options.ts';
import { resolveOptions } from './options.ts';
import { CsvOutput } from './outputs/csv-output.ts';
import { JsonOutput } from './outputs/json-output.ts';
import { buildSummaryData, toSummaryExport } from './summary.ts';
import { warmUpHttp } from './http/warm-up.ts';
import { warnIfScheduleLags } from './schedule-lag.ts';
import { TestRun } from './test-run.ts';
import { bindThresholds, evaluateThresholds } from './thresholds.ts';
import type { Threshold } from './thresholds.ts';
import { parseExecutionSegment, type ExecutionSegment } from './execution-segment.ts';
import { runWorkers } from './workers/coordinator.ts';

/** Options of `runScript`, mirroring the flags of `herd run` (and of `k6 run`). */
export interface RunScriptOptions {
  scriptPath: string;
  /** `-e KEY=VALUE` values, added to the process environment in `__ENV`. */
  env?: Record<string, string>;
  /** `--out` values: `csv=FILE` or `json=FILE`. */
  outputs?: string[];
  /** `--summary-export FILE`: the summary in k6's older export shape. */
  summaryExport?: string;
  /** `--quiet`: no progress line. */
  quiet?: boolean;
  /** `--no-thresholds`: thresholds are neither evaluated nor able to fail the run. */
  noThresholds?: boolean;
  /** `--no-summary`: no end-of-test summary and no handleSummary call. */
  noSummary?: boolean;
  /** `--vus`, `--duration` (a k6 duration string), `--iterations`: override the script's shortcut options. */
  vus?: number;
  duration?: string;
  iterations?: number;
  /** Receivers of stdout and stderr text; the process streams by default. */
  writeStdout?: (text: string) => void;
  writeStderr?: (text: string) => void;
  /** Stops the run as Ctrl-C does; the CLI wires SIGINT to it. */
  signal?: AbortSignal;
  /**
   * More receivers of every sample after aggregation, beside the `--out` files; bench/engine-child.ts uses one.
   * NOTE: with `workers` above 1 they receive only the main thread's samples (vus, vus_max), because functions cannot cross threads.
   */
  listeners?: SampleListener[];
  /** `--execution-segment`, such as `1/3:2/3`: run only that share of every arrival-rate schedule. */
  executionSegment?: string;
  /** `--execution-segment-sequence`, such as `0,1/3,2/3,1`: all the segments the test is split into. */
  executionSegmentSequence?: string;
  /**
   * `--workers`: worker threads that run the scenarios, each a share of the test (default 1, which runs
   * everything in the calling thread). setup(), teardown() and handleSummary() run in the calling thread.
   */
  workers?: number;
  /** Heap limits of each worker thread, such as `{ maxOldGenerationSizeMb: 512 }`; Node's defaults when undefined. */
  workerResourceLimits?: ResourceLimits;
}

/**
 * Parses the execution segment flags. Only arrival-rate scenarios can be split for now: their
 * arrivals are numbered by the schedule, so each segment takes its own and together they run all.
 */
function resolveExecutionSegment(options: RunScriptOptions, scenarios: readonly Scenario[]): ExecutionSegment | undefined {
  if (options.executionSegment === undefined) {
    if (options.executionSegmentSequence !== undefined) throw invalidConfig('--execution-segment-sequence needs --execution-segment to say which segment this instance runs.');
    return undefined;
  }
  const segment = parseExecutionSegment(options.executionSegment, options.executionSegmentSequence);
  const closed = scenarios.filter((scenario) => scenario.executor !== 'constant-arrival-rate' && scenario.executor !== 'ramping-arrival-rate');
  if (closed.length > 0) {
    throw invalidConfig(`--segment and --execution-segment split arrival-rate scenarios only in the built-in engine, but ${closed.map((scenario) => `${scenario.name} (${scenario.executor})`).join(', ')} ${closed.length === 1 ? 'is' : 'are'} not. Run the whole test on one instance, or with k6.`);
  }
  return segment;
}

/** Builds the context of setup or teardown: VU id 0, no scenario, the phase's own group. */
function phaseContext(run: TestRun, groupName: string): IterationContext {
  const group = run.groups.group('', groupName);
  return {
    vu: { idInTest: 0, idInScenario: 0, iteration: 0, pool: undefined, jar: undefined, tags: {} },
    scenario: undefined,
    iterationInScenario: 0,
    groupPath: group.path,
    interruption: undefined,
    baseTags: { ...run.options?.tags },
  };
}

async function runPhase(run: TestRun, name: 'setup' | 'teardown', body: unknown, argument: unknown, timeoutMs: number): Promise<unknown> {
  if (typeof body !== 'function') return undefined;
  const context = phaseContext(run, name);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}() timed out after ${timeoutMs} ms; raise options.${name}Timeout or make ${name}() faster`)), timeoutMs);
  });
  try {
    const result = await Promise.race([iterationStorage.run(context, async () => (body as (data: unknown) => unknown)(argument)), timeout]);
    // setup data crosses to the VUs as JSON in k6, so functions and class instances do not survive.
    return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
  } finally {
    clearTimeout(timer);
    await context.vu.pool?.close();
  }
}

/** Waits for the scenario's startTime from `originMs` on the performance clock, then runs its executor. */
export function startScenario(run: TestRun, scenario: Scenario, exports: ScriptExports, setupData: unknown, originMs: number): Promise<void> {
  const runner = new ScenarioRunner(run, scenario, exports, setupData);
  return (async () => {
    await waitUntil(originMs + scenario.startTimeMs, run.stopController.signal);
    if (run.isStopping) return;
    switch (scenario.executor) {
      case 'constant-arrival-rate':
      case 'ramping-arrival-rate':
        return runArrivalRate(runner, scenario);
      case 'constant-vus':
        return runConstantVus(runner, scenario);
      case 'ramping-vus':
        return runRampingVus(runner, scenario);
      case 'per-vu-iterations':
      case 'shared-iterations':
        return runIterations(runner, scenario);
    }
  })();
}

function openOutputs(specs: string[], thresholds: Threshold[], run: TestRun): (CsvOutput | JsonOutput)[] {
  return specs.map((spec) => {
    const equals = spec.indexOf('=');
    const kind = equals < 0 ? spec : spec.slice(0, equals);
    const file = equals < 0 ? '' : spec.slice(equals + 1);
    if (file === '') throw invalidConfig(`--out ${spec}: missing file name; write --out ${kind}=FILE`);
    const onError = (error: Error): void => {
      run.logger.log('error', `writing samples to ${file} failed, so later samples are not written there; the summary and thresholds still count them: ${error.message}`, { output: kind });
    };
    if (kind === 'csv') return new CsvOutput(file, onError);
    if (kind === 'json') return new JsonOutput(file, thresholds, onError);
    throw invalidConfig(`--out ${spec}: output "${kind}" is not supported by the built-in engine; use csv=FILE or json=FILE`);
  });
}

/** Checks every scenario's exec names an exported function before anything starts (exit status 104). */
function checkExecFunctions(scenarios: Scenario[], exports: ScriptExports): void {
  const problems = scenarios
    .filter((scenario) => typeof exports[scenario.exec] !== 'function')
    .map((scenario) => `scenario "${scenario.name}": exec "${scenario.exec}" is not an exported function of the script`);
  if (problems.length > 0) throw invalidConfig(`invalid options:\n  - ${problems.join('\n  - ')}`);
}

/** Calls handleSummary (or renders the default text summary) and writes each returned key. */
async function writeSummary(run: TestRun, exports: ScriptExports, data: SummaryData, options: RunScriptOptions, stdout: (text: string) => void, stderr: (text: string) => void): Promise<void> {
  let outputs: Record<string, unknown> = { stdout: `\n${textSummary(data, { indent: ' ', enableColors: data.state?.isStdOutTTY === true })}\n\n` };
  if (typeof exports.handleSummary === 'function') {
    try {
      const returned: unknown = await exports.handleSummary(data);
      outputs = typeof returned === 'object' && returned !== null ? (returned as Record<string, unknown>) : {};
    } catch (error) {
      run.logger.log('error', `handleSummary() failed, so the default summary is printed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  for (const [key, value] of Object.entries(outputs)) {
    let text: string | Buffer = JSON.stringify(value);
    if (typeof value === 'string') text = value;
    if (value instanceof ArrayBuffer) text = Buffer.from(value);
    if (key === 'stdout') stdout(String(text));
    else if (key === 'stderr') stderr(String(text));
    else writeSummaryFile(run, path.resolve(process.cwd(), key), text);
  }
  if (options.summaryExport !== undefined) writeSummaryFile(run, path.resolve(options.summaryExport), JSON.stringify(toSummaryExport(data), null, 4));
}

/**
 * Writes one summary file, creating its folder. A failure is logged and the run keeps its exit
 * status, because the thresholds' verdict matters more than one file that could not be written.
 */
function writeSummaryFile(run: TestRun, filePath: string, text: string | Buffer): void {
  try {
    mkdirSync(path.dirname(filePath), { recursive: true });
    writeFileSync(filePath, text);
  } catch (error) {
    run.logger.log('error', `could not write the end-of-test summary to ${filePath}: ${(error as Error).message}`);
  }
}

/** Starts the once-a-second work: vus and vus_max samples, abortOnFail checks and the progress line. */
function startTicker(run: TestRun, thresholds: Threshold[], showProgress: boolean, stderr: (text: string) => void): () => void {
  let lastProgressLines = 0;
  const responses = new ResponseOutcomeCounter();
  const arrivalRates = new ArrivalRateTracker();
  if (showProgress) run.registry.listeners.push(responses);
  const sampleVus = (): void => {
    run.registry.add(run.builtin.vus, run.activeVUs, {});
    run.registry.add(run.builtin.vusMax, run.vusAllocated, {});
  };
  const tick = (): void => {
    sampleVus();
    warnIfScheduleLags(run);
    const elapsedMs = Date.now() - run.startedAtMs;
    const abortable = thresholds.filter((threshold) => threshold.abortOnFail && elapsedMs >= threshold.delayAbortEvalMs);
    if (abortable.length > 0 && evaluateThresholds(abortable, elapsedMs).length > 0) {
      run.stop({ message: `thresholds with abortOnFail were crossed: ${abortable.filter((t) => !t.ok).map((t) => `${t.metricKey} ${t.source}`).join(', ')}`, exitCode: ExitCode.thresholdsCrossed });
    }
    if (showProgress) {
      const block = formatProgress(elapsedMs, run.vusAllocated, run.scenarios, { responses, arrivalRates: arrivalRates.measure(run.scenarios, Date.now()) });
      stderr(`${lastProgressLines > 0 ? `\x1b[${lastProgressLines}A\x1b[J` : ''}${block}\n`);
      lastProgressLines = block.split('\n').length;
    }
  };
  const timer = setInterval(tick, 1000);
  return () => {
    clearInterval(timer);
    sampleVus();
    warnIfScheduleLags(run);
  };
}

/** Runs every scenario in the calling thread (unless setup failed) and returns the test run duration in ms. */
async function runInThisThread(run: TestRun, exports: ScriptExports, setup: { setupData: unknown } | undefined, ticker: { thresholds: Threshold[]; showProgress: boolean; stderr: (text: string) => void }): Promise<number> {
  const originMs = performance.now();
  run.startedAtMs = Date.now();
  const stopTicker = startTicker(run, ticker.thresholds, ticker.showProgress, ticker.stderr);
  if (setup !== undefined) {
    try {
      await Promise.all((run.options?.scenarios ?? []).map((scenario) => startScenario(run, scenario, exports, setup.setupData, originMs)));
    } catch (error) {
      if (!(error instanceof UnsupportedCallError)) throw error;
      run.stop({ message: error.message, exitCode: ExitCode.scriptException });
    }
  }
  const testRunDurationMs = performance.now() - originMs;
  stopTicker();
  return testRunDurationMs;
}

/** Checks `--workers`: a whole number of at least 1. */
function resolveWorkerCount(options: RunScriptOptions): number {
  const count = options.workers ?? 1;
  if (!Number.isInteger(count) || count < 1) throw invalidConfig(`--workers ${count} is invalid: expected a whole number of at least 1, or auto for one per core`);
  return count;
}

/**
 * Runs the k6 script at `options.scriptPath` on the built-in engine and resolves with k6's exit status:
 * 0, 99 when a threshold is crossed, 104 for invalid options, 105 after Ctrl-C, 107 for a script error,
 * 108 after `exec.test.abort()`. Configuration and script errors before the start are thrown as HerdUserError.
 */
export async function runScript(options: RunScriptOptions): Promise<{ exitCode: number }> {
  const stdout = options.writeStdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = options.writeStderr ?? ((text: string) => void process.stderr.write(text));
  const run = new TestRun(new Logger(stderr));
  run.environment = { ...(process.env as Record<string, string>), ...options.env };

  const exports = await loadScript(options.scriptPath, run);
  const durationMs = options.duration === undefined ? undefined : parseDurationMs(options.duration, '--duration');
  const engineOptions = resolveOptions(exports.options, { vus: options.vus, durationMs, iterations: options.iterations });
  run.options = engineOptions;
  checkExecFunctions(engineOptions.scenarios, exports);
  run.executionSegment = resolveExecutionSegment(options, engineOptions.scenarios);
  const thresholds = options.noThresholds === true ? [] : bindThresholds(engineOptions.thresholds, run.registry);
  const outputs = openOutputs(options.outputs ?? [], thresholds, run);
  run.registry.listeners.push(...outputs, ...(options.listeners ?? []));

  const outputNames = outputs.map((output) => `${output instanceof CsvOutput ? 'csv' : 'json'} (${output.filePath})`);
  stdout(formatRunHeader(path.basename(options.scriptPath), outputNames, engineOptions.scenarios, run.executionSegment?.share ?? 1));
  const onExternalStop = (): void => run.stop({ message: 'test run stopped by an interrupt signal', exitCode: ExitCode.externalAbort });
  options.signal?.addEventListener('abort', onExternalStop, { once: true });

  const workerCount = resolveWorkerCount(options);
  // Each worker warms up its own HTTP client, so the main thread only does when it runs the scenarios itself.
  if (workerCount === 1) {
    const warmUpError = await warmUpHttp();
    if (warmUpError !== undefined) run.logger.log('warning', `warming up the HTTP client on a private loopback server failed, so the first requests may be slower: ${warmUpError.message}`);
  }

  let setupData: unknown;
  let setupFailed = false;
  try {
    setupData = await runPhase(run, 'setup', exports.setup, undefined, engineOptions.setupTimeoutMs);
  } catch (error) {
    setupFailed = true;
    run.stop({ message: `setup() failed: ${(error as Error).stack ?? String(error)}`, exitCode: ExitCode.scriptException });
  }

  const showProgress = options.quiet !== true && process.stderr.isTTY === true && options.writeStderr === undefined;
  let testRunDurationMs = 0;
  if (workerCount > 1 && !setupFailed) {
    const processSegment = run.executionSegment === undefined ? undefined : { segment: run.executionSegment, text: options.executionSegment ?? '' };
    const inputs = { run, workerCount, processSegment, scriptPath: options.scriptPath, options: engineOptions, setupData, outputs, thresholds, noThresholds: options.noThresholds === true, showProgress, stderr };
    ({ testRunDurationMs } = await runWorkers({ ...inputs, resourceLimits: options.workerResourceLimits }));
  } else {
    testRunDurationMs = await runInThisThread(run, exports, setupFailed ? undefined : { setupData }, { thresholds, showProgress, stderr });
  }

  if (!setupFailed) {
    try {
      await runPhase(run, 'teardown', exports.teardown, setupData, engineOptions.teardownTimeoutMs);
    } catch (error) {
      run.logger.log('error', `teardown() failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  options.signal?.removeEventListener('abort', onExternalStop);
  if (run.abortReason !== undefined) run.logger.log('error', run.abortReason.message);
  if (run.iterationErrorCount > 0) run.logger.log('warning', `${run.iterationErrorCount} iterations ended with an exception; each distinct exception was logged once above`);

  const crossed = evaluateThresholds(thresholds, testRunDurationMs);
  if (options.noSummary !== true) {
    const data = buildSummaryData(run, { testRunDurationMs, thresholds, setupData, isStdOutTTY: process.stdout.isTTY === true && options.writeStdout === undefined, isStdErrTTY: process.stderr.isTTY === true });
    await writeSummary(run, exports, data, options, stdout, stderr);
  }
  await Promise.all(outputs.map((output) => output.close()));

  if (crossed.length > 0) {
    const names = [...new Set(crossed.map((threshold) => threshold.metricKey))].sort();
    run.logger.log('error', `thresholds on metrics '${names.join(', ')}' have been crossed`);
  }
  if (run.abortReason !== undefined) return { exitCode: run.abortReason.exitCode };
  return { exitCode: crossed.length > 0 ? ExitCode.thresholdsCrossed : ExitCode.success };
}
