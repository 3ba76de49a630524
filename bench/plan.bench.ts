// Benchmark: how long planning takes and how many stages a 1 % shape error needs.
//
//   node --import tsx bench/plan.bench.ts [--repeat 20]
//
// Plans the live event (50,000 users, 99 % within 60 s, 70 % mobile / 30 % web) twice: as
// stages only, and as the whole `herd plan` report. Then plans the same curve at 10⁹ users,
// which must take under a second, and simulates the default `make herd-test` run (scale 0.04,
// one legacy server) and the whole event against the servers it needs. Prints the median and
// the slowest of the repeats.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPlanReport } from '../cli/plan/build-plan.ts';
import { createArrivalCurve } from '../lib/arrival/index.ts';
import { loadEvent } from '../lib/event/index.ts';
import type { ArrivalSpec } from '../lib/event/types.ts';
import { planStages, splitCurveByShare, type StagePlan } from '../lib/stages/index.ts';
import { legacyProfile } from '../target/profiles.ts';

const HUGE_PLAN_LIMIT_MS = 1000;
const storyArrival: ArrivalSpec = { model: 'lognormal', notificationAtSeconds: 5, within: { fraction: 0.99, seconds: 60 } };

function measure<T>(repeat: number, action: () => T): { result: T; medianMs: number; maxMs: number } {
  const durationsMs: number[] = [];
  let result: T | undefined;
  for (let index = 0; index < repeat; index += 1) {
    const startedAt = performance.now();
    result = action();
    durationsMs.push(performance.now() - startedAt);
  }
  durationsMs.sort((a, b) => a - b);
  return { result: result as T, medianMs: durationsMs[Math.floor(durationsMs.length / 2)], maxMs: durationsMs[durationsMs.length - 1] };
}

function planPlatforms(users: number): Record<string, StagePlan> {
  const platforms = splitCurveByShare(createArrivalCurve(storyArrival, users), { mobile: 0.7, web: 0.3 });
  return Object.fromEntries(Object.entries(platforms).map(([name, curve]) => [name, planStages(curve, { maxShapeErrorFraction: 0.01 })]));
}

function describePlans(plans: Record<string, StagePlan>): string {
  return Object.entries(plans)
    .map(([name, plan]) => `${name} ${plan.stages.length} stages (${plan.stages[0].duration.endsWith('ms') ? 'ms' : 's'}), worst error ${(plan.worstShapeErrorFraction * 100).toFixed(2)} %`)
    .join('; ');
}

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '20' } } });
const repeat = Math.max(1, Number(values.repeat));

const story = measure(repeat, () => planPlatforms(50_000));
console.log(`live-event stages (50,000 users, 1 % shape error): median ${story.medianMs.toFixed(1)} ms, max ${story.maxMs.toFixed(1)} ms; ${describePlans(story.result)}`);

const eventPath = fileURLToPath(new URL('../scenarios/live-event.yaml', import.meta.url));
const event = loadEvent(eventPath);
const report = measure(Math.min(repeat, 5), () => buildPlanReport(event, { eventFile: eventPath, profile: legacyProfile }));
console.log(`herd plan report for scenarios/live-event.yaml: median ${report.medianMs.toFixed(1)} ms, max ${report.maxMs.toFixed(1)} ms; ${report.result.total.stageCount} stages in total, worst error ${(report.result.total.worstShapeErrorFraction * 100).toFixed(2)} %`);

const huge = measure(Math.min(repeat, 5), () => planPlatforms(1e9));
console.log(`10⁹ users: median ${huge.medianMs.toFixed(1)} ms, max ${huge.maxMs.toFixed(1)} ms; ${describePlans(huge.result)}`);
if (huge.maxMs > HUGE_PLAN_LIMIT_MS) {
  console.log(`10⁹ users took ${huge.maxMs.toFixed(0)} ms, over the ${HUGE_PLAN_LIMIT_MS} ms target`);
  process.exitCode = 1;
}

const herdTestRun = measure(Math.min(repeat, 5), () => buildPlanReport(event, { eventFile: eventPath, profile: legacyProfile, scale: 0.04, servers: 1 }));
const herdTestPrediction = herdTestRun.result.prediction;
console.log(
  `herd plan --scale 0.04 --servers 1, run simulated: median ${herdTestRun.medianMs.toFixed(1)} ms, max ${herdTestRun.maxMs.toFixed(1)} ms; ` +
    `${herdTestPrediction?.requestsSent.toLocaleString('en-US')} requests, ${((herdTestPrediction?.admittedShare ?? 0) * 100).toFixed(1)} % admitted, ${((herdTestPrediction?.rejectedShare ?? 0) * 100).toFixed(1)} % 503`,
);

const wholeEvent = measure(1, () => buildPlanReport(event, { eventFile: eventPath, profile: legacyProfile, simulate: 'always' }));
const wholePrediction = wholeEvent.result.prediction;
const simulatedRequests = wholePrediction?.requestsSent ?? 0;
console.log(
  `herd plan --simulate at scale 1 (${wholeEvent.result.fleet.servers.toLocaleString('en-US')} servers): ${wholeEvent.medianMs.toFixed(0)} ms for ${simulatedRequests.toLocaleString('en-US')} requests, ` +
    `${((wholeEvent.medianMs * 1000) / Math.max(1, simulatedRequests)).toFixed(2)} µs per request; ${((wholePrediction?.admittedShare ?? 0) * 100).toFixed(1)} % admitted`,
);
