// Recovering steps from request timing: requests that overlapped in the capture form a parallel
// group, and a long quiet gap becomes a pause.
import { listPlaceholders, listPlaceholdersDeep, tokenVariableName } from '../../bundle/template.ts';
import type { BundleStep, RequestSpec } from '../types.ts';
import type { HarExchange } from './read.ts';

/** A bundle request with the exchange it came from, for its timing. */
export interface TimedRequest {
  request: RequestSpec;
  exchange: HarExchange;
}

/**
 * Groups requests into steps. A request joins the current group while it starts before every
 * request of the group has ended, unless it uses a variable that the group captures (it must
 * then wait for the group). A group's `maxConcurrency` is the most requests it had in flight at
 * once, left out when they all were. A gap of `pauseThresholdMs` or more becomes a pause step.
 */
export function groupBySteps(requests: readonly TimedRequest[], pauseThresholdMs: number): BundleStep[] {
  const sorted = [...requests].sort((a, b) => a.exchange.startMs - b.exchange.startMs);
  const groups: TimedRequest[][] = [];
  let current: TimedRequest[] = [];
  let currentEndMs = -Infinity;
  for (const timed of sorted) {
    if (current.length > 0 && (timed.exchange.startMs >= currentEndMs || dependsOn(timed.request, current))) {
      groups.push(current);
      current = [];
      currentEndMs = -Infinity;
    }
    current.push(timed);
    currentEndMs = Math.max(currentEndMs, timed.exchange.endMs);
  }
  if (current.length > 0) {
    groups.push(current);
  }

  const steps: BundleStep[] = [];
  groups.forEach((group, index) => {
    if (index > 0) {
      const gapMs = group[0].exchange.startMs - Math.max(...groups[index - 1].map((timed) => timed.exchange.endMs));
      if (gapMs >= pauseThresholdMs) {
        steps.push({ pause: { durationMs: Math.round(gapMs / 100) * 100 } });
      }
    }
    steps.push(toStep(group));
  });
  return steps;
}

function toStep(group: readonly TimedRequest[]): BundleStep {
  if (group.length === 1) {
    return { request: group[0].request };
  }
  const inFlight = maxInFlight(group);
  const requestSteps = group.map((timed) => ({ request: timed.request }));
  return inFlight < group.length ? { parallel: { maxConcurrency: inFlight, steps: requestSteps } } : { parallel: { steps: requestSteps } };
}

/** The maximum number of requests in flight at one instant, by a sweep over start and end times (an end before a start at the same ms). */
export function maxInFlight(group: readonly TimedRequest[]): number {
  const events = group.flatMap((timed) => [
    { atMs: timed.exchange.startMs, delta: 1 },
    { atMs: timed.exchange.endMs, delta: -1 },
  ]);
  events.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta);
  let inFlight = 0;
  let max = 0;
  for (const event of events) {
    inFlight += event.delta;
    max = Math.max(max, inFlight);
  }
  return Math.max(1, max);
}

function dependsOn(request: RequestSpec, group: readonly TimedRequest[]): boolean {
  const captured = new Set(group.flatMap((timed) => Object.keys(timed.request.capture ?? {})));
  if (request.withToken === true && captured.has(tokenVariableName)) {
    return true;
  }
  const used = [...listPlaceholders(request.path), ...Object.values(request.headers ?? {}).flatMap(listPlaceholders), ...listPlaceholdersDeep(request.body)];
  return used.some((name) => captured.has(name));
}
