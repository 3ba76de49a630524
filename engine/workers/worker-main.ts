// The body of one worker thread: loads the script itself, runs its share of the scenarios from the
// time origin the main thread sends, and posts log lines, output lines and metric snapshots back.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { UnsupportedCallError, ExitCode } from '../errors.ts';
import { warmUpHttp } from '../http/warm-up.ts';
import { loadScript } from '../loader.ts';
import { Logger } from '../logger.ts';
import { snapshotMetrics } from '../metrics.ts';
import { CsvOutput } from '../outputs/csv-output.ts';
import { JsonOutput } from '../outputs/json-output.ts';
import type { LineSink } from '../outputs/line-writer.ts';
import { ResponseOutcomeCounter } from '../progress-counters.ts';
import { startScenario } from '../run-script.ts';
import { TestRun } from '../test-run.ts';
import { bindThresholds } from '../thresholds.ts';
import { snapshotGroup } from './groups.ts';
import type { MainMessage, WorkerMessage, WorkerProgress, WorkerStartData } from './protocol.ts';

const SNAPSHOT_INTERVAL_MS = 1000;
// Every metric goes out every fifth snapshot, so a worker that runs out of heap loses up to about 5 s of
// its metrics. Encoding a Trend's histogram took up to 14 ms here (200,000 values over 4 orders of
// magnitude), too much to do for every Trend each second.
const COMPLETE_SNAPSHOT_EVERY = 5;
const POST_LINES = 2048;

if (parentPort === null) throw new Error('engine/workers/worker-main.ts runs only as a worker thread started by runScript');
const port = parentPort;
const data = workerData as WorkerStartData;

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

/** Output lines posted to the main thread in batches, which writes them to the one output file. */
class PostedLines implements LineSink {
  private buffer: string[] = [];
  readonly writeError = undefined;

  constructor(private readonly outputIndex: number) {}

  writeLine(line: string): void {
    this.buffer.push(line);
    if (this.buffer.length >= POST_LINES) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    post({ type: 'lines', outputIndex: this.outputIndex, lines: this.buffer });
    this.buffer = [];
  }

  close(): Promise<void> {
    this.flush();
    return Promise.resolve();
  }
}

function readProgress(run: TestRun, responses: ResponseOutcomeCounter): WorkerProgress {
  return {
    atMs: Date.now(),
    activeVUs: run.activeVUs,
    vusAllocated: run.vusAllocated,
    requests: run.builtin.httpReqs.sink.values(0, []).count ?? 0,
    serverErrors: responses.serverErrors,
    connectionFailures: responses.connectionFailures,
    iterationErrorCount: run.iterationErrorCount,
    scenarios: run.scenarios.map((state) => ({
      name: state.config.name,
      startedAtMs: state.startedAtMs,
      iterationsStarted: state.iterationsStarted,
      iterationsCompleted: state.iterationsCompleted,
      iterationsInterrupted: state.iterationsInterrupted,
      iterationsDropped: state.iterationsDropped,
      activeVUs: state.activeVUs,
      allocatedVUs: state.allocatedVUs,
      plannedIterations: state.plannedIterations,
      progress: state.progress(),
    })),
  };
}

function waitForStart(run: TestRun): Promise<number> {
  return new Promise((resolve) => {
    port.on('message', (message: MainMessage) => {
      if (message.type === 'start') resolve(message.startAtMs);
      // A stop before the start ends the worker without running anything.
      if (message.type === 'stop') {
        run.stop(message.reason);
        resolve(Date.now());
      }
    });
  });
}

async function runWorker(): Promise<void> {
  const run = new TestRun(new Logger((line) => post({ type: 'log', line, fromConsole: line.includes(' source=console') })));
  run.environment = data.environment;
  const exports = await loadScript(data.scriptPath, run);
  run.options = data.options;
  run.executionSegment = data.segment;
  run.nextVuId = data.firstVuId;
  const thresholds = bindThresholds(data.thresholdDefinitions, run.registry);
  const outputs = data.outputKinds.map((kind, index) => {
    const lines = new PostedLines(index);
    // PostedLines never fails a write; the main thread's output reports a failed file write.
    const onError = (): void => {};
    return kind === 'csv' ? new CsvOutput('', onError, lines, false) : new JsonOutput('', thresholds, onError, lines);
  });
  const responses = new ResponseOutcomeCounter();
  run.registry.listeners.push(...outputs);
  if (data.countResponses) run.registry.listeners.push(responses);
  run.stopController.signal.addEventListener('abort', () => {
    if (run.abortReason !== undefined) post({ type: 'stopping', reason: run.abortReason });
  });

  const warmUpError = await warmUpHttp();
  if (warmUpError !== undefined) run.logger.log('warning', `warming up the HTTP client on a private loopback server failed, so the first requests may be slower: ${warmUpError.message}`);
  const started = waitForStart(run);
  post({ type: 'ready' });
  const startAtMs = await started;
  run.startedAtMs = startAtMs;
  const originMs = performance.now() + (startAtMs - Date.now());

  const watched = new Set(data.watchedMetricNames);
  let ticks = 0;
  const sendSnapshot = (final: boolean): void => {
    ticks++;
    const complete = final || ticks % COMPLETE_SNAPSHOT_EVERY === 0;
    for (const output of outputs) output.flush();
    const metrics = snapshotMetrics(run.registry, complete ? undefined : watched);
    post({ type: 'snapshot', progress: readProgress(run, responses), metrics, groups: complete ? snapshotGroup(run.groups.root) : undefined, complete, final });
  };
  // A worker that dies through process.exit() or an uncaught exception still sends what it measured.
  let finalSent = false;
  process.once('exit', () => {
    if (finalSent) return;
    ticks = COMPLETE_SNAPSHOT_EVERY - 1;
    sendSnapshot(false);
  });
  // The main thread warns about schedule lag from the merged herd_schedule_lag, which it watches.
  const timer = setInterval(() => sendSnapshot(false), SNAPSHOT_INTERVAL_MS);

  if (!run.isStopping) {
    try {
      await Promise.all(data.options.scenarios.map((scenario) => startScenario(run, scenario, exports, data.setupData, originMs)));
    } catch (error) {
      if (!(error instanceof UnsupportedCallError)) throw error;
      run.stop({ message: error.message, exitCode: ExitCode.scriptException });
    }
  }
  clearInterval(timer);
  await Promise.all(outputs.map((output) => output.close()));
  finalSent = true;
  sendSnapshot(true);
  port.close();
}

await runWorker();
