// The plan figures that size the runners: peak requests/s and VUs of an event at a scale.

import { createArrivalCurve, describeArrival } from '../../lib/arrival/index.ts';
import { countRequests, estimateBundleDurationMs } from '../../lib/bundle/steps.ts';
import type { LoadedEvent } from '../../lib/event/types.ts';

/**
 * VUs allocated per user in flight at the peak (Little's law: users/s × seconds per user).
 * Twice the estimate, because the bundle durations assume a backend that is not overloaded.
 * NOTE: an estimate of the scenario's own maxVUs; switch to `sizeVUs` from lib/stages once it exists.
 */
export const VU_HEADROOM_FACTOR = 2;

/** One platform's share of the peak. */
export interface PlatformPeak {
  platform: string;
  usersPerSecond: number;
  requestsPerUser: number;
  requestsPerSecond: number;
  /** Estimated seconds one user's bundle takes against a healthy backend. */
  iterationSeconds: number;
  vus: number;
}

/** The event's peak at one scale, summed over platforms. */
export interface EventPeakLoad {
  users: number;
  usersPerSecond: number;
  requestsPerSecond: number;
  vus: number;
  platforms: PlatformPeak[];
}

/**
 * Computes the peak of an event at `scale`: all platforms share one arrival curve, so each
 * platform's peak is its share of the curve's peak, and requests/s is users/s × requests per user.
 * This counts a user's requests in the second they arrive, a small overestimate for bundles that
 * take longer than a second.
 */
export function computeEventPeakLoad(event: LoadedEvent, scale: number): EventPeakLoad {
  const users = event.users * scale;
  const curve = createArrivalCurve(event.arrival, users, event.traceArrivalSeconds);
  const peakUsersPerSecond = describeArrival(curve).peakRatePerSecond;

  const platforms: PlatformPeak[] = Object.keys(event.platforms).map((platform) => {
    const { share, bundle } = event.platforms[platform];
    const usersPerSecond = peakUsersPerSecond * share;
    const requestsPerUser = countRequests(bundle.steps);
    const iterationSeconds = estimateBundleDurationMs(bundle.steps) / 1000;
    return {
      platform,
      usersPerSecond,
      requestsPerUser,
      requestsPerSecond: usersPerSecond * requestsPerUser,
      iterationSeconds,
      vus: Math.max(1, Math.ceil(usersPerSecond * iterationSeconds * VU_HEADROOM_FACTOR)),
    };
  });

  return {
    users,
    usersPerSecond: peakUsersPerSecond,
    requestsPerSecond: platforms.reduce((sum, platform) => sum + platform.requestsPerSecond, 0),
    vus: platforms.reduce((sum, platform) => sum + platform.vus, 0),
    platforms,
  };
}
