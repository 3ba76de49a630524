// The shape of plan.json, written by `herd plan --json` and into each results folder.
import type { ArrivalDescription } from '../../lib/arrival/index.ts';
import type { TargetPrediction } from '../../lib/capacity/index.ts';
import type { StagePlan } from '../../lib/stages/index.ts';
import type { FluidRunPrediction } from '../../lib/capacity/fluid-run.ts';

/** One platform's part of the plan. */
export interface PlatformPlanReport {
  name: string;
  share: number;
  users: number;
  bundle: string;
  requestsPerUser: number;
  essentialRequestsPerUser: number;
  peakUsersPerSecond: number;
  peakRequestsPerSecond: number;
  /** Mean of the bundle's `expectedLatencyMs` over its requests, in seconds. */
  meanLatencySeconds: number;
  /** Little's law at the peak: peak requests/s × mean latency. */
  inFlightAtPeak: number;
  /** ceil(inFlightAtPeak / concurrencyPerServer). */
  serversNeeded: number;
  /** Iteration time from the bundle's latency assumptions, in seconds. */
  iterationSeconds: number;
  /** Iteration time when every request waits out the queue timeout, in seconds. */
  overloadedIterationSeconds: number;
  preAllocatedVUs: number;
  maxVUs: number;
  stages: StagePlan;
}

/** The whole event: sums over the platforms, and the figures that only make sense together. */
export interface TotalPlanReport {
  users: number;
  /** Σ share × requests per user. */
  requestsPerUser: number;
  peakUsersPerSecond: number;
  peakRequestsPerSecond: number;
  inFlightAtPeak: number;
  /** Servers for the total in-flight requests at `concurrencyPerServer`. */
  serversNeeded: number;
  /** The rule of thumb: peak requests/s × 1 s / concurrency, unrounded. */
  serversIfPeakSecondInFlight: number;
  preAllocatedVUs: number;
  maxVUs: number;
  stageCount: number;
  worstShapeErrorFraction: number;
  plannedIterations: number;
}

/** The load a fleet of `servers` sustains under the plan's latency assumptions. */
export interface FleetReport {
  servers: number;
  /** Source of `servers`: the `--servers` flag, or the servers the plan needs. */
  serversSource: 'flag' | 'servers-needed';
  concurrencyPerServer: number;
  queueTimeoutSeconds: number;
  meanLatencySeconds: number;
  /** Highest request rate with at most 1 % 503s (M/M/c+D model of the proxy queue). */
  sustainableRequestsPerSecond: number;
  sustainableUsersPerSecond: number;
  /** 503 share at the plan's peak request rate. */
  rejectedShareAtPeak: number;
}

/** One second of the plan: the iterations k6 starts per platform, and the users the curve delivers. */
export interface TimelineSecond {
  /** Seconds from the test start. */
  second: number;
  plannedStarts: Record<string, number>;
  curveUsers: Record<string, number>;
  /** 503 share the queue model predicts for the requests of this second's arrivals (0 without arrivals). */
  predictedRejectedShare: number;
}

/**
 * The prediction over the whole run: each second's arrivals meet the steady state of the queue
 * at that second's rate. It ignores the queue carried over from one second to the next, so it is
 * an estimate that is optimistic while the herd ramps up and pessimistic while it drains.
 */
export interface RunPrediction {
  /** Admitted users over all users: what `herd_admitted` should measure. */
  admittedShare: number;
  /** 503s over all routed requests. */
  rejectedShare: number;
}

/** One row of `--what-if`. */
export interface WhatIfRow {
  label: string;
  peakUsersPerSecond: number;
  requestsPerUser: number;
  peakRequestsPerSecond: number;
  serversNeeded: number;
  serversIfPeakSecondInFlight: number;
  sustainableUsersPerSecond: number;
  predictedAdmittedUsersPerSecond: number;
  predictedRejectedShare: number;
}

/** plan.json. Times are seconds from the test start unless a field's name gives another unit. */
export interface PlanReport {
  schemaVersion: 1;
  event: { name: string; file: string; scale: number; users: number };
  arrival: ArrivalDescription & { model: string; parameters?: { notificationAtSeconds: number; medianSeconds: number; sigma: number } };
  platforms: PlatformPlanReport[];
  total: TotalPlanReport;
  fleet: FleetReport;
  /** Expected measurements at the peak of a run against the reference target with `fleet.servers` servers. */
  prediction: TargetPrediction;
  runPrediction: RunPrediction;
  /** The fluid model of the run: the queue's backlog carried over, requests sent wave by wave, users giving up after a failed essential request. */
  fluidRunPrediction: FluidRunPrediction;
  timeline: TimelineSecond[];
  whatIf?: WhatIfRow[];
  notes: string[];
}
