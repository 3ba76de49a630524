// When each arrival of an arrival-rate scenario starts, as offsets from the scenario start.
// The runner turns these into timers against one time origin, so errors never accumulate.
import type { Stage } from './options.ts';

const NS_PER_MS = 1e6;
// Summing per-nanosecond rates loses a few ulps (30/s over 2s then to 0 over 1s sums to 44.999…), so
// comparisons against the area allow this relative slack.
const AREA_TOLERANCE = 1e-9;

/**
 * Yields the start offset in milliseconds of each iteration of a `ramping-arrival-rate` scenario.
 *
 * The rate r(t) moves linearly from `startRate` through each stage's target (per `timeUnitMs`), and
 * iteration k (counting from 1) starts when the area under r(t) reaches k. Within a stage that ramps
 * from rate a to rate b over duration D, the area after x is a·x + (b − a)·x²/(2D), so the start of
 * the k-th iteration solves that quadratic for the area still missing. An iteration due exactly at the
 * end of the last stage is included, so the count is the floor of the whole area (15 for 0→10/s over 1s
 * then 10/s for 1s). NOTE: k6 v0.49 races its end-of-scenario timer against that last start and was
 * measured to run 499 of an area of 500 for 200/s over 3s then 0 over 2s, while this schedule plans 500.
 */
export function* rampingArrivalOffsetsMs(startRate: number, timeUnitMs: number, stages: readonly Stage[]): Generator<number> {
  const timeUnitNs = timeUnitMs * NS_PER_MS;
  let fromPerNs = startRate / timeUnitNs;
  let stageStartNs = 0;
  let areaBeforeStage = 0;
  let areaAtStageEnd = 0;
  let k = 1;

  for (const stage of stages) {
    const toPerNs = stage.target / timeUnitNs;
    const durationNs = stage.durationMs * NS_PER_MS;

    if (fromPerNs === toPerNs) {
      areaAtStageEnd += durationNs * toPerNs;
      for (; k <= areaAtStageEnd * (1 + AREA_TOLERANCE); k++) yield (stageStartNs + (k - areaBeforeStage) / toPerNs) / NS_PER_MS;
    } else {
      areaAtStageEnd += durationNs * ((toPerNs - fromPerNs) / 2 + fromPerNs);
      const slope = toPerNs - fromPerNs;
      for (; k <= areaAtStageEnd * (1 + AREA_TOLERANCE); k++) {
        const missingArea = k - areaBeforeStage;
        // Float noise can push the discriminant just below zero at the end of a ramp down.
        const discriminant = Math.max(0, fromPerNs * fromPerNs * durationNs * durationNs + 2 * missingArea * durationNs * slope);
        const offsetNs = Math.min(durationNs, (Math.sqrt(discriminant) - fromPerNs * durationNs) / slope);
        yield (stageStartNs + offsetNs) / NS_PER_MS;
      }
    }

    areaBeforeStage = areaAtStageEnd;
    fromPerNs = toPerNs;
    stageStartNs += durationNs;
  }
}

/** Yields the start offsets of a `constant-arrival-rate` scenario: the first at 0, then one every `timeUnitMs / rate`, before `durationMs`. */
export function* constantArrivalOffsetsMs(rate: number, timeUnitMs: number, durationMs: number): Generator<number> {
  const periodMs = timeUnitMs / rate;
  for (let i = 0; i * periodMs < durationMs; i++) yield i * periodMs;
}

/** Counts the iterations a schedule plans (for progress, and for the achieved-versus-planned check). */
export function countOffsets(offsets: Iterable<number>): number {
  let count = 0;
  for (const _offset of offsets) count++;
  return count;
}
