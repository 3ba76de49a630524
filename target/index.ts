// The reference target: a loopback model of the live-event stack, a proxy queue in front of serial workers.
export { startTarget, type RunningTarget } from './server.ts';
export { isLoopbackHost, type StartTargetOptions } from './target-config.ts';
export type { RouteLabel, TargetStats } from './metrics.ts';
export { faultKinds, type FaultKind, type FaultOptions } from './faults.ts';
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
