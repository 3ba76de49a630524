// Profiles of the reference target and the route table that both the target and the planner use.
// Pure data and pure functions only: the planner imports this file, so it must not touch Node APIs.

/** Routes that go through the proxy queue and a worker; each has its own latency distribution. */
export type RouteKey = 'event-page' | 'auth-refresh' | 'vendor-register' | 'app-config' | 'api' | 'static';

/** Every route key, in the order the target reports them. */
export const routeKeys: readonly RouteKey[] = ['event-page', 'auth-refresh', 'vendor-register', 'app-config', 'api', 'static'];

/**
 * A log-normal service time, given by two quantiles a team can read off a dashboard.
 * Example: `{ medianMs: 40, p99Ms: 250 }`.
 */
export interface LatencySpec {
  /** Median service time in milliseconds; must be > 0. */
  medianMs: number;
  /** 99th percentile in milliseconds; must be >= medianMs (equal means a fixed time). */
  p99Ms: number;
}

/** A modelled backend: how many serial workers a server runs, the proxy's queue timeout and the route latencies. */
export interface TargetProfile {
  /** Profile name as the CLI's `--profile` flag spells it. */
  name: string;
  /** Requests one server processes at the same time: one per worker process (or per async slot). */
  workersPerServer: number;
  /** How long a request may wait in the proxy queue before the proxy responds 503; 5000 in both built-in profiles. */
  queueTimeoutMs: number;
  /** Lifetime of an access token issued by `POST /auth/refresh`, in seconds. */
  tokenLifetimeSeconds: number;
  /**
   * Time a worker holds a request of each route, excluding the vendor call. A rejected request
   * (400 or 401) holds its worker just as long, as in an application that checks input after its framework has started.
   */
  routes: Record<RouteKey, LatencySpec>;
  /** The streaming vendor's registration call, which `vendor-register` waits on while holding its worker. */
  vendor: LatencySpec;
}

/**
 * The story's legacy stack: 19 PHP/Rails-style processes per 8-core server, 2 of them reserved
 * for health checks, each serving one request at a time, behind a proxy that drops a request with
 * 503 after 5 s in its queue.
 *
 * The latencies are estimates of what such a stack shows under moderate load, not measurements:
 * a templated HTML page with a few database reads (median 40 ms), a token refresh with one write
 * (25 ms), a vendor registration with its own bookkeeping (60 ms) plus the vendor's HTTP call
 * (80 ms), small cached JSON calls (15 to 20 ms) and static files (3 ms). Each p99 is set at five
 * to seven times its median, an estimate of the tail that garbage collection and lock waits add.
 */
export const legacyProfile: TargetProfile = {
  name: 'legacy',
  workersPerServer: 17,
  queueTimeoutMs: 5000,
  tokenLifetimeSeconds: 900,
  routes: {
    'event-page': { medianMs: 40, p99Ms: 250 },
    'auth-refresh': { medianMs: 25, p99Ms: 150 },
    'vendor-register': { medianMs: 60, p99Ms: 350 },
    'app-config': { medianMs: 15, p99Ms: 90 },
    api: { medianMs: 20, p99Ms: 140 },
    static: { medianMs: 3, p99Ms: 20 },
  },
  vendor: { medianMs: 80, p99Ms: 400 },
};

/**
 * An asynchronous stack (an event loop or green threads per server) that keeps 2000 requests
 * in flight per server with short service times. Engine benchmarks use it so that the target's
 * CPU, not its worker count, sets the ceiling. The latencies are estimates, about five times
 * shorter than the legacy ones.
 */
export const highConcurrencyProfile: TargetProfile = {
  name: 'high-concurrency',
  workersPerServer: 2000,
  queueTimeoutMs: 5000,
  tokenLifetimeSeconds: 900,
  routes: {
    'event-page': { medianMs: 8, p99Ms: 40 },
    'auth-refresh': { medianMs: 5, p99Ms: 25 },
    'vendor-register': { medianMs: 10, p99Ms: 50 },
    'app-config': { medianMs: 2, p99Ms: 10 },
    api: { medianMs: 4, p99Ms: 20 },
    static: { medianMs: 1, p99Ms: 5 },
  },
  vendor: { medianMs: 20, p99Ms: 100 },
};

/** The built-in profiles by name, as `--profile` accepts them. */
export const profiles: Readonly<Record<string, TargetProfile>> = {
  [legacyProfile.name]: legacyProfile,
  [highConcurrencyProfile.name]: highConcurrencyProfile,
};

/** The standard normal quantile at 0.99, which links a log-normal's median and p99. */
const normalQuantile99 = 2.3263478740408408;

/**
 * Converts a latency spec to the parameters of ln(service time in ms): `mu = ln(median)`,
 * `sigma = (ln(p99) - ln(median)) / z(0.99)`.
 */
export function logNormalParameters(latency: LatencySpec): { mu: number; sigma: number } {
  const mu = Math.log(latency.medianMs);
  const sigma = (Math.log(latency.p99Ms) - mu) / normalQuantile99;
  return { mu, sigma };
}

/**
 * Returns the mean time in milliseconds that one request of `route` holds a worker, vendor call
 * included: the log-normal mean `median × exp(sigma² / 2)`. The planner feeds it to Little's law.
 * NOTE: the target caps each draw at ten times the p99, which lowers the true mean by far less than 1 %.
 */
export function meanServiceTimeMs(profile: TargetProfile, route: RouteKey): number {
  const routeMeanMs = logNormalMeanMs(profile.routes[route]);
  if (route !== 'vendor-register') {
    return routeMeanMs;
  }
  return routeMeanMs + logNormalMeanMs(profile.vendor);
}

function logNormalMeanMs(latency: LatencySpec): number {
  const { sigma } = logNormalParameters(latency);
  return latency.medianMs * Math.exp((sigma * sigma) / 2);
}

/** Returns the number of workers behind the proxy: servers × workers per server. */
export function countWorkers(profile: TargetProfile, servers: number): number {
  return servers * profile.workersPerServer;
}

/**
 * Returns the pool route that serves a request, or `undefined` for requests outside the worker
 * pool: `/health`, `/metrics` and everything the target rejects with 404.
 * `path` may be a path or an absolute URL; its query string and fragment are ignored, and the
 * method is case-insensitive. Example: `classifyRoute('GET', '/events/launch-42?ref=push')`
 * returns `'event-page'`.
 */
export function classifyRoute(method: string, path: string): RouteKey | undefined {
  const verb = method.toUpperCase();
  const pathname = extractPathname(path);

  if (verb === 'GET' && /^\/events\/[^/]+$/.test(pathname)) {
    return 'event-page';
  }
  if (verb === 'POST' && pathname === '/auth/refresh') {
    return 'auth-refresh';
  }
  if (verb === 'POST' && pathname === '/vendor/register') {
    return 'vendor-register';
  }
  if (verb === 'GET' && (pathname === '/api/app/config' || pathname === '/api/app/feature-flags')) {
    return 'app-config';
  }
  if ((verb === 'GET' || verb === 'POST') && pathname.startsWith('/api/') && pathname.length > '/api/'.length) {
    return 'api';
  }
  if (verb === 'GET' && pathname.startsWith('/static/') && pathname.length > '/static/'.length) {
    return 'static';
  }
  return undefined;
}

/** Strips the scheme and authority of an absolute URL, then the query string and fragment. */
function extractPathname(path: string): string {
  let pathname = path;
  const authorityMatch = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(pathname);
  if (authorityMatch !== null) {
    pathname = pathname.slice(authorityMatch[0].length);
  }
  const endIndex = pathname.search(/[?#]/);
  if (endIndex !== -1) {
    pathname = pathname.slice(0, endIndex);
  }
  return pathname === '' ? '/' : pathname;
}
