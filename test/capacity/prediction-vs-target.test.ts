// End to end: a small herd of web users against the reference target, compared with the
// planner's prediction for the same profile and server count. The profile is the legacy one
// scaled down in time (shorter service times and queue timeout), so the queue reaches its
// steady state within a few seconds. The model does not depend on the time scale.
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { predictAgainstTarget, predictProxyQueue, type TargetPrediction } from '../../lib/capacity/index.ts';
import type { BundleFile } from '../../lib/event/types.ts';
import { legacyProfile, type TargetProfile } from '../../target/profiles.ts';
import { startTarget, type RunningTarget } from '../../target/index.ts';

const profile: TargetProfile = {
  ...legacyProfile,
  name: 'legacy-fast',
  workersPerServer: 6,
  queueTimeoutMs: 400,
  routes: {
    ...legacyProfile.routes,
    'event-page': { medianMs: 16, p99Ms: 100 },
    'auth-refresh': { medianMs: 10, p99Ms: 60 },
    'vendor-register': { medianMs: 24, p99Ms: 140 },
  },
  vendor: { medianMs: 32, p99Ms: 160 },
};

const webBundle: BundleFile = {
  name: 'web',
  steps: [
    { request: { name: 'event-page', method: 'GET', path: '/events/e1' } },
    { request: { name: 'auth-refresh', method: 'POST', path: '/auth/refresh', body: { refreshToken: 'r' }, capture: { token: 'json:accessToken' } } },
    { request: { name: 'vendor-register', method: 'POST', path: '/vendor/register', withToken: true, body: { eventId: 'e1' } } },
  ],
};

// The herd: users arrive evenly (as k6 starts them) for RUN_SECONDS. Only users arriving in
// the measuring window count: the queue needs about 2 s to fill, and the users of the window
// must finish their three requests before arrivals stop.
const RUN_SECONDS = 13;
// Above this event-loop delay the target cannot keep its timing and the comparison is skipped.
const MAX_EVENT_LOOP_DELAY_P90_MS = 12;
const WINDOW_START_SECONDS = 4;
const WINDOW_END_SECONDS = 11.5;

let target: RunningTarget;
const agent = new Agent({ connections: 512, keepAliveTimeout: 10_000 });

before(async () => {
  target = await startTarget({ host: '127.0.0.1', port: 0, profile, servers: 1 });
});

after(async () => {
  await agent.close();
  await target.close();
});

interface UserOutcome {
  arrivedAtSeconds: number;
  statuses: number[];
  admitted: boolean;
}

async function sendRequest(path: string, method: string, body: unknown, token: string | undefined): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
  }
  const response = await request(`${target.url}${path}`, {
    method: method as 'GET' | 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher: agent,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  let json: unknown;
  if (String(response.headers['content-type'] ?? '').includes('json')) {
    json = JSON.parse(text);
  }
  return { status: response.statusCode, json };
}

/** Plays one web user: every request is sent even after a failure, as the model assumes. */
async function playWebUser(arrivedAtSeconds: number): Promise<UserOutcome> {
  const page = await sendRequest('/events/e1', 'GET', undefined, undefined);
  const refresh = await sendRequest('/auth/refresh', 'POST', { refreshToken: `user-${arrivedAtSeconds}` }, undefined);
  const token = (refresh.json as { accessToken?: string } | undefined)?.accessToken;
  const register = await sendRequest('/vendor/register', 'POST', { eventId: 'e1' }, token);
  const statuses = [page.status, refresh.status, register.status];
  return { arrivedAtSeconds, statuses, admitted: statuses.every((status) => status >= 200 && status < 300) };
}

type TargetStats = ReturnType<RunningTarget['stats']>;

/** Requests the workers served and the worker time they took, between two snapshots. */
interface WindowLoad {
  servedRequests: number;
  holdMs: number;
}

function measureTargetWindow(end: TargetStats, start: TargetStats): WindowLoad {
  const sumHold = (stats: TargetStats): { count: number; sumMs: number } => {
    const totals = { count: 0, sumMs: 0 };
    for (const route of Object.values(stats.serviceTime)) {
      totals.count += route?.count ?? 0;
      totals.sumMs += route?.sumMs ?? 0;
    }
    return totals;
  };
  return {
    servedRequests: sumHold(end).count - sumHold(start).count,
    holdMs: sumHold(end).sumMs - sumHold(start).sumMs,
  };
}

async function runHerd(usersPerSecond: number): Promise<{ outcomes: UserOutcome[]; targetWindow: WindowLoad }> {
  const startedAt = performance.now();
  const users: Array<Promise<UserOutcome>> = [];
  let windowStart = target.stats();
  let windowEnd = windowStart;
  const startSnapshot = setTimeout(() => {
    windowStart = target.stats();
  }, WINDOW_START_SECONDS * 1000);
  const endSnapshot = setTimeout(() => {
    windowEnd = target.stats();
  }, WINDOW_END_SECONDS * 1000);

  const totalUsers = Math.round(usersPerSecond * RUN_SECONDS);
  for (let index = 0; index < totalUsers; index += 1) {
    const dueMs = (index / usersPerSecond) * 1000;
    const waitMs = dueMs - (performance.now() - startedAt);
    if (waitMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    users.push(playWebUser((performance.now() - startedAt) / 1000));
  }
  const outcomes = await Promise.all(users);
  clearTimeout(startSnapshot);
  clearTimeout(endSnapshot);
  return { outcomes, targetWindow: measureTargetWindow(windowEnd, windowStart) };
}

function measureWindow(outcomes: UserOutcome[]): { admittedUsersPerSecond: number; rejectedShare: number; users: number } {
  const inWindow = outcomes.filter((user) => user.arrivedAtSeconds >= WINDOW_START_SECONDS && user.arrivedAtSeconds < WINDOW_END_SECONDS);
  const statuses = inWindow.flatMap((user) => user.statuses);
  return {
    users: inWindow.length,
    admittedUsersPerSecond: inWindow.filter((user) => user.admitted).length / (WINDOW_END_SECONDS - WINDOW_START_SECONDS),
    rejectedShare: statuses.filter((status) => status === 503).length / statuses.length,
  };
}

function relativeDifference(measured: number, predicted: number): number {
  return Math.abs(measured - predicted) / predicted;
}

function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

test('measured herd matches the prediction', async (context) => {
  // About 1.3 times what the workers serve at this mix, so roughly a fifth of the requests get
  // 503. A 7.5-second window keeps the noise of the heavy-tailed service times small. More
  // workers at a higher rate would do it faster, but then this one process (herd and target)
  // runs out of CPU and the target's workers idle between timer callbacks.
  const unitPrediction = predictAgainstTarget([{ name: 'web', peakUsersPerSecond: 1, bundle: webBundle }], profile, 1);
  const usersPerSecond = Math.round(((profile.workersPerServer / unitPrediction.meanServiceSeconds) / 3) * 1.3);
  const fromProfile: TargetPrediction = predictAgainstTarget([{ name: 'web', peakUsersPerSecond: usersPerSecond, bundle: webBundle }], profile, 1);

  const eventLoopDelay = monitorEventLoopDelay({ resolution: 5 });
  eventLoopDelay.enable();
  const herdRun = await runHerd(usersPerSecond);
  eventLoopDelay.disable();
  const delayP90Ms = eventLoopDelay.percentile(90) / 1e6;
  const measured = measureWindow(herdRun.outcomes);
  const windowSeconds = WINDOW_END_SECONDS - WINDOW_START_SECONDS;
  const load = herdRun.targetWindow;

  // The same queue model, fed with the rate the users really sent (three requests each) and
  // the worker hold time the target really had in the window instead of the nominal ones.
  const measuredUsersPerSecond = measured.users / windowSeconds;
  const fromMeasuredInputs = predictProxyQueue({
    offeredRequestsPerSecond: 3 * measuredUsersPerSecond,
    workers: profile.workersPerServer,
    meanServiceSeconds: load.holdMs / load.servedRequests / 1000,
    queueTimeoutSeconds: profile.queueTimeoutMs / 1000,
  });
  const admittedFromMeasuredInputs = measuredUsersPerSecond * Math.pow(1 - fromMeasuredInputs.rejectedShare, 3);
  const label = [
    `${usersPerSecond} users/s nominal, ${measured.users} users in the window, event-loop delay p90 ${delayP90Ms.toFixed(1)} ms`,
    `measured: ${measured.admittedUsersPerSecond.toFixed(1)} admitted users/s, ${formatPercent(measured.rejectedShare)} 503s ` +
      `(${(3 * measuredUsersPerSecond).toFixed(1)} requests/s sent, mean hold ${(load.holdMs / load.servedRequests).toFixed(1)} ms)`,
    `predicted from the profile: ${fromProfile.admittedUsersPerSecond.toFixed(1)} admitted users/s, ${formatPercent(fromProfile.rejectedShare)} 503s ` +
      `(${fromProfile.offeredRequestsPerSecond.toFixed(1)} requests/s, mean service ${(fromProfile.meanServiceSeconds * 1000).toFixed(1)} ms)`,
    `predicted from the measured load: ${admittedFromMeasuredInputs.toFixed(1)} admitted users/s, ${formatPercent(fromMeasuredInputs.rejectedShare)} 503s`,
  ].join('\n');
  console.log(label);

  assert.ok(measured.users > 100, label);
  if (delayP90Ms > MAX_EVENT_LOOP_DELAY_P90_MS) {
    // A starved event loop batches arrivals and leaves workers idle between bursts, so the
    // queue this run measured is not the one the model describes.
    context.skip(`the machine was too busy to time the queue (event-loop delay p90 ${delayP90Ms.toFixed(1)} ms)`);
    return;
  }
  // The plan's prediction, from the profile alone, must agree within 15 %.
  assert.ok(relativeDifference(measured.rejectedShare, fromProfile.rejectedShare) < 0.15, label);
  assert.ok(relativeDifference(measured.admittedUsersPerSecond, fromProfile.admittedUsersPerSecond) < 0.15, label);
  // Fed with the load the target really had, the queue model stays close too. It is checked more
  // loosely: the window's mean hold time is itself noisy, and the model amplifies that noise.
  assert.ok(relativeDifference(measured.rejectedShare, fromMeasuredInputs.rejectedShare) < 0.25, label);
});
