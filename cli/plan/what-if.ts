// `--what-if`: the plan of the same event under other choices, side by side.
import { evenlySpacedWaves } from '../../lib/arrival/index.ts';
import type { BundleFile, BundleStep, LoadedEvent } from '../../lib/event/index.ts';
import { countRequests } from '../../lib/capacity/index.ts';
import { buildPlanReport, type PlanSettings } from './build-plan.ts';
import type { PlanReport, WhatIfRow } from './types.ts';

/** Staggered waves: this many notifications over this many seconds, each to an equal share. */
const STAGGERED_WAVES = 5;
const STAGGERED_SPAN_SECONDS = 600;
/** Mobile requests after trimming preloads, as in the planning figures (30 → 16). */
const TRIMMED_MOBILE_REQUESTS = 16;
/** Factor on the concurrency per server, for an asynchronous stack. */
const CONCURRENCY_FACTOR = 4;

/**
 * Plans variants of the event on the same fleet: staggered notifications, mobile bundles trimmed
 * to 16 requests, and four times the concurrency per server. A variant that does not apply
 * (no single notification, no platform named mobile…) is left out.
 */
export function buildWhatIfRows(event: LoadedEvent, settings: PlanSettings, baseline: PlanReport): WhatIfRow[] {
  const sameFleet: PlanSettings = { ...settings, servers: baseline.fleet.servers, simulate: 'never' };
  const rows: WhatIfRow[] = [toRow('as planned', baseline)];

  if (event.arrival.model === 'lognormal') {
    const { model: _model, notificationAtSeconds, ...shape } = event.arrival;
    const waves = evenlySpacedWaves({ count: STAGGERED_WAVES, firstAtSeconds: notificationAtSeconds, spanSeconds: STAGGERED_SPAN_SECONDS, shape });
    rows.push(toRow(`${STAGGERED_WAVES} waves over ${STAGGERED_SPAN_SECONDS / 60} min`, buildPlanReport({ ...event, arrival: waves }, sameFleet)));
  }

  const mobileNames = Object.keys(event.platforms).filter((name) => name.toLowerCase().includes('mobile'));
  if (mobileNames.length > 0) {
    const platforms = { ...event.platforms };
    for (const name of mobileNames) {
      platforms[name] = { ...platforms[name], bundle: trimBundle(platforms[name].bundle, TRIMMED_MOBILE_REQUESTS) };
    }
    const before = baseline.platforms.find((platform) => mobileNames.includes(platform.name))?.requestsPerUser ?? 0;
    rows.push(toRow(`mobile requests ${before} → ${TRIMMED_MOBILE_REQUESTS}`, buildPlanReport({ ...event, platforms }, sameFleet)));
  }

  const concurrency = baseline.fleet.concurrencyPerServer * CONCURRENCY_FACTOR;
  rows.push(toRow(`concurrency per server ${baseline.fleet.concurrencyPerServer} → ${concurrency}`, buildPlanReport(event, { ...sameFleet, concurrencyPerServer: concurrency, profile: { ...settings.profile, workersPerServer: concurrency } })));
  return rows;
}

function toRow(label: string, report: PlanReport): WhatIfRow {
  return {
    label,
    peakUsersPerSecond: report.total.peakUsersPerSecond,
    requestsPerUser: report.total.requestsPerUser,
    peakRequestsPerSecond: report.total.peakRequestsPerSecond,
    serversNeeded: report.total.serversNeeded,
    serversIfPeakSecondInFlight: report.total.serversIfPeakSecondInFlight,
    sustainableUsersPerSecond: report.fleet.sustainableUsersPerSecond,
    predictedAdmittedUsersPerSecond: report.peakSteadyState.admittedUsersPerSecond,
    predictedRejectedShare: report.peakSteadyState.rejectedShare,
  };
}

/**
 * Drops non-essential requests, last first, until the bundle has at most `maxRequests`
 * requests; essential requests always stay, so the result can have more.
 */
export function trimBundle(bundle: BundleFile, maxRequests: number): BundleFile {
  const steps: BundleStep[] = bundle.steps.map((step) => ('parallel' in step ? { parallel: { ...step.parallel, steps: [...step.parallel.steps] } } : step));
  let count = countRequests({ ...bundle, steps }).requests;

  for (let stepIndex = steps.length - 1; stepIndex >= 0 && count > maxRequests; stepIndex -= 1) {
    const step = steps[stepIndex];
    if ('request' in step && step.request.essential === false) {
      steps.splice(stepIndex, 1);
      count -= 1;
    } else if ('parallel' in step) {
      const inner = step.parallel.steps;
      for (let innerIndex = inner.length - 1; innerIndex >= 0 && count > maxRequests; innerIndex -= 1) {
        if (inner[innerIndex].request.essential === false) {
          inner.splice(innerIndex, 1);
          count -= 1;
        }
      }
      if (inner.length === 0) {
        steps.splice(stepIndex, 1);
      }
    }
  }
  return { ...bundle, name: `${bundle.name}-trimmed`, steps };
}
