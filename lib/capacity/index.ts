// The capacity planner: demand arithmetic, the proxy queue model and the prediction against the reference target.
export { averageRequestsPerUser, estimatePeakDemand, type PeakDemand, type PeakDemandInput, type PlatformMix } from './demand.ts';
export {
  countRequests,
  DEFAULT_EXPECTED_LATENCY_MS,
  estimateBundleTiming,
  expectedLatencyMsOf,
  listRequests,
  requestsOfStep,
  type BundleCounts,
  type BundleTiming,
} from './bundle-timing.ts';
export { predictAgainstTarget, withMeasuredServiceTimes, type PlatformAtPeak, type PlatformPrediction, type TargetPrediction } from './predict.ts';
export { erlangB, predictProxyQueue, sustainableRequestsPerSecond, type ProxyQueueInput, type ProxyQueuePrediction } from './queue.ts';
export { listUnexpectedStatusRequests, nearestRankPercentile, simulateRun, type RunSimulation, type UnexpectedStatusRequest, type RunSimulationSettings, type SimulatedPlatform, type SimulatedPlatformResult, type SimulatedSecond } from './simulate-run.ts';
