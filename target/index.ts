// The reference target: a loopback model of the live-event stack, a proxy queue in front of serial workers.
// Code that must not load Node APIs, such as the planner, imports ./profiles.ts directly instead of this file.
export { startTarget, type RunningTarget } from './server.ts';
export { isLoopbackHost, validateTargetOptions, type OptionNames, type StartTargetOptions } from './target-config.ts';
export type { RouteLabel, TargetStats } from './metrics.ts';
export { faultKinds, parseFaultList, type FaultKind, type FaultOptions } from './faults.ts';
export {
  classifyRoute,
  countWorkers,
  highConcurrencyProfile,
  legacyProfile,
  logNormalParameters,
  meanServiceTimeMs,
  profiles,
  routeKeys,
  type LatencySpec,
  type RouteKey,
  type TargetProfile,
} from './profiles.ts';
