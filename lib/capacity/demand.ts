// The planner's arithmetic: requests per user, requests per second, in-flight requests by
// Little's law, and servers needed at a concurrency per server.

/** One platform's share of the users and the requests one of its users sends. */
export interface PlatformMix {
  share: number;
  requestsPerUser: number;
}

/** Averages the requests per user over the platform mix: Σ share × requests. Example: 0.3 × 3 + 0.7 × 30 = 21.9. */
export function averageRequestsPerUser(mix: readonly PlatformMix[]): number {
  return mix.reduce((sum, platform) => sum + platform.share * platform.requestsPerUser, 0);
}

/** Inputs of `estimatePeakDemand`. */
export interface PeakDemandInput {
  peakUsersPerSecond: number;
  requestsPerUser: number;
  /** Mean time a request holds a server's worker, in seconds. */
  meanServiceSeconds: number;
  /** Requests one server serves at the same time. Example: 17 (19 processes, 2 kept for health checks). */
  concurrencyPerServer: number;
}

/** The backend's load at the peak. */
export interface PeakDemand {
  peakRequestsPerSecond: number;
  /** Little's law: requests in service at the peak = requests/s × mean service time. */
  inFlightAtPeak: number;
  /** Servers that keep `inFlightAtPeak` requests in service at once: ceil(inFlightAtPeak / concurrency). */
  serversNeeded: number;
  /**
   * Servers needed if every request of the peak second were in flight at once (each holding a
   * worker for a whole second): peak requests/s × 1 s / concurrency, unrounded. This is the
   * planning meeting's rule of thumb, 4,200 × 22 / 17 ≈ 5,435. It overstates the need whenever
   * requests take less than a second.
   */
  serversIfPeakSecondInFlight: number;
}

/** Computes the requests/s, in-flight requests and servers that the peak needs. */
export function estimatePeakDemand(input: PeakDemandInput): PeakDemand {
  const peakRequestsPerSecond = input.peakUsersPerSecond * input.requestsPerUser;
  const inFlightAtPeak = peakRequestsPerSecond * input.meanServiceSeconds;
  return {
    peakRequestsPerSecond,
    inFlightAtPeak,
    serversNeeded: Math.ceil(inFlightAtPeak / input.concurrencyPerServer),
    serversIfPeakSecondInFlight: peakRequestsPerSecond / input.concurrencyPerServer,
  };
}
