// The state of one test run that the k6 modules and the executors share.
import { GroupTree } from './context.ts';
import type { ScenarioState } from './context.ts';
import { Logger } from './logger.ts';
import { MetricRegistry } from './metrics.ts';
import type { Metric } from './metrics.ts';
import type { EngineOptions } from './options.ts';
import type { ExecutionSegment } from './execution-segment.ts';

/** k6's built-in metrics, defined at the start of every run. */
export interface BuiltinMetrics {
  checks: Metric;
  dataReceived: Metric;
  dataSent: Metric;
  droppedIterations: Metric;
  groupDuration: Metric;
  httpReqBlocked: Metric;
  httpReqConnecting: Metric;
  httpReqDuration: Metric;
  httpReqFailed: Metric;
  httpReqReceiving: Metric;
  httpReqSending: Metric;
  httpReqTlsHandshaking: Metric;
  httpReqWaiting: Metric;
  httpReqs: Metric;
  iterationDuration: Metric;
  iterations: Metric;
  /** `herd_schedule_lag`, the engine's own metric: how late each arrival-rate iteration started, in ms. */
  scheduleLag: Metric;
  vus: Metric;
  vusMax: Metric;
}

function defineBuiltinMetrics(registry: MetricRegistry): BuiltinMetrics {
  const metrics: BuiltinMetrics = {
    checks: registry.define('checks', 'rate'),
    dataReceived: registry.define('data_received', 'counter', 'data'),
    dataSent: registry.define('data_sent', 'counter', 'data'),
    droppedIterations: registry.define('dropped_iterations', 'counter'),
    groupDuration: registry.define('group_duration', 'trend', 'time'),
    httpReqBlocked: registry.define('http_req_blocked', 'trend', 'time'),
    httpReqConnecting: registry.define('http_req_connecting', 'trend', 'time'),
    httpReqDuration: registry.define('http_req_duration', 'trend', 'time'),
    httpReqFailed: registry.define('http_req_failed', 'rate'),
    httpReqReceiving: registry.define('http_req_receiving', 'trend', 'time'),
    httpReqSending: registry.define('http_req_sending', 'trend', 'time'),
    httpReqTlsHandshaking: registry.define('http_req_tls_handshaking', 'trend', 'time'),
    httpReqWaiting: registry.define('http_req_waiting', 'trend', 'time'),
    httpReqs: registry.define('http_reqs', 'counter'),
    iterationDuration: registry.define('iteration_duration', 'trend', 'time'),
    iterations: registry.define('iterations', 'counter'),
    scheduleLag: registry.define('herd_schedule_lag', 'trend', 'time'),
    vus: registry.define('vus', 'gauge'),
    vusMax: registry.define('vus_max', 'gauge'),
  };
  // k6 always reports successful responses' durations as a sub-metric.
  metrics.httpReqDuration.submetric({ expected_response: 'true' });
  return metrics;
}

/** The reason a test stopped early, with the exit status it ends with. */
export interface AbortReason {
  message: string;
  exitCode: number;
}

/** Shared state of one run: metrics, groups, options, scenarios, the logger and the stop signal. */
export class TestRun {
  readonly registry = new MetricRegistry();
  readonly builtin: BuiltinMetrics;
  readonly groups = new GroupTree();
  readonly logger: Logger;
  readonly scenarios: ScenarioState[] = [];
  /** Set once the script's options are validated; the init code runs before that. */
  options: EngineOptions | undefined;
  /** Aborted on Ctrl-C, `exec.test.abort()`, an abortOnFail threshold or an unsupported call. */
  readonly stopController = new AbortController();
  abortReason: AbortReason | undefined;
  /** Wall-clock start of the executors in milliseconds since the epoch, 0 before they start. */
  startedAtMs = 0;
  nextVuId = 1;
  /** Iterations that ended with an exception; each distinct message is logged only once. */
  iterationErrorCount = 0;
  vusAllocated = 0;
  /** Directory of the script, against which `open()` resolves relative paths. */
  scriptDirectory = process.cwd();
  environment: Record<string, string> = {};
  /** The share of every arrival-rate schedule this instance runs (`--execution-segment`); undefined runs all of it. */
  executionSegment: ExecutionSegment | undefined;

  constructor(logger: Logger = new Logger()) {
    this.logger = logger;
    this.builtin = defineBuiltinMetrics(this.registry);
  }

  /** Stops starting iterations; the executors let running ones finish within gracefulStop. */
  stop(reason?: AbortReason): void {
    if (reason !== undefined && this.abortReason === undefined) this.abortReason = reason;
    if (!this.stopController.signal.aborted) this.stopController.abort();
  }

  get isStopping(): boolean {
    return this.stopController.signal.aborted;
  }

  get activeVUs(): number {
    return this.scenarios.reduce((sum, scenario) => sum + scenario.activeVUs, 0);
  }
}
