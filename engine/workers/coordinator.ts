// The main thread's side of a run on worker threads. It starts one worker per share of the test and
// forwards their log and output lines. A merged view of their snapshots drives the progress line and
// abortOnFail thresholds, and at the end their metrics and checks are merged into the main run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { ResourceLimits } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createScenarioState, type ScenarioState } from '../context.ts';
import { formatProgress } from '../console-output.ts';
import { ExitCode } from '../errors.ts';
import { mergeMetricSnapshots } from '../metrics.ts';
import type { MetricSnapshot } from '../metrics.ts';
import type { EngineOptions } from '../options.ts';
import type { ExecutionSegment } from '../execution-segment.ts';
import { CsvOutput } from '../outputs/csv-output.ts';
import type { JsonOutput } from '../outputs/json-output.ts';
import { ArrivalRateTracker, ResponseOutcomeCounter } from '../progress-counters.ts';
import { warnIfScheduleLags } from '../schedule-lag.ts';
import { TestRun } from '../test-run.ts';
import { evaluateThresholds, parseMetricKey } from '../thresholds.ts';
import type { Threshold } from '../thresholds.ts';
import { mergeGroupSnapshot } from './groups.ts';
import type { GroupSnapshot, MainMessage, ScenarioProgress, WorkerMessage, WorkerProgress, WorkerStartData } from './protocol.ts';
import { planWorkers } from './split.ts';
import type { WorkerPlan } from './split.ts';

const WORKER_SOURCE = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
// Loads worker-main.ts through tsx, for when bundling it failed.
const TYPESCRIPT_WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);
// Workers that are ready wait this long for the shared time origin, so the start message reaches all of them first.
const START_DELAY_MS = 50;
// A worker that sent its final snapshot but still has open handles (a script's timer) is ended after this long.
const EXIT_GRACE_MS = 2000;
// Time a stopped worker gets beyond the longest gracefulStop to send its final snapshot.
const STOP_GRACE_MS = 5000;
const TICK_MS = 1000;

/** Inputs of a run on worker threads, prepared by runScript in the main thread. */
export interface WorkerRunInputs {
  run: TestRun;
  workerCount: number;
  /** The `--execution-segment` this process runs, which the workers divide; the whole test when undefined. */
  processSegment?: { segment: ExecutionSegment; text: string };
  scriptPath: string;
  options: EngineOptions;
  setupData: unknown;
  outputs: (CsvOutput | JsonOutput)[];
  /** The main run's thresholds; those with abortOnFail are judged once a second on the merged view. */
  thresholds: Threshold[];
  noThresholds: boolean;
  showProgress: boolean;
  stderr: (text: string) => void;
  /** Heap limits of every worker, such as `{ maxOldGenerationSizeMb: 512 }`; Node's defaults when undefined. */
  resourceLimits?: ResourceLimits;
}

/** One worker as the main thread tracks it. */
interface WorkerHandle {
  plan: WorkerPlan;
  worker: Worker;
  /** The final snapshot arrived: the worker's share ran to its end. */
  finished: boolean;
  exited: Promise<void>;
  error: Error | undefined;
  exitCode: number | undefined;
  /** Reason the main thread terminated the worker, when it did. */
  terminatedBecause: string | undefined;
  diedAtMs: number | undefined;
  progress: WorkerProgress | undefined;
  /** Metrics of the latest snapshot (the watched ones at least). */
  latestMetrics: MetricSnapshot[];
  /** Every metric and the group tree from the latest complete snapshot. */
  complete: { metrics: MetricSnapshot[]; groups: GroupSnapshot | undefined; atMs: number } | undefined;
}

function workerName(handle: WorkerHandle, count: number): string {
  return `worker ${handle.plan.index + 1} of ${count}, segment ${handle.plan.segmentText}`;
}

let bundledWorker: Promise<URL> | undefined;

/**
 * Bundles worker-main.ts and the engine code it imports into one ES module in a temporary folder,
 * once per process, with packages imported from their installed files. Workers load that module
 * without a TypeScript loader: loading the engine through tsx took about 0.7 s of CPU per worker
 * here, and bundling takes about 0.1 s once.
 */
function bundleWorker(): Promise<URL> {
  bundledWorker ??= (async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'herd-worker-'));
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    const file = path.join(directory, 'worker.mjs');
    await build({
      entryPoints: [WORKER_SOURCE],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      plugins: [
        {
          name: 'installed-packages',
          setup(pluginBuild) {
            // A bare import becomes the absolute URL of the installed package, so the bundle runs from any folder.
            pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path.startsWith('node:') ? args.path : import.meta.resolve(args.path), external: true }));
          },
        },
      ],
    });
    return pathToFileURL(file);
  })();
  return bundledWorker;
}

/** Returns the module the workers start from: the bundle, or the TypeScript entry if bundling failed. */
async function resolveWorkerEntry(run: TestRun): Promise<URL> {
  try {
    return await bundleWorker();
  } catch (error) {
    run.logger.log('warning', `bundling the worker code failed, so each worker compiles the engine itself, which takes longer to start: ${(error as Error).message}`);
    return TYPESCRIPT_WORKER_ENTRY;
  }
}

/** Forwards a worker's log line; warnings and errors that several workers log alike are written once. */
function forwardLog(seenLines: Set<string>, line: string, fromConsole: boolean, stderr: (text: string) => void): void {
  if (!fromConsole) {
    const withoutTime = line.replace(/^time="[^"]*" /, '');
    if (seenLines.has(withoutTime)) return;
    seenLines.add(withoutTime);
  }
  stderr(line);
}

function startWorker(inputs: WorkerRunInputs, entry: URL, plan: WorkerPlan, watchedMetricNames: string[]): WorkerHandle {
  const outputKinds = inputs.outputs.map((output): 'csv' | 'json' => (output instanceof CsvOutput ? 'csv' : 'json'));
  const data: WorkerStartData = {
    scriptPath: inputs.scriptPath,
    environment: inputs.run.environment,
    options: { ...inputs.options, scenarios: plan.scenarios },
    segment: plan.segment,
    firstVuId: plan.firstVuId,
    setupData: inputs.setupData,
    outputKinds,
    thresholdDefinitions: inputs.noThresholds ? {} : inputs.options.thresholds,
    watchedMetricNames,
    countResponses: inputs.showProgress,
  };
  // The bundle is plain JavaScript, so workers need none of the parent's loader flags, such as --import tsx.
  // NOTE: engine stack traces from a worker name lines of the bundle. --enable-source-maps would map them to
  // the TypeScript files, but two saturated workers then sent about 12,700 instead of 18,000 requests/s here.
  const execArgv = entry === TYPESCRIPT_WORKER_ENTRY ? undefined : [];
  const worker = new Worker(entry, { workerData: data, resourceLimits: inputs.resourceLimits, execArgv });
  const handle: WorkerHandle = {
    plan,
    worker,
    finished: false,
    exited: Promise.resolve(),
    error: undefined,
    exitCode: undefined,
    terminatedBecause: undefined,
    diedAtMs: undefined,
    progress: undefined,
    latestMetrics: [],
    complete: undefined,
  };
  handle.exited = new Promise((resolve) => worker.once('exit', (code) => {
    handle.exitCode = code;
    resolve();
  }));
  return handle;
}

/** A scenario's counters summed over the workers, with the mean of their progress fractions. */
type SummedScenario = ScenarioState & { progressSum: number; parts: number };

function addScenarioPart(byName: Map<string, SummedScenario>, part: ScenarioProgress, options: EngineOptions): void {
  const config = options.scenarios.find((scenario) => scenario.name === part.name);
  if (config === undefined) return;
  let state = byName.get(part.name);
  if (state === undefined) {
    const created: SummedScenario = Object.assign(createScenarioState(config, () => (created.parts === 0 ? 0 : created.progressSum / created.parts)), { progressSum: 0, parts: 0 });
    state = created;
    byName.set(part.name, state);
  }

  if (part.startedAtMs > 0) state.startedAtMs = state.startedAtMs === 0 ? part.startedAtMs : Math.min(state.startedAtMs, part.startedAtMs);
  state.iterationsStarted += part.iterationsStarted;
  state.iterationsCompleted += part.iterationsCompleted;
  state.iterationsInterrupted += part.iterationsInterrupted;
  state.iterationsDropped += part.iterationsDropped;
  state.activeVUs += part.activeVUs;
  state.allocatedVUs += part.allocatedVUs;
  if (part.plannedIterations !== undefined) state.plannedIterations = (state.plannedIterations ?? 0) + part.plannedIterations;
  // A worker's part without iterations to run reports NaN.
  if (Number.isFinite(part.progress)) {
    state.progressSum += part.progress;
    state.parts += 1;
  }
}

/** Sums the workers' latest progress reports into per-scenario states and totals, as the progress line reads them. */
function sumProgress(handles: readonly WorkerHandle[], options: EngineOptions): { states: ScenarioState[]; responses: ResponseOutcomeCounter; activeVUs: number; vusAllocated: number } {
  const responses = new ResponseOutcomeCounter();
  const byName = new Map<string, SummedScenario>();
  let activeVUs = 0;
  let vusAllocated = 0;
  for (const handle of handles) {
    const progress = handle.progress;
    if (progress === undefined) continue;
    activeVUs += progress.activeVUs;
    vusAllocated += progress.vusAllocated;
    responses.requests += progress.requests;
    responses.serverErrors += progress.serverErrors;
    responses.connectionFailures += progress.connectionFailures;
    for (const part of progress.scenarios) addScenarioPart(byName, part, options);
  }
  const states = options.scenarios.map((scenario) => byName.get(scenario.name)).filter((state) => state !== undefined);
  return { states, responses, activeVUs, vusAllocated };
}

/** Judges the abortOnFail thresholds on the merged watched metrics and warns once when the schedule lags. */
function checkLiveView(inputs: WorkerRunInputs, handles: readonly WorkerHandle[], watched: ReadonlySet<string>, elapsedMs: number): void {
  const { run } = inputs;
  const live = new TestRun(run.logger);
  for (const handle of handles) mergeMetricSnapshots(live.registry, handle.latestMetrics.filter((metric) => watched.has(metric.name)));
  warnIfScheduleLags(live);

  const abortable: Threshold[] = [];
  for (const threshold of inputs.thresholds) {
    if (!threshold.abortOnFail || elapsedMs < threshold.delayAbortEvalMs) continue;
    const key = parseMetricKey(threshold.metricKey);
    const metric = key === undefined ? undefined : live.registry.metrics.get(key.name);
    if (key === undefined || metric === undefined) continue;
    abortable.push({ ...threshold, target: Object.keys(key.tags).length > 0 ? metric.submetric(key.tags) : metric });
  }
  const crossed = evaluateThresholds(abortable, elapsedMs);
  if (crossed.length > 0) {
    run.stop({ message: `thresholds with abortOnFail were crossed: ${crossed.map((t) => `${t.metricKey} ${t.source}`).join(', ')}`, exitCode: ExitCode.thresholdsCrossed });
  }
}

/** Returns why a worker ended early: an engine error's message, another error's stack, or its exit code. */
function describeDeath(handle: WorkerHandle): string {
  if (handle.terminatedBecause !== undefined) return handle.terminatedBecause;
  const error = handle.error;
  if (error === undefined) return `it exited with code ${handle.exitCode} before finishing its share`;
  // The engine's own errors (HerdUserError) carry a complete message; a stack into the engine would only add noise.
  if ('exitCode' in error) return error.message;
  if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `${error.message}; keep less data in module state or in long iterations, or run fewer VUs per worker with more workers`;
  }
  return error.stack ?? error.message;
}

/** Describes what a dead worker's share lost, from its last progress report. */
function describeLoss(handle: WorkerHandle, count: number, startedAtMs: number): string {
  const share = `${((handle.plan.segment.share) * 100).toFixed(1)} %`;
  const when = handle.diedAtMs === undefined || startedAtMs === 0 || handle.diedAtMs < startedAtMs ? 'before the scenarios started' : `${((handle.diedAtMs - startedAtMs) / 1000).toFixed(1)} s into the run`;
  const parts = (handle.progress?.scenarios ?? []).filter((part) => part.plannedIterations !== undefined);
  const planned = parts.reduce((sum, part) => sum + (part.plannedIterations ?? 0), 0);
  const started = parts.reduce((sum, part) => sum + part.iterationsStarted + part.iterationsDropped, 0);
  let lost = `its share of the test (${share} of every scenario) was not run from then on`;
  if (handle.progress === undefined) lost = `its whole share of the test (${share} of every scenario) was lost`;
  else if (planned > 0) lost += `: at least ${planned - started} of its ${planned} scheduled arrival-rate iterations did not start`;
  const kept = handle.complete === undefined ? 'none of its metrics reached the summary' : `the summary has its metrics up to ${((handle.complete.atMs - startedAtMs) / 1000).toFixed(1)} s`;
  return `${workerName(handle, count)}, died ${when}, so ${lost}; ${kept}, and --out files have the samples it sent`;
}

/**
 * Handles one worker's messages and its exit. Resolves `ready` when the worker has loaded the script
 * (or died), and `settled` when its final snapshot arrived or it died.
 */
function attachWorker(inputs: WorkerRunInputs, handle: WorkerHandle, seenLines: Set<string>): { ready: Promise<void>; settled: Promise<void> } {
  const { run } = inputs;
  let markReady = (): void => {};
  let markSettled = (): void => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const settled = new Promise<void>((resolve) => (markSettled = resolve));

  handle.worker.on('message', (message: WorkerMessage) => {
    switch (message.type) {
      case 'ready':
        markReady();
        break;
      case 'log':
        forwardLog(seenLines, message.line, message.fromConsole, inputs.stderr);
        break;
      case 'lines':
        inputs.outputs[message.outputIndex]?.writeFormattedLines(message.lines);
        break;
      case 'stopping':
        run.stop(message.reason);
        break;
      case 'snapshot':
        handle.progress = message.progress;
        handle.latestMetrics = message.metrics;
        if (message.complete) handle.complete = { metrics: message.metrics, groups: message.groups, atMs: message.progress.atMs };
        if (message.final) {
          handle.finished = true;
          markSettled();
        }
        break;
    }
  });
  handle.worker.on('error', (error) => {
    handle.error ??= error;
  });
  void handle.exited.then(() => {
    markReady();
    markSettled();
    if (handle.finished) return;
    handle.diedAtMs = Date.now();
    run.logger.log('error', `${workerName(handle, inputs.workerCount)}, died: ${describeDeath(handle)}`);
  });
  return { ready, settled };
}

/** Adds every worker's last complete snapshot into the main run, and reports the workers that died. */
function mergeWorkers(run: TestRun, handles: readonly WorkerHandle[], startAtMs: number): void {
  for (const handle of handles) {
    if (handle.complete === undefined) continue;
    mergeMetricSnapshots(run.registry, handle.complete.metrics);
    if (handle.complete.groups !== undefined) mergeGroupSnapshot(run.groups, handle.complete.groups);
    run.iterationErrorCount += handle.progress?.iterationErrorCount ?? 0;
  }
  warnIfScheduleLags(run);

  const dead = handles.filter((handle) => !handle.finished);
  for (const handle of dead) run.logger.log('error', describeLoss(handle, handles.length, startAtMs));
  if (dead.length > 0 && run.abortReason === undefined) {
    const lostShare = dead.reduce((sum, handle) => sum + handle.plan.segment.share, 0);
    const message = `${dead.length} of ${handles.length} workers died, so up to ${(lostShare * 100).toFixed(1)} % of the schedule was not run; the summary and outputs contain what the workers sent`;
    run.abortReason = { message, exitCode: ExitCode.scriptException };
  }
}

/** Resolves after `ms`; the timer is unref'd, so a wait that lost its race does not keep the process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Runs the test on `inputs.workerCount` worker threads and merges their metrics and checks into
 * `inputs.run`. Resolves with the duration from the shared time origin to the last worker's end.
 * A worker that dies is reported with its segment, the others run on, and the run ends with exit
 * status 107 unless another reason stopped it first.
 */
export async function runWorkers(inputs: WorkerRunInputs): Promise<{ testRunDurationMs: number }> {
  const { run } = inputs;
  const watchedNames = new Set<string>(['herd_schedule_lag']);
  for (const threshold of inputs.thresholds) {
    if (threshold.abortOnFail) watchedNames.add(parseMetricKey(threshold.metricKey)?.name ?? threshold.metricKey);
  }
  const plans = planWorkers(inputs.options.scenarios, inputs.workerCount, inputs.processSegment);
  const seenLines = new Set<string>();
  const entry = await resolveWorkerEntry(run);
  const handles = plans.map((plan) => startWorker(inputs, entry, plan, [...watchedNames]));
  const attached = handles.map((handle) => attachWorker(inputs, handle, seenLines));

  const send = (message: MainMessage): void => {
    for (const handle of handles) if (handle.diedAtMs === undefined && !handle.finished) handle.worker.postMessage(message);
  };
  // A worker stuck in synchronous code never reads the stop message, so it is terminated once every
  // scenario's gracefulStop has passed, with room for its final snapshot.
  const stopWaitMs = Math.max(0, ...inputs.options.scenarios.map((scenario) => scenario.gracefulStopMs)) + STOP_GRACE_MS;
  let stopWatchdog: NodeJS.Timeout | undefined;
  const onStop = (): void => {
    send({ type: 'stop', reason: run.abortReason ?? { message: 'test run stopped', exitCode: ExitCode.externalAbort } });
    stopWatchdog = setTimeout(() => {
      for (const handle of handles) {
        if (handle.finished || handle.diedAtMs !== undefined) continue;
        handle.terminatedBecause = `it did not stop within ${(stopWaitMs / 1000).toFixed(0)} s of the stop (gracefulStop plus ${STOP_GRACE_MS / 1000} s), so it was terminated; code that never awaits, such as an endless loop, keeps a worker from stopping`;
        void handle.worker.terminate();
      }
    }, stopWaitMs);
    stopWatchdog.unref();
  };
  // A stop that came during setup() has already fired the signal, so the workers hear of it at once.
  if (run.isStopping) onStop();
  else run.stopController.signal.addEventListener('abort', onStop, { once: true });

  await Promise.all(attached.map((worker) => worker.ready));
  const startAtMs = Date.now() + START_DELAY_MS;
  const originMs = performance.now() + START_DELAY_MS;
  run.startedAtMs = startAtMs;
  if (!run.isStopping) send({ type: 'start', startAtMs });

  const stopTicker = startTicker(inputs, handles, watchedNames);
  await Promise.all(attached.map((worker) => worker.settled));
  // The test ends with the last final snapshot; shutting the threads down is not part of it.
  const testRunDurationMs = Math.max(0, performance.now() - originMs);
  await Promise.all(handles.map(async (handle) => {
    // A finished worker whose script keeps a timer or socket open would never exit by itself.
    if (handle.finished) await Promise.race([handle.exited, delay(EXIT_GRACE_MS)]);
    await handle.worker.terminate();
  }));
  clearTimeout(stopWatchdog);
  stopTicker();
  run.stopController.signal.removeEventListener('abort', onStop);

  mergeWorkers(run, handles, startAtMs);
  return { testRunDurationMs };
}

/** Starts the once-a-second work in the main thread: vus and vus_max as sums, the live view and the progress line. */
function startTicker(inputs: WorkerRunInputs, handles: readonly WorkerHandle[], watched: ReadonlySet<string>): () => void {
  const { run } = inputs;
  const arrivalRates = new ArrivalRateTracker();
  let lastProgressLines = 0;
  const sampleVus = (): void => {
    // Until every running worker has reported, the sums would leave some out.
    if (handles.some((handle) => handle.progress === undefined && handle.diedAtMs === undefined)) return;
    const { activeVUs, vusAllocated } = sumProgress(handles, inputs.options);
    run.registry.add(run.builtin.vus, activeVUs, {});
    run.registry.add(run.builtin.vusMax, vusAllocated, {});
  };
  const tick = (): void => {
    sampleVus();
    const elapsedMs = Date.now() - run.startedAtMs;
    checkLiveView(inputs, handles, watched, elapsedMs);
    if (!inputs.showProgress) return;
    const { states, responses, vusAllocated } = sumProgress(handles, inputs.options);
    const block = formatProgress(elapsedMs, vusAllocated, states, { responses, arrivalRates: arrivalRates.measure(states, Date.now()) });
    inputs.stderr(`${lastProgressLines > 0 ? `\x1b[${lastProgressLines}A\x1b[J` : ''}${block}\n`);
    lastProgressLines = block.split('\n').length;
  };
  const timer = setInterval(tick, TICK_MS);
  return () => {
    clearInterval(timer);
    sampleVus();
  };
}
