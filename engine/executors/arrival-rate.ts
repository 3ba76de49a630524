// The open-model executors, constant-arrival-rate and ramping-arrival-rate: iterations start on a
// schedule whatever the target does, on a free VU from a pool that grows up to maxVUs.
import { performance } from 'node:perf_hooks';
import type { VuState } from '../context.ts';
import type { ConstantArrivalRateScenario, RampingArrivalRateScenario } from '../options.ts';
import { constantArrivalOffsetsMs, countOffsets, rampingArrivalOffsetsMs } from '../schedule.ts';
import { scaleVUsToSegment, selectSegmentOffsets, type ExecutionSegment } from '../execution-segment.ts';
import type { ScenarioRunner } from './scenario-runner.ts';
import { waitUntil } from './scenario-runner.ts';

// A pass that has started arrivals for this long yields to I/O before starting more: responses that
// arrived meanwhile free warm VUs, so a late burst reuses them instead of opening new connections.
const PASS_BUDGET_MS = 0.5;

type ArrivalRateScenario = ConstantArrivalRateScenario | RampingArrivalRateScenario;

function scheduleOf(config: ArrivalRateScenario, segment: ExecutionSegment | undefined): { offsets: () => Iterable<number>; durationMs: number } {
  const inSegment = (offsets: Iterable<number>): Iterable<number> => (segment === undefined ? offsets : selectSegmentOffsets(offsets, segment));
  if (config.executor === 'constant-arrival-rate') {
    return { offsets: () => inSegment(constantArrivalOffsetsMs(config.rate, config.timeUnitMs, config.durationMs)), durationMs: config.durationMs };
  }
  const durationMs = config.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  return { offsets: () => inSegment(rampingArrivalOffsetsMs(config.startRate, config.timeUnitMs, config.stages)), durationMs };
}

/**
 * Calls `start(lagMs)` for each offset at `originMs + offset` on the performance clock, never before,
 * and resolves after the last one or when `signal` aborts. `lagMs` is how late the call is.
 *
 * Every start is computed from the one origin, so lateness never accumulates. Starts that are due when
 * the loop wakes run in one pass, without a promise per start, until the pass has taken PASS_BUDGET_MS
 * or `start` returns true, which ends the pass early to let pending I/O run first.
 * Node's timers have whole-millisecond resolution, so a start is typically up to about 1 ms late even
 * on an idle process. Polling with setImmediate would cut that, but it kept a whole core busy at
 * 1,000 arrivals/s.
 */
export function runOnSchedule(originMs: number, offsetsMs: Iterable<number>, signal: AbortSignal, start: (lagMs: number) => boolean | void): Promise<void> {
  const offsets = offsetsMs[Symbol.iterator]();
  return new Promise((resolve) => {
    let next = offsets.next();
    let timeout: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;

    const end = (): void => {
      clearTimeout(timeout);
      clearImmediate(immediate);
      signal.removeEventListener('abort', end);
      resolve();
    };
    const pump = (): void => {
      timeout = undefined;
      immediate = undefined;
      let nowMs = performance.now();
      const passEndMs = nowMs + PASS_BUDGET_MS;
      while (next.done !== true && originMs + next.value <= nowMs) {
        if (signal.aborted) return end();
        const yieldToIo = start(nowMs - (originMs + next.value)) === true;
        next = offsets.next();
        nowMs = performance.now();
        if (yieldToIo || nowMs > passEndMs) break;
      }
      if (next.done === true || signal.aborted) return end();

      const waitMs = originMs + next.value - nowMs;
      if (waitMs <= 0) immediate = setImmediate(pump);
      else timeout = setTimeout(pump, Math.ceil(waitMs));
    };

    signal.addEventListener('abort', end, { once: true });
    pump();
  });
}

/**
 * Runs an arrival-rate scenario. At each scheduled start a free VU runs the iteration, and the start's
 * lateness is recorded in `herd_schedule_lag`. When no VU is free, the iteration is dropped
 * (`dropped_iterations`), as k6 does. Below maxVUs one more VU is then allocated for later arrivals,
 * and at maxVUs a warning is logged once.
 */
export async function runArrivalRate(runner: ScenarioRunner, config: ArrivalRateScenario): Promise<void> {
  const { run, state } = runner;
  const segment = run.executionSegment;
  const schedule = scheduleOf(config, segment);
  state.plannedIterations = countOffsets(schedule.offsets());
  const preAllocatedVUs = segment === undefined ? config.preAllocatedVUs : scaleVUsToSegment(config.preAllocatedVUs, segment);
  const maxVUs = segment === undefined ? config.maxVUs : scaleVUsToSegment(config.maxVUs, segment);
  const allVus: VuState[] = [];
  const freeVus: VuState[] = [];
  for (let i = 0; i < preAllocatedVUs; i++) {
    const vu = runner.newVu();
    allVus.push(vu);
    freeVus.push(vu);
  }

  const originMs = performance.now();
  state.startedAtMs = Date.now();
  state.progress = () => Math.min(1, (performance.now() - originMs) / Math.max(1, schedule.durationMs));
  const stopSignal = run.stopController.signal;
  const lagMetric = run.builtin.scheduleLag;
  const lagTags = runner.scenarioTags;
  const makeVuFree = (vu: VuState): void => {
    state.activeVUs--;
    freeVus.push(vu);
  };

  // Returns true after starting a VU's first iteration, which ends the pass. Such a VU opens its own
  // connections, which costs several times a warm start, and while starts are late a warm VU is
  // often about to be freed by a response that is already waiting to be read.
  const startArrival = (lagMs: number): boolean => {
    const vu = freeVus.pop();
    if (vu === undefined) {
      runner.dropIteration();
      if (allVus.length < maxVUs) {
        const added = runner.newVu();
        allVus.push(added);
        freeVus.push(added);
      } else {
        run.logger.once(`insufficient-vus:${config.name}`, 'warning', `Insufficient VUs, reached ${maxVUs} active VUs and cannot initialize more`, {
          executor: config.executor,
          scenario: config.name,
        });
      }
      return false;
    }

    run.registry.add(lagMetric, lagMs, lagTags);
    state.activeVUs++;
    const isFirstIteration = vu.iteration === 0;
    void runner.startIteration(vu, makeVuFree);
    return isFirstIteration;
  };
  await runOnSchedule(originMs, schedule.offsets(), stopSignal, startArrival);

  await waitUntil(originMs + schedule.durationMs, stopSignal);
  await runner.finishInFlight(performance.now() + config.gracefulStopMs);
  state.activeVUs = 0;
  await runner.closeVus(allVus);
}
