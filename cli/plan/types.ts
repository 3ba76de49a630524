// The shape of plan.json, written by `herd plan --json` and into each results folder.
import type { ArrivalDescription } from '../../lib/arrival/index.ts';
import type { TargetPrediction, UnexpectedStatusRequest } from '../../lib/capacity/index.ts';
import type { StagePlan } from '../../lib/stages/index.ts';
import type { RunSimulation } from '../../lib/capacity/simulate-run.ts';

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
  /** Requests that get a status the bundle does not expect from the reference target, even when it is idle. */
  requestsFailingOnReferenceTarget: UnexpectedStatusRequest[];
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
  /** 503 share of the requests sent in this second, from the run simulation (0 when the run was not simulated). */
  predictedRejectedShare: number;
}

/** plan.json's `prediction`: what a run against the reference target should measure, from a simulation of that run. */
export interface RunPredictionReport extends RunSimulation {
  model: 'simulation';
  /** Minimum number of servers with which the simulated run admits 99 % of its users; absent when not searched (large runs) or above 4,096. */
  serversToAdmit99Percent?: number;
  profile: string;
  servers: number;
  workers: number;
  queueTimeoutSeconds: number;
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
  /** The expected measurements of a run against the reference target with `fleet.servers` servers; absent when the run was too large to simulate (see `notes`). */
  prediction?: RunPredictionReport;
  /** The peak treated as a steady state of the proxy queue: instant at any scale, but blind to the backlog and to users who give up. */
  peakSteadyState: TargetPrediction;
  timeline: TimelineSecond[];
  whatIf?: WhatIfRow[];
  notes: string[];
  /** Shortfalls of the plan against its settings, such as stages that miss the curve by more than the shape error allowed. */
  warnings: string[];
}
