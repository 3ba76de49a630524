// Console text besides the summary: k6's run header on stdout and the live progress on stderr.
import { formatOptionDuration } from './duration.ts';
import type { ScenarioState } from './context.ts';
import type { Scenario } from './options.ts';
import type { ArrivalRates, ResponseOutcomeCounter } from './progress-counters.ts';

function formatRatePerUnit(rate: number, timeUnitMs: number): string {
  const unit = timeUnitMs === 1000 ? 's' : formatOptionDuration(timeUnitMs);
  return `${rate.toFixed(2)} iterations/${unit}`;
}

function scenarioDurationMs(scenario: Scenario): number {
  switch (scenario.executor) {
    case 'constant-arrival-rate':
    case 'constant-vus':
      return scenario.durationMs;
    case 'ramping-arrival-rate':
    case 'ramping-vus':
      return scenario.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
    default:
      return scenario.maxDurationMs;
  }
}

/** Returns the longest a scenario can last, graceful stop included, from the test start. */
export function scenarioMaxDurationMs(scenario: Scenario): number {
  const rampDownMs = scenario.executor === 'ramping-vus' ? Math.max(scenario.gracefulRampDownMs, scenario.gracefulStopMs) : scenario.gracefulStopMs;
  return scenario.startTimeMs + scenarioDurationMs(scenario) + rampDownMs;
}

/** Returns the most VUs a scenario can use. */
export function scenarioMaxVus(scenario: Scenario): number {
  switch (scenario.executor) {
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return scenario.maxVUs;
    case 'ramping-vus':
      return Math.max(scenario.startVUs, ...scenario.stages.map((stage) => stage.target));
    default:
      return scenario.vus;
  }
}

/** Describes a scenario in the words of k6's run header. */
export function describeScenario(scenario: Scenario): string {
  const duration = formatOptionDuration(scenarioDurationMs(scenario));
  const extras: string[] = [];
  if (scenario.startTimeMs > 0) extras.push(`startTime: ${formatOptionDuration(scenario.startTimeMs)}`);
  let text: string;
  switch (scenario.executor) {
    case 'constant-arrival-rate':
      text = `${formatRatePerUnit(scenario.rate, scenario.timeUnitMs)} for ${duration}`;
      extras.push(`maxVUs: ${scenario.preAllocatedVUs}-${scenario.maxVUs}`);
      break;
    case 'ramping-arrival-rate': {
      const peak = Math.max(scenario.startRate, ...scenario.stages.map((stage) => stage.target));
      text = `Up to ${formatRatePerUnit(peak, scenario.timeUnitMs)} for ${duration} over ${scenario.stages.length} stages`;
      extras.push(`maxVUs: ${scenario.preAllocatedVUs}-${scenario.maxVUs}`);
      break;
    }
    case 'constant-vus':
      text = `${scenario.vus} looping VUs for ${duration}`;
      break;
    case 'ramping-vus':
      text = `Up to ${scenarioMaxVus(scenario)} looping VUs for ${duration} over ${scenario.stages.length} stages`;
      extras.push(`gracefulRampDown: ${formatOptionDuration(scenario.gracefulRampDownMs)}`);
      break;
    case 'per-vu-iterations':
      text = `${scenario.iterations} iterations for each of ${scenario.vus} VUs`;
      extras.push(`maxDuration: ${duration}`);
      break;
    case 'shared-iterations':
      text = `${scenario.iterations} iterations shared among ${scenario.vus} VUs`;
      extras.push(`maxDuration: ${duration}`);
      break;
  }
  extras.push(`gracefulStop: ${formatOptionDuration(scenario.gracefulStopMs)}`);
  return `${scenario.name}: ${text} (${extras.join(', ')})`;
}

function compareNames(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** Builds k6's header: execution, script, outputs and one line per scenario (sorted by name, as k6 lists them). */
export function formatRunHeader(scriptName: string, outputs: string[], scenarios: Scenario[], segmentShare = 1): string {
  const sorted = [...scenarios].sort((left, right) => compareNames(left.name, right.name));
  const maxVus = scenarios.reduce((sum, scenario) => sum + scenarioMaxVus(scenario), 0);
  const maxDurationMs = Math.max(0, ...scenarios.map(scenarioMaxDurationMs));
  const count = `${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}`;
  const lines = [
    '     execution: local',
    `        script: ${scriptName}`,
    `        output: ${outputs.length === 0 ? '-' : outputs.join(', ')}`,
    '',
    // As in k6, the percentage is this instance's execution segment; the counts stay the script's.
    `     scenarios: (${(segmentShare * 100).toFixed(2)}%) ${count}, ${maxVus} max VUs, ${formatOptionDuration(maxDurationMs)} max duration (incl. graceful stop):`,
    ...sorted.map((scenario) => `              * ${describeScenario(scenario)}`),
  ];
  return `${lines.join('\n')}\n\n`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Figures the herd progress adds to k6's block: HTTP outcomes so far and arrival rates in the last interval. */
export interface HerdProgress {
  responses: ResponseOutcomeCounter;
  arrivalRates: ReadonlyMap<string, ArrivalRates>;
}

function formatShare(part: number, total: number): string {
  return total === 0 ? '0.0 %' : `${((part / total) * 100).toFixed(1)} %`;
}

/**
 * Builds the live progress block: a totals line and one bar per scenario, as k6 draws them, plus
 * the 5xx share and, for arrival-rate scenarios, planned against started arrivals per second.
 */
export function formatProgress(elapsedMs: number, vusAllocated: number, scenarios: readonly ScenarioState[], herd?: HerdProgress): string {
  const active = scenarios.reduce((sum, scenario) => sum + scenario.activeVUs, 0);
  const completed = scenarios.reduce((sum, scenario) => sum + scenario.iterationsCompleted, 0);
  const interrupted = scenarios.reduce((sum, scenario) => sum + scenario.iterationsInterrupted, 0);
  const width = Math.max(3, String(vusAllocated).length);
  const nameWidth = Math.max(...scenarios.map((scenario) => scenario.config.name.length), 4);
  let totals = `running (${(elapsedMs / 1000).toFixed(1).padStart(4, '0')}s), ${pad(active, width)}/${pad(vusAllocated, width)} VUs, ${completed} complete and ${interrupted} interrupted iterations`;
  if (herd !== undefined) {
    const { requests, serverErrors, connectionFailures } = herd.responses;
    totals += `; ${requests} requests, 5xx ${formatShare(serverErrors, requests)}, failed to connect ${formatShare(connectionFailures, requests)}`;
  }
  const lines = [totals];
  for (const scenario of scenarios) {
    const percent = Math.floor(scenario.progress() * 100);
    const filled = Math.round(scenario.progress() * 40);
    const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${'-'.repeat(40 - filled)}`;
    const dropped = scenario.iterationsDropped > 0 ? `, ${scenario.iterationsDropped} dropped` : '';
    const rates = herd?.arrivalRates.get(scenario.config.name);
    const arrivals = rates === undefined ? '' : `, arrivals/s ${rates.startedPerSecond.toFixed(0)} of ${rates.plannedPerSecond.toFixed(0)} planned`;
    lines.push(`${scenario.config.name.padEnd(nameWidth)} [${bar}] ${String(percent).padStart(3)}% ${pad(scenario.activeVUs, 2)}/${pad(scenario.allocatedVUs, 2)} VUs, ${scenario.iterationsCompleted} complete${dropped}${arrivals}`);
  }
  return lines.join('\n');
}
