// The open-model executors, constant-arrival-rate and ramping-arrival-rate: iterations start on a
// schedule whatever the target does, on a free VU from a pool that grows up to maxVUs.
import { performance } from 'node:perf_hooks';
import type { VuState } from '../context.ts';
import type { ConstantArrivalRateScenario, RampingArrivalRateScenario } from '../options.ts';
import { constantArrivalOffsetsMs, countOffsets, rampingArrivalOffsetsMs } from '../schedule.ts';
import type { ScenarioRunner } from './scenario-runner.ts';
import { waitUntil } from './scenario-runner.ts';

type ArrivalRateScenario = ConstantArrivalRateScenario | RampingArrivalRateScenario;

function scheduleOf(config: ArrivalRateScenario): { offsets: () => Iterable<number>; durationMs: number } {
  if (config.executor === 'constant-arrival-rate') {
    return { offsets: () => constantArrivalOffsetsMs(config.rate, config.timeUnitMs, config.durationMs), durationMs: config.durationMs };
  }
  const durationMs = config.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  return { offsets: () => rampingArrivalOffsetsMs(config.startRate, config.timeUnitMs, config.stages), durationMs };
}

/**
 * Runs an arrival-rate scenario. At each scheduled start a free VU runs the iteration. When none is
 * free, the iteration is dropped (`dropped_iterations`), as k6 does. Below maxVUs one more VU is then
 * allocated for later arrivals, and at maxVUs a warning is logged once.
 */
export async function runArrivalRate(runner: ScenarioRunner, config: ArrivalRateScenario): Promise<void> {
  const { run, state } = runner;
  const schedule = scheduleOf(config);
  state.plannedIterations = countOffsets(schedule.offsets());
  const allVus: VuState[] = [];
  const freeVus: VuState[] = [];
  for (let i = 0; i < config.preAllocatedVUs; i++) {
    const vu = runner.newVu();
    allVus.push(vu);
    freeVus.push(vu);
  }

  const originMs = performance.now();
  state.startedAtMs = Date.now();
  state.progress = () => Math.min(1, (performance.now() - originMs) / Math.max(1, schedule.durationMs));
  const stopSignal = run.stopController.signal;

  for (const offsetMs of schedule.offsets()) {
    await waitUntil(originMs + offsetMs, stopSignal);
    if (run.isStopping) break;

    const vu = freeVus.pop();
    if (vu === undefined) {
      runner.dropIteration();
      if (allVus.length < config.maxVUs) {
        const added = runner.newVu();
        allVus.push(added);
        freeVus.push(added);
      } else {
        run.logger.once(`insufficient-vus:${config.name}`, 'warning', `Insufficient VUs, reached ${config.maxVUs} active VUs and cannot initialize more`, {
          executor: config.executor,
          scenario: config.name,
        });
      }
      continue;
    }

    state.activeVUs++;
    void runner.startIteration(vu).then(() => {
      state.activeVUs--;
      freeVus.push(vu);
    });
  }

  await waitUntil(originMs + schedule.durationMs, stopSignal);
  await runner.finishInFlight(performance.now() + config.gracefulStopMs);
  state.activeVUs = 0;
  await runner.closeVus(allVus);
}
