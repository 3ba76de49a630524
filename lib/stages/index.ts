// Arrival curve → k6 ramping-arrival-rate stages, VU sizing and per-platform curves.
export { planStages } from './plan.ts';
export { plannedIntegralBy, plannedRatePerSecondAt, plannedStartSeconds, plannedStartsPerSecond } from './schedule.ts';
export { scaleCurve, splitCurveByShare, wholeUsersByShare } from './split.ts';
export type { PlanStagesOptions, RampingStage, StagePlan } from './types.ts';
export { mostArrivalsWithin, sizeVUs, type VUSizing, type VUSizingInput } from './vus.ts';
