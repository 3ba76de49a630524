import type { BundleFile, RequestSpec } from '../event/types.ts';
import { classifyRoute, logNormalParameters, meanServiceTimeMs, routeKeys, type RouteKey, type TargetProfile } from '../../target/profiles.ts';
import { estimateBundleTiming, listRequests, requestsOfStep } from './bundle-timing.ts';
import { predictProxyQueue, sustainableRequestsPerSecond } from './queue.ts';

/** One platform at the peak of the plan: its arrival rate and the bundle its users play. */
export interface PlatformAtPeak {
  name: string;
  peakUsersPerSecond: number;
  bundle: BundleFile;
}

/** The planner's prediction for one platform running against the target at the peak. */
export interface PlatformPrediction {
  name: string;
  offeredUsersPerSecond: number;
  /** Users per second whose essential requests all succeed. */
  admittedUsersPerSecond: number;
  /** Fraction of the platform's users admitted: (1 − 503 share) ^ essential requests. */
  admittedShare: number;
  /** Arrival to last essential response for an admitted user, in seconds (an estimate, see `predictAgainstTarget`). */
  timeToAdmitSeconds: number;
  /** Requests per user that the target does not route to a worker, so it returns 404 for them. */
  unroutedRequestsPerUser: number;
}

/** The prediction for a run against the reference target: plan.json's `prediction`. */
export interface TargetPrediction {
  profile: string;
  servers: number;
  workers: number;
  queueTimeoutSeconds: number;
  /**
   * Mean worker time per routed request at the predicted 503 share, weighted by the requests
   * each platform sends, in seconds.
   */
  meanServiceSeconds: number;
  offeredRequestsPerSecond: number;
  admittedRequestsPerSecond: number;
  /** Share of routed requests that get a 503 from the proxy queue at the peak. */
  rejectedShare: number;
  meanWaitSeconds: number;
  admittedUsersPerSecond: number;
  /** Admitted users over offered users at the peak. */
  admittedShare: number;
  /** Highest request rate with at most 1 % 503s, and the user rate it corresponds to at this mix. */
  sustainableRequestsPerSecond: number;
  sustainableUsersPerSecond: number;
  platforms: PlatformPrediction[];
}

/**
 * Predicts what a run of the plan against the reference target measures at the peak: the
 * admitted users/s, the 503 share and the time to admit. The source is the M/M/c+D model of
 * the proxy queue, with `servers × profile.workersPerServer` workers and the profile's mean
 * service time per route.
 * NOTE: the model treats the peak as a steady state and assumes every request of a bundle is
 * sent even after an earlier one failed, with independent 503s. The time to admit adds the mean
 * queue wait to each request's mean service time, so it underestimates the slowest of several
 * parallel requests.
 */
export function predictAgainstTarget(platforms: readonly PlatformAtPeak[], profile: TargetProfile, servers: number): TargetPrediction {
  const workers = servers * profile.workersPerServer;
  const queueTimeoutSeconds = profile.queueTimeoutMs / 1000;
  const serviceMsOf = (request: RequestSpec): number | undefined => {
    const route = classifyRoute(request.method, request.path);
    return route === undefined ? undefined : meanServiceTimeMs(profile, route);
  };

  const offeredUsersPerSecond = platforms.reduce((sum, platform) => sum + platform.peakUsersPerSecond, 0);
  const load = describeOfferedLoad(platforms, profile);
  const queueAt = (meanServiceSeconds: number) => predictProxyQueue({ offeredRequestsPerSecond: load.requestsPerSecond, workers, meanServiceSeconds, queueTimeoutSeconds });
  const rejectedShare = solveRejectedShare((share) => queueAt(load.meanServiceSecondsAt(share)).rejectedShare);
  const meanServiceSeconds = load.meanServiceSecondsAt(rejectedShare);
  const queue = queueAt(meanServiceSeconds);

  const platformPredictions = platforms.map((platform) => predictPlatform(platform, queue.rejectedShare, queue.meanWaitSeconds, serviceMsOf));
  const admittedUsersPerSecond = platformPredictions.reduce((sum, platform) => sum + platform.admittedUsersPerSecond, 0);
  const sustainable = sustainableRequestsPerSecond({ workers, meanServiceSeconds: load.meanServiceSecondsAt(0), queueTimeoutSeconds });

  return {
    profile: profile.name,
    servers,
    workers,
    queueTimeoutSeconds,
    meanServiceSeconds,
    offeredRequestsPerSecond: load.requestsPerSecond,
    admittedRequestsPerSecond: queue.admittedRequestsPerSecond,
    rejectedShare: queue.rejectedShare,
    meanWaitSeconds: queue.meanWaitSeconds,
    admittedUsersPerSecond,
    admittedShare: offeredUsersPerSecond > 0 ? admittedUsersPerSecond / offeredUsersPerSecond : 1,
    sustainableRequestsPerSecond: sustainable,
    sustainableUsersPerSecond: load.requestsPerSecond > 0 ? sustainable * (offeredUsersPerSecond / load.requestsPerSecond) : 0,
    platforms: platformPredictions,
  };
}

interface OfferedLoad {
  /** Requests per second that the target routes to a worker. */
  requestsPerSecond: number;
  /** Mean worker time per routed request when a share `rejectedShare` of requests gets 503, in seconds. */
  meanServiceSecondsAt(rejectedShare: number): number;
}

/**
 * Sums the routed requests of all platforms and their mean worker time. A request that needs the
 * token captured by an earlier step goes out without one when that step got a 503. The target
 * then returns 401, and for a vendor registration it skips the vendor call. So the mean worker
 * time falls as the 503 share rises.
 */
function describeOfferedLoad(platforms: readonly PlatformAtPeak[], profile: TargetProfile): OfferedLoad {
  let requestsPerSecond = 0;
  let fullServiceMsPerSecond = 0;
  let savedServiceMsPerSecondWithoutToken = 0;
  for (const platform of platforms) {
    let hasToken = false;
    for (const step of platform.bundle.steps) {
      const requests = requestsOfStep(step);
      for (const request of requests) {
        const route = classifyRoute(request.method, request.path);
        if (route === undefined) {
          continue;
        }
        const fullMs = meanServiceTimeMs(profile, route);
        const withoutTokenMs = route === 'vendor-register' ? logNormalMeanMs(profile.routes[route].medianMs, profile.routes[route].p99Ms) : fullMs;
        requestsPerSecond += platform.peakUsersPerSecond;
        fullServiceMsPerSecond += platform.peakUsersPerSecond * fullMs;
        if (request.withToken === true && hasToken) {
          savedServiceMsPerSecondWithoutToken += platform.peakUsersPerSecond * (fullMs - withoutTokenMs);
        }
      }
      // A token captured in this step is available from the next step on.
      hasToken = hasToken || requests.some((request) => request.capture !== undefined && 'token' in request.capture);
    }
  }
  return {
    requestsPerSecond,
    meanServiceSecondsAt(rejectedShare: number): number {
      if (requestsPerSecond === 0) {
        return 0.05;
      }
      return (fullServiceMsPerSecond - rejectedShare * savedServiceMsPerSecondWithoutToken) / requestsPerSecond / 1000;
    },
  };
}

function logNormalMeanMs(medianMs: number, p99Ms: number): number {
  const { sigma } = logNormalParameters({ medianMs, p99Ms });
  return medianMs * Math.exp((sigma * sigma) / 2);
}

/**
 * Solves share = rejectedShareAt(share) by bisection. The right side falls as the share rises
 * (more 503s leave shorter service times), so the difference is decreasing and has one root.
 */
function solveRejectedShare(rejectedShareAt: (share: number) => number): number {
  let low = 0;
  let high = 1;
  if (rejectedShareAt(0) === rejectedShareAt(1)) {
    return rejectedShareAt(0);
  }
  for (let step = 0; step < 40; step += 1) {
    const middle = (low + high) / 2;
    if (rejectedShareAt(middle) > middle) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return (low + high) / 2;
}

function predictPlatform(
  platform: PlatformAtPeak,
  rejectedShare: number,
  meanWaitSeconds: number,
  serviceMsOf: (request: RequestSpec) => number | undefined,
): PlatformPrediction {
  const requests = listRequests(platform.bundle);
  const essential = requests.filter((request) => request.essential !== false);
  const unroutedEssential = essential.filter((request) => serviceMsOf(request) === undefined).length;
  const routedEssential = essential.length - unroutedEssential;
  // The target returns 404 for a request it does not route, so a user who needs one is never admitted.
  const admittedShare = unroutedEssential > 0 ? 0 : Math.pow(1 - rejectedShare, routedEssential);
  const timing = estimateBundleTiming(platform.bundle, (request) => {
    const serviceMs = serviceMsOf(request);
    return serviceMs === undefined ? 0 : meanWaitSeconds * 1000 + serviceMs;
  });
  return {
    name: platform.name,
    offeredUsersPerSecond: platform.peakUsersPerSecond,
    admittedUsersPerSecond: platform.peakUsersPerSecond * admittedShare,
    admittedShare,
    timeToAdmitSeconds: timing.timeToAdmitMs / 1000,
    unroutedRequestsPerUser: requests.length - requests.filter((request) => serviceMsOf(request) !== undefined).length,
  };
}

/**
 * Rescales a profile's route latencies so that each route's mean service time equals the mean
 * the target measured (its `stats().serviceTime`: count and sum of worker hold times per route).
 * Routes without measurements keep their latencies. The target's hold times exceed the drawn
 * ones by its timer and event-loop delay, so predicting from a measured profile separates the
 * queue model's error from that delay.
 */
export function withMeasuredServiceTimes(profile: TargetProfile, serviceTime: Partial<Record<RouteKey, { count: number; sumMs: number }>>): TargetProfile {
  const routes = { ...profile.routes };
  let vendor = profile.vendor;
  for (const route of routeKeys) {
    const measured = serviceTime[route];
    if (measured === undefined || measured.count === 0) {
      continue;
    }
    const factor = measured.sumMs / measured.count / meanServiceTimeMs(profile, route);
    routes[route] = { medianMs: profile.routes[route].medianMs * factor, p99Ms: profile.routes[route].p99Ms * factor };
    if (route === 'vendor-register') {
      // The hold time of a registration includes the vendor call, so both parts scale together.
      vendor = { medianMs: profile.vendor.medianMs * factor, p99Ms: profile.vendor.p99Ms * factor };
    }
  }
  return { ...profile, name: `${profile.name} (measured service times)`, routes, vendor };
}
