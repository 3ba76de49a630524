// A discrete-event simulation of a herd run against the reference target. The target is one FIFO
// proxy queue with a timeout in front of serial workers with log-normal hold times. The bundle
// player sends parallel groups through a lane limit and starts no request after an essential
// failure. Both are known, so a run can be replayed on paper, request by request.
// Closed-form queue models miss what decides a herd: the backlog carried from one second to the
// next, and users who stop sending after their first failure.
import type { BundleFile, RequestSpec } from '../event/types.ts';
import { classifyRoute, routeKeys, type RouteKey, type TargetProfile } from '../../target/profiles.ts';
import { createLatencySampler, createRandomSource, type LatencySampler } from '../../target/latency.ts';
import { isExpectedStatus } from '../bundle/steps.ts';
import { listRequests } from './bundle-timing.ts';

/** One platform of the simulated run: when its users start, and the bundle each plays. */
export interface SimulatedPlatform {
  name: string;
  /** Start of each user's iteration in seconds from the test start, as k6 schedules them. */
  startSeconds: readonly number[];
  bundle: BundleFile;
}

/** Settings of `simulateRun`. */
export interface RunSimulationSettings {
  profile: TargetProfile;
  servers: number;
  /** Seed of the hold-time draws; the same seed gives the same result. Default 1. */
  seed?: number;
  /** Width of the buckets of `series`, in seconds. Default 1. */
  bucketSeconds?: number;
}

/** The figures a run measures, for the whole run or one platform of it. */
export interface SimulatedFigures {
  users: number;
  /** Share of the users who got every essential response: what `herd_admitted` measures. */
  admittedShare: number;
  requestsSent: number;
  /** Share of the requests that got a 503 from the proxy queue. */
  rejectedShare: number;
  /** Median and 95th percentile of arrival to last essential response, admitted users only. */
  timeToAdmitP50Seconds: number;
  timeToAdmitP95Seconds: number;
}

/** The figures of one platform in the simulated run. */
export interface SimulatedPlatformResult extends SimulatedFigures {
  name: string;
}

/** One bucket of the simulated run. */
export interface SimulatedSecond {
  /** Start of the bucket in seconds from the test start. */
  tSeconds: number;
  /** Users whose bundle ended admitted in this bucket, per second (k6 adds `herd_admitted` when the bundle ends). */
  admittedUsersPerSecond: number;
  /** 503s over requests sent in this bucket. */
  rejectedShare: number;
}

/** The figures a run against the reference target is expected to measure, from `simulateRun`. */
export interface RunSimulation extends SimulatedFigures {
  /** Highest admitted users per second over the buckets of `series`. */
  admittedUsersPerSecondAtPeak: number;
  platforms: SimulatedPlatformResult[];
  series: SimulatedSecond[];
}

interface CompiledRequest {
  route: RouteKey | undefined;
  essential: boolean;
  /** Status the target returns once a worker has the request (404 without a route). */
  servedStatus: number;
  /** Whether the bundle accepts `servedStatus`; a 503 from the queue is never accepted. */
  servedStatusExpected: boolean;
}

interface CompiledGroup {
  requests: CompiledRequest[];
  lanes: number;
}

type CompiledStep = { kind: 'group'; group: CompiledGroup } | { kind: 'pause'; durationMs: number };

interface PlatformState {
  name: string;
  steps: CompiledStep[];
  users: number;
  admittedUsers: number;
  requestsSent: number;
  rejectedRequests: number;
  timeToAdmitMs: number[];
}

interface UserState {
  platform: PlatformState;
  startedAtMs: number;
  stepIndex: number;
  failed: boolean;
  lastEssentialMs: number;
  group: CompiledGroup | undefined;
  nextRequest: number;
  inFlight: number;
}

interface Job {
  user: UserState;
  request: CompiledRequest;
  sentAtMs: number;
  waiting: boolean;
}

const enum EventKind {
  Start,
  ServiceEnd,
  Expire,
  Respond,
  Resume,
}

interface SimEvent {
  atMs: number;
  order: number;
  kind: EventKind;
  job: Job | undefined;
  user: UserState | undefined;
}

/** A binary min-heap of events by time, then by the order they were scheduled, so ties are deterministic. */
class EventQueue {
  #heap: SimEvent[] = [];
  #order = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(atMs: number, kind: EventKind, job: Job | undefined, user: UserState | undefined): void {
    const heap = this.#heap;
    const event: SimEvent = { atMs, order: this.#order++, kind, job, user };
    let index = heap.length;
    heap.push(event);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(event, heap[parent])) break;
      heap[index] = heap[parent];
      index = parent;
    }
    heap[index] = event;
  }

  pop(): SimEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[index] = heap[child];
      index = child;
    }
    heap[index] = last;
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}

function hasBodyField(request: RequestSpec, field: string): boolean {
  return typeof request.body === 'object' && request.body !== null && field in request.body;
}

/**
 * Returns the status the reference target sends for `request` when a worker takes it, by the
 * target's own rules. A request without a route gets 404, and a vendor or API request without a
 * bearer token 401. A body without the field its route reads gets 400, anything else 200.
 */
function servedStatusOf(request: RequestSpec, route: RouteKey | undefined): number {
  if (route === undefined) return 404;
  if ((route === 'vendor-register' || route === 'api') && request.withToken !== true) return 401;
  if (route === 'auth-refresh' && !hasBodyField(request, 'refreshToken')) return 400;
  if (route === 'vendor-register' && !hasBodyField(request, 'eventId')) return 400;
  return 200;
}

function compileRequest(request: RequestSpec): CompiledRequest {
  const route = classifyRoute(request.method, request.path);
  const servedStatus = servedStatusOf(request, route);
  return { route, essential: request.essential !== false, servedStatus, servedStatusExpected: isExpectedStatus(servedStatus, request.expectStatus) };
}

/** A request of a bundle that gets a status the bundle does not expect from the reference target. */
export interface UnexpectedStatusRequest {
  name: string;
  /** 404 without a route, 401 without a bearer token, 400 without the body field the route reads, or a 200 the bundle does not expect. */
  status: number;
}

/** Lists the requests of `bundle` that fail against the reference target even when it is idle. */
export function listUnexpectedStatusRequests(bundle: BundleFile): UnexpectedStatusRequest[] {
  return listRequests(bundle)
    .map((request) => ({ request, compiled: compileRequest(request) }))
    .filter(({ compiled }) => !compiled.servedStatusExpected)
    .map(({ request, compiled }) => ({ name: request.name, status: compiled.servedStatus }));
}

function compileSteps(bundle: BundleFile): CompiledStep[] {
  return bundle.steps.map((step): CompiledStep => {
    if ('request' in step) return { kind: 'group', group: { requests: [compileRequest(step.request)], lanes: 1 } };
    if ('parallel' in step) {
      const requests = step.parallel.steps.map((inner) => compileRequest(inner.request));
      return { kind: 'group', group: { requests, lanes: Math.max(1, Math.min(step.parallel.maxConcurrency ?? requests.length, requests.length)) } };
    }
    return { kind: 'pause', durationMs: step.pause.durationMs };
  });
}

/** Returns the nearest-rank `percent` percentile of ascending `sorted` values, or 0 when there are none. */
export function nearestRankPercentile(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Replays a run against the reference target event by event and returns what the run should
 * measure. Costs about a microsecond per request, so callers bound it by the requests a run sends.
 * NOTE: the network and the load generator take no time here. On a busy machine the target's
 * timers fire late and the generator starts users late, so a real run is a little slower. Captures
 * always succeed, tokens never expire, and k6's 60 s request timeout is not modelled.
 */
export function simulateRun(platforms: readonly SimulatedPlatform[], settings: RunSimulationSettings): RunSimulation {
  const { profile } = settings;
  const workerCount = settings.servers * profile.workersPerServer;
  const queueTimeoutMs = profile.queueTimeoutMs;
  const bucketMs = (settings.bucketSeconds ?? 1) * 1000;
  const seed = settings.seed ?? 1;
  const samplers = new Map<RouteKey, LatencySampler>(routeKeys.map((route, index) => [route, createLatencySampler(profile.routes[route], createRandomSource(seed + index))]));
  const vendorSampler = createLatencySampler(profile.vendor, createRandomSource(seed + routeKeys.length));

  const events = new EventQueue();
  const queue: Job[] = [];
  let queueHead = 0;
  let busyWorkers = 0;
  const admittedByBucket: number[] = [];
  const sentByBucket: number[] = [];
  const rejectedByBucket: number[] = [];
  // A log-normal tail can reach weeks for a few users; the series stops at a day so its arrays stay small.
  const lastBucket = Math.ceil(86_400_000 / bucketMs);
  const bump = (counts: number[], atMs: number): void => {
    const bucket = Math.min(lastBucket, Math.max(0, Math.floor(atMs / bucketMs)));
    while (counts.length <= bucket) counts.push(0);
    counts[bucket] += 1;
  };

  const states: PlatformState[] = platforms.map((platform) => ({
    name: platform.name,
    steps: compileSteps(platform.bundle),
    users: platform.startSeconds.length,
    admittedUsers: 0,
    requestsSent: 0,
    rejectedRequests: 0,
    timeToAdmitMs: [],
  }));
  platforms.forEach((platform, index) => {
    for (const startSeconds of platform.startSeconds) {
      const user: UserState = { platform: states[index], startedAtMs: startSeconds * 1000, stepIndex: -1, failed: false, lastEssentialMs: startSeconds * 1000, group: undefined, nextRequest: 0, inFlight: 0 };
      events.push(user.startedAtMs, EventKind.Start, undefined, user);
    }
  });

  const holdMs = (request: CompiledRequest): number => {
    const route = request.route ?? 'static';
    const routeMs = samplers.get(route)?.sampleMs() ?? 0;
    // The target calls the vendor only for a registration it accepts.
    return route === 'vendor-register' && request.servedStatus === 200 ? routeMs + vendorSampler.sampleMs() : routeMs;
  };

  const startService = (job: Job, atMs: number): void => {
    busyWorkers += 1;
    events.push(atMs + holdMs(job.request), EventKind.ServiceEnd, job, undefined);
  };

  const send = (user: UserState, request: CompiledRequest, atMs: number): void => {
    user.inFlight += 1;
    user.platform.requestsSent += 1;
    bump(sentByBucket, atMs);
    const job: Job = { user, request, sentAtMs: atMs, waiting: false };
    if (request.route === undefined) {
      // The target returns 404 at once for a path outside its routes, without a worker.
      events.push(atMs, EventKind.Respond, job, undefined);
    } else if (busyWorkers < workerCount && queueHead === queue.length) {
      startService(job, atMs);
    } else {
      job.waiting = true;
      queue.push(job);
      events.push(atMs + queueTimeoutMs, EventKind.Expire, job, undefined);
    }
  };

  const beginStep = (user: UserState, atMs: number): void => {
    user.stepIndex += 1;
    const step = user.platform.steps[user.stepIndex];
    if (user.failed || step === undefined) {
      finish(user, atMs);
      return;
    }
    if (step.kind === 'pause') {
      events.push(atMs + step.durationMs, EventKind.Resume, undefined, user);
      return;
    }
    user.group = step.group;
    user.nextRequest = 0;
    for (let lane = 0; lane < step.group.lanes; lane += 1) launchNext(user, atMs);
  };

  const launchNext = (user: UserState, atMs: number): void => {
    const group = user.group;
    if (group === undefined || user.failed || user.nextRequest >= group.requests.length) return;
    const request = group.requests[user.nextRequest];
    user.nextRequest += 1;
    send(user, request, atMs);
  };

  const respond = (job: Job, succeeded: boolean, atMs: number): void => {
    const { user } = job;
    user.inFlight -= 1;
    if (job.request.essential) {
      user.lastEssentialMs = Math.max(user.lastEssentialMs, atMs);
      if (!succeeded) user.failed = true;
    }
    launchNext(user, atMs);
    if (user.inFlight === 0) beginStep(user, atMs);
  };

  const finish = (user: UserState, atMs: number): void => {
    if (user.failed) return;
    user.platform.admittedUsers += 1;
    user.platform.timeToAdmitMs.push(user.lastEssentialMs - user.startedAtMs);
    bump(admittedByBucket, atMs);
  };

  /** Hands the freed workers to the oldest waiting jobs, as the target's pool does at `atMs`. */
  const dispatch = (atMs: number): void => {
    while (busyWorkers < workerCount && queueHead < queue.length) {
      const job = queue[queueHead];
      queueHead += 1;
      if (!job.waiting) continue;
      job.waiting = false;
      startService(job, atMs);
    }
    if (queueHead > 4096 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
  };

  for (let event = events.pop(); event !== undefined; event = events.pop()) {
    const { atMs, job, user } = event;
    switch (event.kind) {
      case EventKind.Start:
        if (user !== undefined) beginStep(user, atMs);
        break;
      case EventKind.Resume:
        if (user !== undefined) beginStep(user, atMs);
        break;
      case EventKind.ServiceEnd:
        if (job === undefined) break;
        busyWorkers -= 1;
        // Queued requests take the freed worker before this response's user can send again.
        dispatch(atMs);
        respond(job, job.request.servedStatusExpected, atMs);
        break;
      case EventKind.Expire:
        if (job === undefined || !job.waiting) break;
        job.waiting = false;
        job.user.platform.rejectedRequests += 1;
        bump(rejectedByBucket, job.sentAtMs);
        respond(job, false, atMs);
        break;
      case EventKind.Respond:
        if (job !== undefined) respond(job, job.request.servedStatusExpected, atMs);
        break;
    }
  }

  const platformResults = states.map((state): SimulatedPlatformResult => {
    const sorted = [...state.timeToAdmitMs].sort((a, b) => a - b);
    return {
      name: state.name,
      users: state.users,
      admittedShare: state.users > 0 ? state.admittedUsers / state.users : 0,
      requestsSent: state.requestsSent,
      rejectedShare: state.requestsSent > 0 ? state.rejectedRequests / state.requestsSent : 0,
      timeToAdmitP50Seconds: nearestRankPercentile(sorted, 50) / 1000,
      timeToAdmitP95Seconds: nearestRankPercentile(sorted, 95) / 1000,
    };
  });
  const sum = (pick: (state: PlatformState) => number): number => states.reduce((total, state) => total + pick(state), 0);
  const allTimes = states.flatMap((state) => state.timeToAdmitMs).sort((a, b) => a - b);
  const users = sum((state) => state.users);
  const requestsSent = sum((state) => state.requestsSent);
  const bucketCount = Math.max(admittedByBucket.length, sentByBucket.length);
  const series: SimulatedSecond[] = [];
  for (let bucket = 0; bucket < bucketCount; bucket += 1) {
    const sent = sentByBucket[bucket] ?? 0;
    series.push({
      tSeconds: (bucket * bucketMs) / 1000,
      admittedUsersPerSecond: (admittedByBucket[bucket] ?? 0) / (bucketMs / 1000),
      rejectedShare: sent > 0 ? (rejectedByBucket[bucket] ?? 0) / sent : 0,
    });
  }
  return {
    users,
    admittedShare: users > 0 ? sum((state) => state.admittedUsers) / users : 0,
    requestsSent,
    rejectedShare: requestsSent > 0 ? sum((state) => state.rejectedRequests) / requestsSent : 0,
    timeToAdmitP50Seconds: nearestRankPercentile(allTimes, 50) / 1000,
    timeToAdmitP95Seconds: nearestRankPercentile(allTimes, 95) / 1000,
    admittedUsersPerSecondAtPeak: series.reduce((most, second) => Math.max(most, second.admittedUsersPerSecond), 0),
    platforms: platformResults,
    series,
  };
}
