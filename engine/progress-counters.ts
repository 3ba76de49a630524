import type { ScenarioState } from './context.ts';
import type { Sample, SampleListener } from './metrics.ts';

/** Counts HTTP responses by outcome for the live progress line: all, 5xx, and failed to connect. */
export class ResponseOutcomeCounter implements SampleListener {
  requests = 0;
  serverErrors = 0;
  connectionFailures = 0;

  onSample(sample: Sample): void {
    if (sample.metric.name !== 'http_reqs') return;
    this.requests += 1;
    const status = sample.tags.status;
    if (status === '0') this.connectionFailures += 1;
    else if (status !== undefined && status.startsWith('5')) this.serverErrors += 1;
  }
}

/** Arrivals of one scenario during the last progress interval: due by the schedule, and started. */
export interface ArrivalRates {
  plannedPerSecond: number;
  startedPerSecond: number;
}

/**
 * Turns the scenarios' running counters into per-second arrival rates between two progress
 * ticks. An arrival is due when it was started or dropped, so planned minus started is what the
 * generator failed to send.
 */
export class ArrivalRateTracker {
  private readonly previous = new Map<string, { due: number; started: number; atMs: number }>();

  measure(scenarios: readonly ScenarioState[], nowMs: number): Map<string, ArrivalRates> {
    const rates = new Map<string, ArrivalRates>();
    for (const scenario of scenarios) {
      if (scenario.plannedIterations === undefined) continue;
      const due = scenario.iterationsStarted + scenario.iterationsDropped;
      const last = this.previous.get(scenario.config.name) ?? { due: 0, started: 0, atMs: scenario.startedAtMs > 0 ? scenario.startedAtMs : nowMs };
      const elapsedSeconds = Math.max(0.001, (nowMs - last.atMs) / 1000);
      rates.set(scenario.config.name, { plannedPerSecond: (due - last.due) / elapsedSeconds, startedPerSecond: (scenario.iterationsStarted - last.started) / elapsedSeconds });
      this.previous.set(scenario.config.name, { due, started: scenario.iterationsStarted, atMs: nowMs });
    }
    return rates;
  }
}
