import type { BundleFile, RequestSpec } from '../event/types.ts';
import { classifyRoute, meanServiceTimeMs, type TargetProfile } from '../../target/profiles.ts';
import { estimateBundleTiming, listRequests } from './bundle-timing.ts';
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
  /** Mean worker time per routed request, weighted by the requests each platform sends, in seconds. */
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

  let offeredRequestsPerSecond = 0;
  let serviceMsPerSecond = 0;
  let offeredUsersPerSecond = 0;
  for (const platform of platforms) {
    offeredUsersPerSecond += platform.peakUsersPerSecond;
    for (const request of listRequests(platform.bundle)) {
      const serviceMs = serviceMsOf(request);
      if (serviceMs !== undefined) {
        offeredRequestsPerSecond += platform.peakUsersPerSecond;
        serviceMsPerSecond += platform.peakUsersPerSecond * serviceMs;
      }
    }
  }
  const meanServiceSeconds = offeredRequestsPerSecond > 0 ? serviceMsPerSecond / offeredRequestsPerSecond / 1000 : 0.05;
  const queue = predictProxyQueue({ offeredRequestsPerSecond, workers, meanServiceSeconds, queueTimeoutSeconds });
  const platformPredictions = platforms.map((platform) => predictPlatform(platform, queue.rejectedShare, queue.meanWaitSeconds, serviceMsOf));
  const admittedUsersPerSecond = platformPredictions.reduce((sum, platform) => sum + platform.admittedUsersPerSecond, 0);
  const sustainable = sustainableRequestsPerSecond({ workers, meanServiceSeconds, queueTimeoutSeconds });

  return {
    profile: profile.name,
    servers,
    workers,
    queueTimeoutSeconds,
    meanServiceSeconds,
    offeredRequestsPerSecond,
    admittedRequestsPerSecond: queue.admittedRequestsPerSecond,
    rejectedShare: queue.rejectedShare,
    meanWaitSeconds: queue.meanWaitSeconds,
    admittedUsersPerSecond,
    admittedShare: offeredUsersPerSecond > 0 ? admittedUsersPerSecond / offeredUsersPerSecond : 1,
    sustainableRequestsPerSecond: sustainable,
    sustainableUsersPerSecond: offeredUsersPerSecond > 0 ? sustainable * (offeredUsersPerSecond / offeredRequestsPerSecond) : 0,
    platforms: platformPredictions,
  };
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
