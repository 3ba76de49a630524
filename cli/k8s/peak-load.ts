// The plan figures that size the runners: peak requests/s and VUs of an event at a scale, taken
// from the same k6 options the built script computes, so the sizing matches what the runners do.

import { buildEventOptions } from '../../lib/bundle/event-options.ts';
import { countRequests } from '../../lib/bundle/steps.ts';
import type { LoadedEvent } from '../../lib/event/types.ts';

/** One platform's share of the peak. */
export interface PlatformPeak {
  platform: string;
  usersPerSecond: number;
  requestsPerUser: number;
  requestsPerSecond: number;
  /** VUs k6 creates before the scenario starts. */
  preAllocatedVUs: number;
  /** VUs k6 may grow to when iterations slow down. */
  maxVUs: number;
}

/** The event's peak at one scale, summed over platforms. */
export interface EventPeakLoad {
  users: number;
  usersPerSecond: number;
  requestsPerSecond: number;
  preAllocatedVUs: number;
  maxVUs: number;
  platforms: PlatformPeak[];
}

/**
 * Computes the peak of an event at `scale` from the scenario's k6 options: each platform's peak
 * arrival rate times the requests in its bundle, and its VU pools. The platforms share one arrival
 * curve, so their peaks coincide and add up. Counting all of a user's requests in the second the
 * user arrives overestimates the rate a little for bundles that take longer than a second.
 * `maxIterationSeconds` must be the value the runners get, because it sizes `maxVUs`.
 */
export function computeEventPeakLoad(event: LoadedEvent, scale: number, maxIterationSeconds: number): EventPeakLoad {
  const options = buildEventOptions(event, { scale, maxIterationSeconds });

  const platforms: PlatformPeak[] = Object.keys(options.scenarios).map((platform) => {
    const scenario = options.scenarios[platform];
    const usersPerSecond = options.herd.platforms[platform].peakRatePerSecond;
    const requestsPerUser = countRequests(event.platforms[platform].bundle.steps);
    return {
      platform,
      usersPerSecond,
      requestsPerUser,
      requestsPerSecond: usersPerSecond * requestsPerUser,
      preAllocatedVUs: scenario.preAllocatedVUs,
      maxVUs: scenario.maxVUs,
    };
  });

  const sum = (pick: (platform: PlatformPeak) => number): number => platforms.reduce((total, platform) => total + pick(platform), 0);
  return {
    users: options.herd.users,
    usersPerSecond: sum((platform) => platform.usersPerSecond),
    requestsPerSecond: sum((platform) => platform.requestsPerSecond),
    preAllocatedVUs: sum((platform) => platform.preAllocatedVUs),
    maxVUs: sum((platform) => platform.maxVUs),
    platforms,
  };
}
