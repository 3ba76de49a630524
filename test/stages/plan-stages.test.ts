import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArrivalCurve, createLogNormalCurve, describeArrival } from '../../lib/arrival/index.ts';
import type { ArrivalCurve } from '../../lib/arrival/index.ts';
import type { ArrivalSpec } from '../../lib/event/types.ts';
import { planStages, plannedIntegralBy, plannedRatePerSecondAt, plannedStartSeconds, plannedStartsPerSecond } from '../../lib/stages/index.ts';
import type { StagePlan } from '../../lib/stages/index.ts';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so failures reproduce. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseDurationSeconds(duration: string): number {
  const match = /^(\d+)(ms|s)$/.exec(duration);
  assert.ok(match, `unexpected duration "${duration}"`);
  return match[2] === 'ms' ? Number(match[1]) / 1000 : Number(match[1]);
}

/** Integrates the stages the way k6 reads them, independently of the planner's own bookkeeping. */
function integrateStages(plan: StagePlan): number {
  let previousTarget = plan.startRate;
  let sum = 0;
  for (const stage of plan.stages) {
    sum += ((previousTarget + stage.target) / 2) * (parseDurationSeconds(stage.duration) / plan.timeUnitSeconds);
    previousTarget = stage.target;
  }
  return sum;
}

function randomSpec(random: () => number): { spec: ArrivalSpec; users: number; trace?: number[] } {
  const users = Math.max(1, Math.round(Math.pow(10, random() * 6)));
  const shape = () => ({ medianSeconds: 1 + random() * 120, sigma: 0.2 + random() * 1.8 });
  const kind = Math.floor(random() * 3);
  if (kind === 0) {
    return { spec: { model: 'lognormal', notificationAtSeconds: random() * 120, ...shape() }, users };
  }
  if (kind === 1) {
    const count = 1 + Math.floor(random() * 4);
    const waves = Array.from({ length: count }, (_, index) => ({ notificationAtSeconds: index * random() * 300, share: 1 / count, ...shape() }));
    return { spec: { model: 'waves', waves }, users };
  }
  const trace: number[] = [];
  let tSeconds = random() * 30;
  for (let index = 0; index < 20 + random() * 500; index += 1) {
    tSeconds += random() * random() * 3;
    trace.push(tSeconds);
  }
  return { spec: { model: 'trace', file: 'random.csv', format: 'timestamps' }, users, trace };
}

test('stage integral equals users for random models', () => {
  const random = seededRandom(20261204);
  for (let round = 0; round < 60; round += 1) {
    const { spec, users, trace } = randomSpec(random);
    const label = `round ${round}: ${JSON.stringify(spec).slice(0, 160)} users ${users}`;
    const plan = planStages(createArrivalCurve(spec, users, trace));
    const integral = integrateStages(plan);

    assert.ok(Math.abs(integral - users) <= 1, `${label}: integral ${integral}`);
    assert.ok(Math.abs(plan.plannedIterations - users) <= 1, `${label}: iterations ${plan.plannedIterations}`);
    assert.ok(Math.abs(plan.plannedIntegral - integral) < 1e-6, label);
    assert.ok(plan.stages.length <= 200, label);
    for (const stage of plan.stages) {
      assert.ok(Number.isInteger(stage.target), `${label}: target ${stage.target}`);
      assert.ok(stage.target >= 0, `${label}: target ${stage.target}`);
    }
    assert.ok(Number.isInteger(plan.startRate), label);
    assert.ok(plan.startRate >= 0, label);
  }
});

test('stage integral holds with tight caps', () => {
  const random = seededRandom(7);
  for (let round = 0; round < 20; round += 1) {
    const { spec, users, trace } = randomSpec(random);
    const maxStages = 2 + Math.floor(random() * 5);
    const plan = planStages(createArrivalCurve(spec, users, trace), { maxStages, durationUnit: random() < 0.5 ? 's' : 'ms' });
    assert.ok(plan.stages.length <= maxStages, `round ${round}: ${plan.stages.length} stages`);
    assert.ok(Math.abs(integrateStages(plan) - users) <= 1, `round ${round}: integral ${integrateStages(plan)} for ${users}`);
  }
});

test('plan is deterministic', () => {
  const spec: ArrivalSpec = { model: 'lognormal', notificationAtSeconds: 5, medianSeconds: 8, within: { fraction: 0.99, seconds: 60 } };
  const first = planStages(createArrivalCurve(spec, 50_000));
  const second = planStages(createArrivalCurve(spec, 50_000));
  assert.deepEqual(second, first);
});

test('story event meets a 1 % shape error', () => {
  const curve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 5, within: { fraction: 0.99, seconds: 60 } }, 50_000);
  const plan = planStages(curve, { maxShapeErrorFraction: 0.01 });
  const peak = describeArrival(curve).peakRatePerSecond;

  assert.ok(plan.worstShapeErrorFraction <= 0.01, `worst ${plan.worstShapeErrorFraction}`);
  assert.ok(plan.stages.length < 100, `${plan.stages.length} stages`);
  assert.equal(plan.timeUnit, '1s');
  // Check the reported error independently at times the planner did not sample.
  const random = seededRandom(99);
  for (let sample = 0; sample < 2000; sample += 1) {
    const tSeconds = random() * plan.durationSeconds;
    const error = Math.abs(plannedRatePerSecondAt(plan, tSeconds) - curve.ratePerSecondAt(plan.startTimeSeconds + tSeconds)) / peak;
    assert.ok(error <= plan.worstShapeErrorFraction + 0.002, `error ${error} at ${tSeconds}`);
  }
});

test('whole-second grid reports the error it cannot avoid', () => {
  // Half of these users arrive within 8 s of the notification, so the rate climbs from 0 to
  // 4,200/s in under 4 s: 1-second stages cannot follow it within 1 %.
  const curve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 5, within: { fraction: 0.99, seconds: 60 } }, 50_000);
  const plan = planStages(curve, { durationUnit: 's' });
  assert.ok(plan.worstShapeErrorFraction > 0.01);
  assert.ok(plan.stages.every((stage) => /^\d+s$/.test(stage.duration)));
  assert.equal(integrateStages(plan) >= 50_000, true);
});

test('slow event keeps whole seconds and a coarser time unit', () => {
  const curve: ArrivalCurve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 110, within: { fraction: 0.9, seconds: 300 }, sigma: 1 }, 10_000);
  const plan = planStages(curve);
  assert.ok(plan.worstShapeErrorFraction <= 0.01, `worst ${plan.worstShapeErrorFraction}`);
  assert.ok(plan.stages.every((stage) => /^\d+s$/.test(stage.duration)));
  assert.equal(plan.timeUnit, '10s');
  assert.equal(plan.startTimeSeconds, 111);
});

test('start times follow the integral rule', () => {
  // Measured with k6 v0.49: stages 0→10/s over 1 s, then 10/s for 1 s start 15 iterations,
  // 5 in the first second and 10 in the second.
  const plan: StagePlan = {
    startRate: 0,
    timeUnit: '1s',
    timeUnitSeconds: 1,
    stages: [
      { duration: '1s', target: 10 },
      { duration: '1s', target: 10 },
    ],
    plannedIterations: 15,
    plannedIntegral: 15,
    worstShapeErrorFraction: 0,
    startTimeSeconds: 0,
    durationSeconds: 2,
    knotSeconds: [0, 1, 2],
  };
  assert.deepEqual(plannedStartsPerSecond(plan), [5, 10]);
});

test('a billion users plan quickly', () => {
  const startedAt = performance.now();
  const plan = planStages(createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, within: { fraction: 0.99, seconds: 60 } }, 1e9));
  assert.ok(Math.abs(integrateStages(plan) - 1e9) <= 1, `integral ${integrateStages(plan)}`);
  assert.ok(performance.now() - startedAt < 10_000);
});

test('invalid options are rejected', () => {
  const curve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 8, sigma: 0.8 }, 100);
  assert.throws(() => planStages(curve, { maxStages: 0 }), /maxStages must be a whole number of at least 1, got 0/);
  assert.throws(() => planStages(curve, { maxShapeErrorFraction: 0 }), /maxShapeErrorFraction must be between 0 and 1/);
});

test('planned start times follow the integral of the stages', () => {
  const plan = planStages(createLogNormalCurve(1234, 5, { medianSeconds: 8, sigma: 0.866 }));
  const starts = plannedStartSeconds(plan);
  assert.equal(starts.length, plan.plannedIterations);
  for (let index = 0; index < starts.length; index += 1) {
    if (index > 0) assert.ok(starts[index] >= starts[index - 1], `start ${index} comes before start ${index - 1}`);
    // Iteration k (from 1) starts when the integral reaches k.
    assert.ok(Math.abs(plannedIntegralBy(plan, starts[index]) - (index + 1)) < 1e-6, `start ${index} at ${starts[index]} s`);
  }
});
