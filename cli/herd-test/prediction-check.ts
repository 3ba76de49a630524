// Sets a run's measurements beside the plan's simulated prediction, and beside the same simulation
// replayed with the start times the run achieved. When the planned prediction misses but the replay
// meets the measurement, the load generator started users late and the model is fine. When both
// miss, the model or the backend is wrong.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlanReport, simulatePlan } from '../plan/build-plan.ts';
import { loadEventForPlan } from '../plan/load-event.ts';
import { nearestRankPercentile } from '../../lib/capacity/index.ts';
import { readK6Csv } from '../../lib/report/sample-sources.ts';
import type { TargetProfile } from '../../target/profiles.ts';
import type { TargetTimerLag } from './reference-target.ts';

/** The three figures the prediction and the run both give. */
export interface RunFigures {
  admittedShare: number;
  rejectedShare: number;
  timeToAdmitP50Seconds: number;
}

/** prediction-check.json: the measurement and the predictions set side by side. */
export interface PredictionCheck {
  measured: RunFigures;
  /** plan.json's prediction: the planned start times against the reference backend. */
  planned: RunFigures;
  /** The same simulation with each user moved by the schedule lag the run measured; null without `herd_schedule_lag` samples (real k6). */
  replayed: RunFigures | null;
  /** How late the run started users, in ms, from `herd_schedule_lag`; null without those samples. */
  generatorLagMs: { p50: number; p95: number; max: number } | null;
  targetTimerLag: TargetTimerLag | null;
}

/** The run facts `checkPrediction` needs. */
export interface PredictionCheckInput {
  runDir: string;
  eventPath: string;
  scale: number;
  servers: number;
  /** The profile the backend ran, with the run's worker and timeout overrides applied. */
  profile: TargetProfile;
  targetTimerLag: TargetTimerLag | null;
}

interface MeasuredSamples {
  lagsMsByScenario: Map<string, number[]>;
  requests: number;
  rejectedRequests: number;
}

async function readMeasuredSamples(samplesPath: string): Promise<MeasuredSamples> {
  const measured: MeasuredSamples = { lagsMsByScenario: new Map(), requests: 0, rejectedRequests: 0 };
  const counters = { malformedRows: 0, ignoredRows: 0, bytesRead: 0 };
  await readK6Csv(samplesPath, counters, (sample) => {
    if (sample.metric === 'http_reqs') {
      measured.requests += sample.value;
      if (sample.tags.status === '503') measured.rejectedRequests += sample.value;
      return;
    }
    const scenario = sample.tags.scenario ?? '';
    const lags = measured.lagsMsByScenario.get(scenario) ?? [];
    lags.push(sample.value);
    measured.lagsMsByScenario.set(scenario, lags);
  }, new Set(['http_reqs', 'herd_schedule_lag']));
  return measured;
}

function readSummaryMetric(runDir: string, metric: string, field: string): number | undefined {
  const summaryPath = join(runDir, 'summary.json');
  if (!existsSync(summaryPath)) return undefined;
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { metrics?: Record<string, { values?: Record<string, number> }> };
  return summary.metrics?.[metric]?.values?.[field];
}

function figuresOf(prediction: RunFigures): RunFigures {
  return { admittedShare: prediction.admittedShare, rejectedShare: prediction.rejectedShare, timeToAdmitP50Seconds: prediction.timeToAdmitP50Seconds };
}

/**
 * Compares the run in `runDir` (summary.json, samples.csv) with the simulation of its plan, with
 * planned and with achieved start times, and writes prediction-check.json. Returns undefined when
 * the run left no summary or samples to compare.
 */
export async function checkPrediction(input: PredictionCheckInput): Promise<PredictionCheck | undefined> {
  const samplesPath = join(input.runDir, 'samples.csv');
  const admittedShare = readSummaryMetric(input.runDir, 'herd_admitted', 'rate');
  if (!existsSync(samplesPath) || admittedShare === undefined) return undefined;
  const samples = await readMeasuredSamples(samplesPath);

  const event = loadEventForPlan(input.eventPath);
  const plan = buildPlanReport(event, { eventFile: input.eventPath, scale: input.scale, servers: input.servers, concurrencyPerServer: input.profile.workersPerServer, profile: input.profile, simulate: 'never' });
  const planned = simulatePlan(plan.platforms, event, input.profile, input.servers);
  // A platform's scenario carries its name, so its lag samples, in start order, belong to its users in schedule order.
  const lagsByPlatform = Object.fromEntries(samples.lagsMsByScenario);
  const replayed = samples.lagsMsByScenario.size === 0 ? null : figuresOf(simulatePlan(plan.platforms, event, input.profile, input.servers, lagsByPlatform));
  const allLags = [...samples.lagsMsByScenario.values()].flat().sort((a, b) => a - b);

  const check: PredictionCheck = {
    measured: {
      admittedShare,
      rejectedShare: samples.requests > 0 ? samples.rejectedRequests / samples.requests : 0,
      timeToAdmitP50Seconds: (readSummaryMetric(input.runDir, 'herd_time_to_admit', 'med') ?? 0) / 1000,
    },
    planned: figuresOf(planned),
    replayed,
    generatorLagMs: allLags.length === 0 ? null : { p50: nearestRankPercentile(allLags, 50), p95: nearestRankPercentile(allLags, 95), max: allLags[allLags.length - 1] },
    targetTimerLag: input.targetTimerLag,
  };
  writeFileSync(join(input.runDir, 'prediction-check.json'), `${JSON.stringify(check, null, 2)}\n`);
  return check;
}

function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** Formats the check as the lines herd-test prints after a run. */
export function formatPredictionCheck(check: PredictionCheck): string {
  const rows: Array<[string, (figures: RunFigures) => string]> = [
    ['users admitted', (figures) => formatPercent(figures.admittedShare)],
    ['requests with 503', (figures) => formatPercent(figures.rejectedShare)],
    ['time to admit p50', (figures) => `${figures.timeToAdmitP50Seconds.toFixed(2)} s`],
  ];
  const columns: Array<[string, RunFigures | null]> = [['measured', check.measured], ['planned', check.planned], ['replayed', check.replayed]];
  const columnsWithFigures = columns.filter((column): column is [string, RunFigures] => column[1] !== null);
  const lines = [
    `herd-test: the run beside its simulation (planned: the plan's start times; replayed: the start times the run achieved)`,
    `  ${''.padEnd(20)}${columnsWithFigures.map(([name]) => name.padStart(10)).join('')}`,
    ...rows.map(([label, format]) => `  ${label.padEnd(20)}${columnsWithFigures.map(([, figures]) => format(figures).padStart(10)).join('')}`),
  ];
  if (check.generatorLagMs !== null) {
    lines.push(`  the generator started users ${check.generatorLagMs.p50.toFixed(1)} ms late at the median and ${check.generatorLagMs.p95.toFixed(1)} ms at p95`);
  }
  return lines.join('\n');
}
