// Event → plan data (plan.json). Printers in this folder turn it into text, charts and SVG.
import { createArrivalCurve, describeArrival, type ArrivalCurve, type LogNormalCurve } from '../../lib/arrival/index.ts';
import {
  countRequests,
  estimateBundleTiming,
  expectedLatencyMsOf,
  listRequests,
  predictAgainstTarget,
  predictProxyQueue,
  sustainableRequestsPerSecond,
} from '../../lib/capacity/index.ts';
import type { LoadedEvent } from '../../lib/event/index.ts';
import { estimateOverloadedBundleSeconds } from '../../lib/bundle/steps.ts';
import { mostArrivalsWithin, planStages, plannedIntegralBy, plannedStartSeconds, sizeVUs, splitCurveByShare } from '../../lib/stages/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';
import type { TargetProfile } from '../../target/profiles.ts';
import type { FleetReport, PlanReport, PlatformPlanReport, RunPredictionReport, TimelineSecond, TotalPlanReport } from './types.ts';
import { listUnexpectedStatusRequests, simulateRun } from '../../lib/capacity/index.ts';

/** Settings of `buildPlanReport`. */
export interface PlanSettings {
  /** Event file path as the user gave it, for the report. */
  eventFile: string;
  /** Multiplies the event's user count. Default 1. */
  scale?: number;
  /** Fleet size for the queue model and the prediction. Default: the servers the plan needs. */
  servers?: number;
  /** Requests one server serves at once. Default: the profile's workers per server (17 for legacy). */
  concurrencyPerServer?: number;
  /** Reference target profile for the prediction; also supplies the queue timeout. */
  profile: TargetProfile;
  maxShapeErrorFraction?: number;
  maxStages?: number;
  /** VU headroom over Little's law. Default 1.5. */
  headroom?: number;
  /**
   * Whether to simulate the run against the reference target: `auto` (the default) simulates when
   * the run sends at most `SIMULATION_REQUEST_BUDGET` requests, `always` up to `MAX_SIMULATED_REQUESTS`, `never` not at all.
   */
  simulate?: 'auto' | 'always' | 'never';
}

/** Requests up to which `herd plan` simulates the run by default: about a second of simulation. */
export const SIMULATION_REQUEST_BUDGET = 400_000;

/** Simulations a search for the servers that admit 99 % of users takes at most: a binary search over up to 4,096 servers. */
const SERVER_SEARCH_SIMULATIONS = 13;

/**
 * Finds the fewest servers with which the simulated run admits `share` of its users, by doubling
 * from `servers` and then bisecting. Admission grows with servers, give or take the noise of the
 * seeded draws, so the result is exact to within that noise. Returns undefined above 4,096 servers.
 */
function findServersToAdmit(platforms: readonly PlatformPlanReport[], event: LoadedEvent, profile: TargetProfile, servers: number, atServers: RunPredictionReport, share: number): number | undefined {
  const admits = (count: number): boolean => (count === servers ? atServers : simulatePlan(platforms, event, profile, count)).admittedShare >= share;
  // `low` never admits and `high` always does; when the fleet given admits, the answer lies between 1 and it.
  let low = 0;
  let high = servers;
  if (!admits(servers)) {
    low = servers;
    high = servers * 2;
    while (!admits(high)) {
      low = high;
      high *= 2;
      if (high > 4096) return undefined;
    }
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (admits(middle)) high = middle;
    else low = middle;
  }
  return high;
}

/** Requests above which no run is simulated: about a minute of simulation and a few GB of memory. */
export const MAX_SIMULATED_REQUESTS = 20_000_000;

function describeSkippedSimulation(plannedRequests: number, simulate: PlanSettings['simulate']): string {
  const requests = Math.round(plannedRequests).toLocaleString('en-US');
  if (simulate === 'never') return 'The run was not simulated because --no-simulate was given.';
  if (plannedRequests > MAX_SIMULATED_REQUESTS) {
    return `The run was not simulated: it sends ${requests} requests, more than the ${MAX_SIMULATED_REQUESTS.toLocaleString('en-US')} the simulation can hold. Simulate a smaller --scale with proportionally fewer --servers: a smaller fleet pools its workers less well, so its prediction is pessimistic.`;
  }
  return `The run was not simulated: it sends ${requests} requests, more than the ${SIMULATION_REQUEST_BUDGET.toLocaleString('en-US')} simulated by default; herd plan --simulate simulates it (1 to 3 µs per request).`;
}

/** Plans an event: stages and VUs per platform, demand, the fleet's sustainable rate and the prediction. */
export function buildPlanReport(event: LoadedEvent, settings: PlanSettings): PlanReport {
  const scale = settings.scale ?? 1;
  const users = Math.round(event.users * scale);
  if (!(users >= 1)) {
    throw new HerdUserError('PLAN_INVALID', `the event has ${event.users} users and --scale is ${scale}, which leaves ${users} users; use a larger --scale`);
  }
  const concurrencyPerServer = settings.concurrencyPerServer ?? settings.profile.workersPerServer;
  const queueTimeoutSeconds = settings.profile.queueTimeoutMs / 1000;

  const curve = createArrivalCurve(event.arrival, users, event.traceArrivalSeconds);
  const description = describeArrival(curve);
  const shares = Object.fromEntries(Object.entries(event.platforms).map(([name, platform]) => [name, platform.share]));
  const curves = splitCurveByShare(curve, shares);
  const platforms = Object.entries(event.platforms)
    .filter(([name]) => curves[name].totalUsers >= 1)
    .map(([name, platform]) => planPlatform(name, platform, curves[name], description.peakRatePerSecond / users, settings, concurrencyPerServer, queueTimeoutSeconds));

  const total = sumPlatforms(platforms, concurrencyPerServer);
  const servers = settings.servers ?? Math.max(1, total.serversNeeded);
  const fleet = describeFleet(platforms, total, servers, settings.servers === undefined ? 'servers-needed' : 'flag', concurrencyPerServer, queueTimeoutSeconds);
  const peakSteadyState = predictAgainstTarget(
    platforms.map((platform) => ({ name: platform.name, peakUsersPerSecond: platform.peakUsersPerSecond, bundle: event.platforms[platform.name].bundle })),
    settings.profile,
    servers,
  );

  const timeline = buildTimeline(platforms, curves);
  const plannedRequests = platforms.reduce((sum, platform) => sum + platform.stages.plannedIterations * platform.requestsPerUser, 0);
  const simulate = settings.simulate ?? 'auto';
  let budget = 0;
  if (simulate === 'always') budget = MAX_SIMULATED_REQUESTS;
  if (simulate === 'auto') budget = SIMULATION_REQUEST_BUDGET;
  const prediction = plannedRequests <= budget ? simulatePlan(platforms, event, settings.profile, servers) : undefined;
  // The search costs up to 13 simulations, so it runs only where they take about a second in all.
  if (prediction !== undefined && plannedRequests * SERVER_SEARCH_SIMULATIONS <= SIMULATION_REQUEST_BUDGET * 2) {
    prediction.serversToAdmit99Percent = findServersToAdmit(platforms, event, settings.profile, servers, prediction, 0.99);
  }
  // The series has one bucket per second from the test start, so bucket i is timeline second i.
  for (const second of timeline) second.predictedRejectedShare = prediction?.series[second.second]?.rejectedShare ?? 0;

  return {
    schemaVersion: 1,
    event: { name: event.name, file: settings.eventFile, scale, users },
    arrival: { model: event.arrival.model, ...describeModel(curve), ...description },
    platforms,
    total,
    fleet,
    ...(prediction === undefined ? {} : { prediction }),
    peakSteadyState,
    timeline,
    warnings: describeShapeShortfall(platforms, settings),
    notes: [
      'k6 starts the k-th iteration when the integral of the planned rate reaches k, so starts are evenly spaced; Poisson arrivals are a built-in engine option (options.herd).',
      'The fleet figures and peakSteadyState treat the peak as a steady state of an M/M/c queue with a deterministic queue timeout.',
      prediction === undefined
        ? describeSkippedSimulation(plannedRequests, simulate)
        : 'prediction simulates the run request by request against the reference target: k6\'s start times, the proxy queue with its timeout, seeded log-normal hold times, and users who stop after a failed essential request.',
    ],
  };
}

/** Warns about platforms whose stages miss the curve by more than `--max-shape-error`, which the stage cap can force. */
function describeShapeShortfall(platforms: readonly PlatformPlanReport[], settings: PlanSettings): string[] {
  const allowedFraction = settings.maxShapeErrorFraction ?? 0.01;
  return platforms
    .filter((platform) => platform.stages.worstShapeErrorFraction > allowedFraction + 1e-9)
    .map(
      (platform) =>
        `${platform.name}: the ${platform.stages.stages.length} stages miss the arrival curve by up to ${(platform.stages.worstShapeErrorFraction * 100).toFixed(1)} % of its peak, ` +
        `more than the ${(allowedFraction * 100).toFixed(1)} % allowed; raise --max-stages (default 200) or --max-shape-error, or use a less spread-out arrival model`,
    );
}

function describeModel(curve: ArrivalCurve): Pick<PlanReport['arrival'], 'parameters'> {
  const single = curve as Partial<LogNormalCurve>;
  if (single.model !== 'lognormal' || single.parameters === undefined || single.notificationAtSeconds === undefined) {
    return {};
  }
  return { parameters: { notificationAtSeconds: single.notificationAtSeconds, ...single.parameters } };
}

function planPlatform(
  name: string,
  platform: LoadedEvent['platforms'][string],
  curve: ArrivalCurve,
  peakPerUser: number,
  settings: PlanSettings,
  concurrencyPerServer: number,
  queueTimeoutSeconds: number,
): PlatformPlanReport {
  const counts = countRequests(platform.bundle);
  const requests = listRequests(platform.bundle);
  const meanLatencySeconds = requests.length > 0 ? requests.reduce((sum, request) => sum + expectedLatencyMsOf(request), 0) / requests.length / 1000 : 0;
  const iterationSeconds = estimateBundleTiming(platform.bundle, expectedLatencyMsOf).iterationMs / 1000;
  // The same estimate the scenario script sizes its pool with, so the plan shows the VUs a run allocates.
  const overloadedIterationSeconds = estimateOverloadedBundleSeconds(platform.bundle.steps);

  // Every platform's curve is the event's curve times its share, so the peaks coincide.
  const peakUsersPerSecond = peakPerUser * curve.totalUsers;
  const peakRequestsPerSecond = peakUsersPerSecond * counts.requests;
  const inFlightAtPeak = peakRequestsPerSecond * meanLatencySeconds;
  const stages = planStages(curve, { maxShapeErrorFraction: settings.maxShapeErrorFraction, maxStages: settings.maxStages });
  const vus = sizeVUs({
    peakRatePerSecond: peakUsersPerSecond,
    iterationSeconds,
    maxIterationSeconds: overloadedIterationSeconds,
    headroom: settings.headroom,
    maxConcurrentUsers: mostArrivalsWithin(curve, overloadedIterationSeconds),
  });

  return {
    name,
    share: platform.share,
    users: curve.totalUsers,
    bundle: platform.bundlePath,
    requestsPerUser: counts.requests,
    essentialRequestsPerUser: counts.essentialRequests,
    peakUsersPerSecond,
    peakRequestsPerSecond,
    meanLatencySeconds,
    inFlightAtPeak,
    serversNeeded: Math.ceil(inFlightAtPeak / concurrencyPerServer),
    iterationSeconds,
    overloadedIterationSeconds,
    // The scenario pre-allocates the whole pool, because k6 drops an arrival whenever no VU is free.
    preAllocatedVUs: vus.maxVUs,
    maxVUs: vus.maxVUs,
    stages,
    requestsFailingOnReferenceTarget: listUnexpectedStatusRequests(platform.bundle),
  };
}

function sumPlatforms(platforms: PlatformPlanReport[], concurrencyPerServer: number): TotalPlanReport {
  const sum = (pick: (platform: PlatformPlanReport) => number): number => platforms.reduce((total, platform) => total + pick(platform), 0);
  const users = sum((platform) => platform.users);
  const peakRequestsPerSecond = sum((platform) => platform.peakRequestsPerSecond);
  const inFlightAtPeak = sum((platform) => platform.inFlightAtPeak);
  return {
    users,
    requestsPerUser: users > 0 ? sum((platform) => platform.users * platform.requestsPerUser) / users : 0,
    peakUsersPerSecond: sum((platform) => platform.peakUsersPerSecond),
    peakRequestsPerSecond,
    inFlightAtPeak,
    serversNeeded: Math.ceil(inFlightAtPeak / concurrencyPerServer),
    serversIfPeakSecondInFlight: peakRequestsPerSecond / concurrencyPerServer,
    preAllocatedVUs: sum((platform) => platform.preAllocatedVUs),
    maxVUs: sum((platform) => platform.maxVUs),
    stageCount: sum((platform) => platform.stages.stages.length),
    worstShapeErrorFraction: Math.max(0, ...platforms.map((platform) => platform.stages.worstShapeErrorFraction)),
    plannedIterations: sum((platform) => platform.stages.plannedIterations),
  };
}

function describeFleet(
  platforms: PlatformPlanReport[],
  total: TotalPlanReport,
  servers: number,
  serversSource: FleetReport['serversSource'],
  concurrencyPerServer: number,
  queueTimeoutSeconds: number,
): FleetReport {
  const meanLatencySeconds = total.peakRequestsPerSecond > 0 ? total.inFlightAtPeak / total.peakRequestsPerSecond : 0.05;
  const queue = { workers: servers * concurrencyPerServer, meanServiceSeconds: meanLatencySeconds, queueTimeoutSeconds };
  const sustainableRequests = sustainableRequestsPerSecond(queue);
  const requestsPerUser = total.peakUsersPerSecond > 0 ? total.peakRequestsPerSecond / total.peakUsersPerSecond : 1;
  return {
    servers,
    serversSource,
    concurrencyPerServer,
    queueTimeoutSeconds,
    meanLatencySeconds,
    sustainableRequestsPerSecond: sustainableRequests,
    sustainableUsersPerSecond: sustainableRequests / requestsPerUser,
    rejectedShareAtPeak: predictProxyQueue({ ...queue, offeredRequestsPerSecond: total.peakRequestsPerSecond }).rejectedShare,
  };
}

// The timeline stops after two hours so that plan.json stays small; the plan itself does not.
const MAX_TIMELINE_SECONDS = 7200;

function buildTimeline(platforms: PlatformPlanReport[], curves: Record<string, ArrivalCurve>): TimelineSecond[] {
  const endSeconds = Math.min(MAX_TIMELINE_SECONDS, Math.ceil(Math.max(0, ...platforms.map((platform) => platform.stages.startTimeSeconds + platform.stages.durationSeconds))));
  const startedBy = (platform: PlatformPlanReport, tSeconds: number): number =>
    Math.floor(plannedIntegralBy(platform.stages, tSeconds - platform.stages.startTimeSeconds) + 1e-9);
  const timeline: TimelineSecond[] = [];
  for (let second = 0; second < endSeconds; second += 1) {
    const plannedStarts: Record<string, number> = {};
    const curveUsers: Record<string, number> = {};
    for (const platform of platforms) {
      plannedStarts[platform.name] = startedBy(platform, second + 1) - startedBy(platform, second);
      curveUsers[platform.name] = curves[platform.name].usersArrivedBy(second + 1) - curves[platform.name].usersArrivedBy(second);
    }
    timeline.push({ second, plannedStarts, curveUsers, predictedRejectedShare: 0 });
  }
  return timeline;
}

/**
 * Simulates the planned run against the reference target: what a run with `herd-test` should
 * measure. `startDelaysMsByPlatform` moves the k-th user of a platform by its k-th delay, such as
 * the schedule lag a run measured, to replay the load a run actually offered.
 */
export function simulatePlan(
  platforms: readonly PlatformPlanReport[],
  event: LoadedEvent,
  profile: TargetProfile,
  servers: number,
  startDelaysMsByPlatform: Readonly<Record<string, readonly number[]>> = {},
): RunPredictionReport {
  const simulation = simulateRun(
    platforms.map((platform) => {
      const delaysMs = startDelaysMsByPlatform[platform.name] ?? [];
      const startSeconds = plannedStartSeconds(platform.stages).map((seconds, index) => seconds + platform.stages.startTimeSeconds + (delaysMs[index] ?? 0) / 1000);
      return { name: platform.name, startSeconds: startSeconds.sort((a, b) => a - b), bundle: event.platforms[platform.name].bundle };
    }),
    { profile, servers },
  );
  return { model: 'simulation', profile: profile.name, servers, workers: servers * profile.workersPerServer, queueTimeoutSeconds: profile.queueTimeoutMs / 1000, ...simulation };
}
