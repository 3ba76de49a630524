// The messages between the main thread and its worker threads. Everything here is plain data,
// because postMessage copies it with the structured clone algorithm.
import type { AbortReason } from '../test-run.ts';
import type { ExecutionSegment } from '../execution-segment.ts';
import type { MetricSnapshot } from '../metrics.ts';
import type { EngineOptions } from '../options.ts';
import type { ScenarioState } from '../context.ts';

/** The `workerData` of a worker: its share of the test and everything it needs to run that share alone. */
export interface WorkerStartData {
  scriptPath: string;
  environment: Record<string, string>;
  /** The main thread's options, with this worker's part of every closed-model scenario. */
  options: EngineOptions;
  segment: ExecutionSegment;
  firstVuId: number;
  /** The value setup() returned in the main thread. */
  setupData: unknown;
  /** The `--out` kinds, in the main thread's order; the worker formats the lines and posts them. */
  outputKinds: ('csv' | 'json')[];
  /** Threshold definitions to bind, so that the worker aggregates their sub-metrics; empty with --no-thresholds. */
  thresholdDefinitions: Record<string, unknown[]>;
  /** Metrics whose sinks go into every snapshot, such as those that abortOnFail thresholds judge. */
  watchedMetricNames: string[];
  /**
   * Whether to count responses by status for the progress line. The count needs a sample listener,
   * which makes every metric value build a sample object, so it is off when no progress is shown.
   */
  countResponses: boolean;
}

/** Live counters of one scenario's part in one worker: a scenario's counters, named, with progress as a number. */
export type ScenarioProgress = Omit<ScenarioState, 'config' | 'progress'> & {
  name: string;
  /** Fraction of the scenario's part that has passed, from 0 to 1. */
  progress: number;
};

/** A worker's counters at one moment, for the progress line and the vus and vus_max gauges. */
export interface WorkerProgress {
  /** Wall-clock time in milliseconds since the epoch. */
  atMs: number;
  activeVUs: number;
  vusAllocated: number;
  requests: number;
  /** Responses with a 5xx status; 0 unless `countResponses` is set. */
  serverErrors: number;
  /** Requests that got no response (status 0); 0 unless `countResponses` is set. */
  connectionFailures: number;
  iterationErrorCount: number;
  scenarios: ScenarioProgress[];
}

/** A group of the worker's group tree with its check counts. */
export interface GroupSnapshot {
  name: string;
  groups: GroupSnapshot[];
  checks: { name: string; passes: number; fails: number }[];
}

/** Messages from a worker to the main thread. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'log'; line: string; fromConsole: boolean }
  | { type: 'lines'; outputIndex: number; lines: string[] }
  /** The worker's own run stopped early (exec.test.abort(), a blocking call), so the main thread stops the others. */
  | { type: 'stopping'; reason: AbortReason }
  | {
      type: 'snapshot';
      progress: WorkerProgress;
      /** Every metric and the group tree when `complete`; otherwise only the watched metrics. */
      metrics: MetricSnapshot[];
      groups: GroupSnapshot | undefined;
      complete: boolean;
      /** The worker's last message: its part of the test is over. */
      final: boolean;
    };

/** Messages from the main thread to a worker. */
export type MainMessage =
  /** Start the scenarios; the time origin is shared by all workers, in milliseconds since the epoch. */
  | { type: 'start'; startAtMs: number }
  | { type: 'stop'; reason: AbortReason };
