/** One k6 ramping-arrival-rate stage: the rate moves linearly to `target` over `duration`. */
export interface RampingStage {
  /** k6 duration string, whole seconds (`"12s"`) or milliseconds (`"12500ms"`). */
  duration: string;
  /** Iterations per `timeUnit` at the end of the stage; k6 requires a whole number. */
  target: number;
}

/** A k6 ramping-arrival-rate schedule that reproduces an arrival curve, with how well it does. */
export interface StagePlan {
  /** Iterations per `timeUnit` at the scenario start; a whole number, as k6 requires. */
  startRate: number;
  /** k6 duration string for the unit of `startRate` and the targets: `"1s"`, `"10s"` or `"1m"`. */
  timeUnit: string;
  /** `timeUnit` in seconds. */
  timeUnitSeconds: number;
  stages: RampingStage[];
  /** Iterations k6 starts: the k-th starts when the integral of the rate reaches k, so floor(integral). */
  plannedIterations: number;
  /** The integral of the planned rate over all stages, in iterations. */
  plannedIntegral: number;
  /** max |planned λ − curve λ| over the sampled times, divided by the curve's peak rate. */
  worstShapeErrorFraction: number;
  /** Seconds from the test start to the first stage: the scenario's `startTime`. */
  startTimeSeconds: number;
  /** Sum of the stage durations in seconds. */
  durationSeconds: number;
  /** Knot times in seconds from the scenario start, one more than the stages (the first is 0). */
  knotSeconds: number[];
}

/** Options of `planStages`. */
export interface PlanStagesOptions {
  /** Allowed shape error as a fraction of the peak rate. Default 0.01. */
  maxShapeErrorFraction?: number;
  /** Upper bound on the number of stages. Default 200. */
  maxStages?: number;
  /**
   * Grid of the stage durations: whole seconds (`s`) or milliseconds (`ms`). Default: seconds,
   * or milliseconds when seconds cannot meet `maxShapeErrorFraction`.
   */
  durationUnit?: 'ms' | 's';
}
