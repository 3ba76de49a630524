// The division of one test among N worker threads: segment i of an even sequence for arrival-rate
// scenarios, whole VUs and iterations for the closed-model ones, and a block of VU ids for each.
import { scaleVUsToSegment } from '../execution-segment.ts';
import type { ExecutionSegment } from '../execution-segment.ts';
import type { Scenario } from '../options.ts';

/**
 * Returns part `index` of `total` split into `count` whole parts that add up to `total`. The parts
 * differ by at most one, because the first `total mod count` parts get one more.
 */
export function evenPart(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function formatFraction(numerator: number, denominator: number): string {
  if (numerator === 0) return '0';
  if (numerator === denominator) return '1';
  const divisor = gcd(numerator, denominator);
  return `${numerator / divisor}/${denominator / divisor}`;
}

/** Returns the even sequence `0,1/n,…,1` as `--execution-segment-sequence` writes it. */
export function evenSequence(count: number): string {
  return Array.from({ length: count + 1 }, (_, index) => formatFraction(index, count)).join(',');
}

/** Returns segment `index` (0-based) of the even sequence of `count`, such as `1/4:1/2`. */
export function evenSegmentText(index: number, count: number): string {
  return `${formatFraction(index, count)}:${formatFraction(index + 1, count)}`;
}

/** The whole schedule as a segment: one slot per cycle, owned by the one instance. */
const WHOLE_TEST: ExecutionSegment = { cycleLength: 1, startSlot: 0, endSlot: 1, share: 1 };

/**
 * Returns worker `index`'s share of `segment`, which this process runs (the whole test by default).
 * Arrival k belongs to the process when k mod L is in [s, e), with L its cycle length. Worker i takes
 * those arrivals of every cycle c with c mod count = i, that is k mod (L·count) in [i·L + s, i·L + e).
 * So the workers together run exactly the process's arrivals, and without a process segment arrival
 * k goes to worker k mod count.
 */
export function workerSegment(index: number, count: number, segment: ExecutionSegment = WHOLE_TEST): ExecutionSegment {
  const cycleLength = segment.cycleLength * count;
  const startSlot = index * segment.cycleLength + segment.startSlot;
  const endSlot = index * segment.cycleLength + segment.endSlot;
  return { cycleLength, startSlot, endSlot, share: (endSlot - startSlot) / cycleLength };
}

/**
 * Returns worker `index`'s part of a scenario, or undefined when the part has no VUs or no iterations.
 * Arrival-rate scenarios stay whole, because the worker's execution segment selects their arrivals.
 * Closed-model scenarios get an even part of their VUs (each ramping-vus stage target is split the
 * same way) and shared-iterations an even part of its iterations, so the parts add up to the whole.
 */
export function splitScenario(scenario: Scenario, index: number, count: number): Scenario | undefined {
  switch (scenario.executor) {
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return scenario;
    case 'constant-vus': {
      const vus = evenPart(scenario.vus, index, count);
      return vus === 0 ? undefined : { ...scenario, vus };
    }
    case 'ramping-vus': {
      // Every worker follows the whole ramp and runs its stripe of it, so the total at each moment is exact.
      const mostVUs = Math.max(scenario.startVUs, ...scenario.stages.map((stage) => stage.target));
      return evenPart(mostVUs, index, count) === 0 ? undefined : { ...scenario, vuStripe: { index, count } };
    }
    case 'per-vu-iterations': {
      const vus = evenPart(scenario.vus, index, count);
      return vus === 0 ? undefined : { ...scenario, vus };
    }
    case 'shared-iterations': {
      const vus = evenPart(scenario.vus, index, count);
      // Only the workers that got VUs share the iterations, so none are left without a VU to run them.
      const iterations = vus === 0 ? 0 : evenPart(scenario.iterations, index, Math.min(count, scenario.vus));
      return vus === 0 || iterations === 0 ? undefined : { ...scenario, vus, iterations };
    }
  }
}

/** Returns the most VUs a worker's part of a scenario can allocate. */
export function maxVusOfPart(scenario: Scenario, segment: ExecutionSegment): number {
  switch (scenario.executor) {
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return scaleVUsToSegment(scenario.maxVUs, segment);
    case 'ramping-vus': {
      const mostVUs = Math.max(scenario.startVUs, ...scenario.stages.map((stage) => stage.target));
      return scenario.vuStripe === undefined ? mostVUs : evenPart(mostVUs, scenario.vuStripe.index, scenario.vuStripe.count);
    }
    default:
      return scenario.vus;
  }
}

/** One worker's share of the test. */
export interface WorkerPlan {
  index: number;
  segment: ExecutionSegment;
  /** `1/4:1/2`, or `1/4:1/2 of 1/3:2/3` within a process segment, as messages name the worker's share. */
  segmentText: string;
  scenarios: Scenario[];
  /** The first `__VU` of the worker; each worker numbers its VUs in a block of its own, so ids are unique in the test. */
  firstVuId: number;
}

/**
 * Divides the scenarios among `count` workers. With `processSegment` (`--execution-segment`), the
 * workers divide that segment's arrivals; closed-model scenarios cannot have a segment then.
 */
export function planWorkers(scenarios: readonly Scenario[], count: number, processSegment?: { segment: ExecutionSegment; text: string }): WorkerPlan[] {
  const plans: WorkerPlan[] = [];
  let firstVuId = 1;
  for (let index = 0; index < count; index++) {
    const segment = workerSegment(index, count, processSegment?.segment);
    const segmentText = processSegment === undefined ? evenSegmentText(index, count) : `${evenSegmentText(index, count)} of ${processSegment.text}`;
    const parts = scenarios.map((scenario) => splitScenario(scenario, index, count)).filter((part) => part !== undefined);
    plans.push({ index, segment, segmentText, scenarios: parts, firstVuId });
    firstVuId += parts.reduce((sum, part) => sum + maxVusOfPart(part, segment), 0);
  }
  return plans;
}
