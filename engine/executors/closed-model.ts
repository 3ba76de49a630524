// The closed-model executors: VUs loop over iterations, so the request rate follows the target's speed.
// constant-vus, ramping-vus, per-vu-iterations and shared-iterations.
import { performance } from 'node:perf_hooks';
import type { VuState } from '../context.ts';
import type { ConstantVUsScenario, IterationsScenario, RampingVUsScenario, Stage } from '../options.ts';
import type { ScenarioRunner } from './scenario-runner.ts';
import { waitUntil } from './scenario-runner.ts';

/**
 * Starts iterations on `vu` one after another while `shouldRun()` allows, then resolves. The next
 * iteration starts from the end callback of the previous one instead of after an await, which saves a
 * promise and a microtask per iteration. An iteration that ends synchronously hands over through a
 * microtask, as an await would, so that other VUs still take turns.
 */
function loopIterations(runner: ScenarioRunner, vu: VuState, shouldRun: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let isStarting = false;
    const startNext = (): void => {
      if (!shouldRun()) {
        resolve();
        return;
      }
      isStarting = true;
      void runner.startIteration(vu, onEnd);
      isStarting = false;
    };
    const onEnd = (): void => {
      if (isStarting) queueMicrotask(startNext);
      else startNext();
    };
    startNext();
  });
}

/** Runs `vus` VUs that loop while `shouldContinue` allows, then gives running iterations gracefulStop. */
async function runLoopingVus(runner: ScenarioRunner, vuCount: number, endMs: number, shouldContinue: (vu: VuState) => boolean): Promise<void> {
  const { run, state } = runner;
  const vus = Array.from({ length: vuCount }, () => runner.newVu());
  const loops = vus.map(async (vu) => {
    state.activeVUs++;
    await loopIterations(runner, vu, () => !run.isStopping && performance.now() < endMs && shouldContinue(vu));
    state.activeVUs--;
  });

  // The end-of-duration wait is cancelled when every VU finishes early, so no timer outlives the scenario.
  const waitController = new AbortController();
  const onStop = (): void => waitController.abort();
  run.stopController.signal.addEventListener('abort', onStop, { once: true });
  const allDone = Promise.all(loops).then(onStop);
  await Promise.race([allDone, waitUntil(endMs, waitController.signal)]);
  run.stopController.signal.removeEventListener('abort', onStop);
  await runner.finishInFlight(performance.now() + runner.config.gracefulStopMs);
  state.activeVUs = 0;
  await runner.closeVus(vus);
}

/** Runs a constant-vus scenario: `vus` VUs loop for `durationMs`. */
export async function runConstantVus(runner: ScenarioRunner, config: ConstantVUsScenario): Promise<void> {
  const originMs = performance.now();
  runner.state.startedAtMs = Date.now();
  runner.state.progress = () => Math.min(1, (performance.now() - originMs) / config.durationMs);
  await runLoopingVus(runner, config.vus, originMs + config.durationMs, () => true);
}

/** Runs per-vu-iterations (each VU runs `iterations`) or shared-iterations (all VUs share `iterations`) within maxDuration. */
export async function runIterations(runner: ScenarioRunner, config: IterationsScenario): Promise<void> {
  const originMs = performance.now();
  const total = config.executor === 'per-vu-iterations' ? config.vus * config.iterations : config.iterations;
  runner.state.startedAtMs = Date.now();
  runner.state.plannedIterations = total;
  runner.state.progress = () => Math.min(1, runner.state.iterationsStarted / total);
  let sharedStarted = 0;
  const shouldContinue =
    config.executor === 'per-vu-iterations'
      ? (vu: VuState) => vu.iteration < config.iterations
      : () => (sharedStarted < config.iterations ? (sharedStarted++, true) : false);
  await runLoopingVus(runner, config.vus, originMs + config.maxDurationMs, shouldContinue);
}

/**
 * Returns the VU count of a ramping-vus scenario at `elapsedMs`: linear within each stage, stepping
 * when the line crosses a whole number (down on a rising ramp, up on a falling one).
 */
export function rampingVuCount(startVUs: number, stages: readonly Stage[], elapsedMs: number): number {
  let from = startVUs;
  let stageStartMs = 0;
  for (const stage of stages) {
    if (elapsedMs < stageStartMs + stage.durationMs) {
      const value = from + ((stage.target - from) * (elapsedMs - stageStartMs)) / stage.durationMs;
      return stage.target >= from ? Math.floor(value + 1e-9) : Math.ceil(value - 1e-9);
    }
    from = stage.target;
    stageStartMs += stage.durationMs;
  }
  return from;
}

const RAMP_TICK_MS = 10;

/**
 * Runs a ramping-vus scenario. VU i loops while the stage curve requires more than i VUs. A VU that
 * ramps down may finish its current iteration within gracefulRampDown, after which it is interrupted.
 * Iterations still running when the stages end get the longer of gracefulRampDown and gracefulStop.
 */
export async function runRampingVus(runner: ScenarioRunner, config: RampingVUsScenario): Promise<void> {
  const { run, state } = runner;
  const stripe = config.vuStripe;
  // On a worker thread, the VUs of the whole ramp that fall in this worker's stripe.
  const ownVUs = (wholeCount: number): number => (stripe === undefined ? wholeCount : Math.floor(wholeCount / stripe.count) + (stripe.index < wholeCount % stripe.count ? 1 : 0));
  const maxVus = ownVUs(Math.max(config.startVUs, ...config.stages.map((stage) => stage.target)));
  const vus = Array.from({ length: maxVus }, () => runner.newVu());
  const loops: (Promise<void> | undefined)[] = new Array(maxVus).fill(undefined);
  const isRequired: boolean[] = new Array(maxVus).fill(false);
  const durationMs = config.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  const originMs = performance.now();
  const endMs = originMs + durationMs;
  state.startedAtMs = Date.now();
  state.progress = () => Math.min(1, (performance.now() - originMs) / Math.max(1, durationMs));

  const startLoop = (index: number): Promise<void> =>
    (async () => {
      const vu = vus[index] as VuState;
      state.activeVUs++;
      while (isRequired[index] && !run.isStopping && performance.now() < endMs) await runner.startIteration(vu);
      state.activeVUs--;
      loops[index] = undefined;
    })();

  const rampDownTimers = new Set<NodeJS.Timeout>();
  const rampDown = (vu: VuState): void => {
    const iteration = runner.runningIterationOf(vu);
    if (iteration === undefined) return;
    const timer = setTimeout(() => {
      rampDownTimers.delete(timer);
      runner.interruptIteration(vu, iteration);
    }, config.gracefulRampDownMs);
    rampDownTimers.add(timer);
  };

  for (let tickMs = originMs; tickMs < endMs && !run.isStopping; tickMs += RAMP_TICK_MS) {
    const target = ownVUs(rampingVuCount(config.startVUs, config.stages, performance.now() - originMs));
    for (let index = 0; index < maxVus; index++) {
      const wasRequired = isRequired[index];
      isRequired[index] = index < target;
      if (isRequired[index] && loops[index] === undefined) loops[index] = startLoop(index);
      // A VU that ramps down may finish its iteration within gracefulRampDown, as in k6.
      if (wasRequired && !isRequired[index]) rampDown(vus[index] as VuState);
    }
    await waitUntil(tickMs + RAMP_TICK_MS, run.stopController.signal);
  }
  for (const timer of rampDownTimers) clearTimeout(timer);
  await runner.finishInFlight(performance.now() + Math.max(config.gracefulStopMs, config.gracefulRampDownMs));
  state.activeVUs = 0;
  await runner.closeVus(vus);
}
