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

// How late an arrival may get while it waits for a warm VU instead of taking a VU that has not run yet.
// A VU's first request opens its connection. On a 2-core VM that cost 0.5 to 1 ms of CPU, against
// about 0.1 ms on a reused connection, so a short wait is cheaper whenever a response is due.
// NOTE: the wait polls with setImmediate. While a pool keeps growing (a slow target), that keeps the
// core busy and starts each new VU about 1 ms late.
const FRESH_VU_WAIT_MS = 1;

/**
 * The result of a start callback for one due arrival. `started` goes on with the pass, and `yield` ends
 * the pass after the start. `retry` ends the pass without consuming the arrival, which is offered again
 * after pending I/O has run.
 */
export type StartOutcome = 'started' | 'yield' | 'retry';

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
 * or `start` ends it early (see StartOutcome) to let pending I/O run first.
 * Node's timers have whole-millisecond resolution, so a start is typically up to about 1 ms late even
 * on an idle process. Polling with setImmediate would cut that, but it kept a whole core busy at
 * 1,000 arrivals/s.
 */
export function runOnSchedule(originMs: number, offsetsMs: Iterable<number>, signal: AbortSignal, start: (lagMs: number) => StartOutcome | void): Promise<void> {
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
        const outcome = start(nowMs - (originMs + next.value));
        if (outcome === 'retry') break;
        next = offsets.next();
        nowMs = performance.now();
        if (outcome === 'yield' || nowMs > passEndMs) break;
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

  // A VU that has not run an iteration yet opens its own connections, at several times the CPU of a
  // warm start. While other VUs are in flight, a response that is already waiting to be read often
  // frees one of them. So a fresh VU is taken only after FRESH_VU_WAIT_MS of lag, and its start ends the pass.
  const startArrival = (lagMs: number): StartOutcome => {
    const top = freeVus[freeVus.length - 1];
    if (top !== undefined && top.iteration === 0 && state.activeVUs > 0 && lagMs < FRESH_VU_WAIT_MS) return 'retry';
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
      return 'started';
    }

    run.registry.add(lagMetric, lagMs, lagTags);
    state.activeVUs++;
    const isFirstIteration = vu.iteration === 0;
    void runner.startIteration(vu, makeVuFree);
    return isFirstIteration ? 'yield' : 'started';
  };
  await runOnSchedule(originMs, schedule.offsets(), stopSignal, startArrival);

  await waitUntil(originMs + schedule.durationMs, stopSignal);
  await runner.finishInFlight(performance.now() + config.gracefulStopMs);
  state.activeVUs = 0;
  await runner.closeVus(allVus);
}
