import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simulateRun, type SimulatedPlatform } from '../../lib/capacity/index.ts';
import type { BundleFile, RequestSpec } from '../../lib/event/types.ts';
import { legacyProfile, type TargetProfile } from '../../target/profiles.ts';

// Every route keeps its worker busy for exactly 100 ms (p99 = median makes the draw fixed), so queue
// waits can be worked out by hand.
const fixedProfile: TargetProfile = {
  ...legacyProfile,
  name: 'fixed',
  workersPerServer: 1,
  queueTimeoutMs: 350,
  routes: Object.fromEntries(Object.keys(legacyProfile.routes).map((route) => [route, { medianMs: 100, p99Ms: 100 }])) as TargetProfile['routes'],
  vendor: { medianMs: 100, p99Ms: 100 },
};

function request(name: string, path: string, essential = true): { request: RequestSpec } {
  // A bearer token keeps the target's API routes from returning 401.
  return { request: { name, method: 'GET', path, withToken: true, ...(essential ? {} : { essential: false }) } };
}

const onePage: BundleFile = { name: 'one-page', steps: [request('page', '/events/e1')] };

function together(users: number, bundle: BundleFile): SimulatedPlatform {
  return { name: 'web', startSeconds: Array.from({ length: users }, () => 0), bundle };
}

test('queue timeout rejects late users', () => {
  // One worker, 100 ms each: users 0 to 3 wait 0, 100, 200 and 300 ms; the rest would wait 400 ms or more.
  const result = simulateRun([together(10, onePage)], { profile: fixedProfile, servers: 1 });
  assert.equal(result.requestsSent, 10);
  assert.equal(result.admittedShare, 0.4);
  assert.equal(result.rejectedShare, 0.6);
  assert.equal(result.platforms[0].timeToAdmitP95Seconds, 0.4);
  assert.equal(result.timeToAdmitP50Seconds, 0.2);
});

test('roomy fleet admits every user', () => {
  const bundle: BundleFile = {
    name: 'app',
    steps: [request('config', '/api/app/config'), { parallel: { maxConcurrency: 2, steps: [request('a', '/api/a'), request('b', '/api/b'), request('c', '/api/c', false)] } }],
  };
  const result = simulateRun([together(5, bundle)], { profile: { ...fixedProfile, workersPerServer: 100 }, servers: 1 });
  assert.equal(result.admittedShare, 1);
  assert.equal(result.rejectedShare, 0);
  assert.equal(result.requestsSent, 20);
  // config, then a and b together, then c in the freed lane: the essential ones end at 200 ms.
  assert.equal(result.timeToAdmitP50Seconds, 0.2);
});

test('user stops after essential failure', () => {
  const bundle: BundleFile = { name: 'two', steps: [request('page', '/events/e1'), request('after', '/api/after')] };
  const result = simulateRun([together(10, bundle)], { profile: fixedProfile, servers: 1 });
  // The six users turned away at 350 ms never send their second request. The four served ones
  // queue theirs at 100, 200, 300 and 400 ms, and each waits exactly 300 ms, under the timeout.
  assert.equal(result.requestsSent, 14);
  assert.equal(result.admittedShare, 0.4);
  assert.equal(result.timeToAdmitP95Seconds, 0.8);
});

test('unrouted essential request fails user', () => {
  const bundle: BundleFile = { name: 'lost', steps: [request('nowhere', '/not-a-route')] };
  const result = simulateRun([together(3, bundle)], { profile: fixedProfile, servers: 1 });
  assert.equal(result.admittedShare, 0);
  assert.equal(result.rejectedShare, 0);
});

test('seed makes the run repeatable', () => {
  const platforms: SimulatedPlatform[] = [{ name: 'web', startSeconds: Array.from({ length: 6000 }, (_, index) => index / 1000), bundle: onePage }];
  const first = simulateRun(platforms, { profile: legacyProfile, servers: 1, seed: 7 });
  assert.deepEqual(simulateRun(platforms, { profile: legacyProfile, servers: 1, seed: 7 }), first);
  const other = simulateRun(platforms, { profile: legacyProfile, servers: 1, seed: 8 });
  assert.ok(first.rejectedShare > 0.1, `the herd should overload one server: ${first.rejectedShare}`);
  assert.ok(Math.abs(other.rejectedShare - first.rejectedShare) < 0.05, `${other.rejectedShare} vs ${first.rejectedShare}`);
});

test('series counts admissions by bundle end', () => {
  const result = simulateRun([together(10, onePage)], { profile: fixedProfile, servers: 1, bucketSeconds: 0.25 });
  assert.deepEqual(
    result.series.map((bucket) => bucket.admittedUsersPerSecond * 0.25),
    [2, 2],
  );
  assert.equal(result.admittedUsersPerSecondAtPeak, 8);
});

test('expected statuses follow the target rules', () => {
  const expect404: BundleFile = { name: 'expect-404', steps: [{ request: { name: 'gone', method: 'GET', path: '/not-a-route', expectStatus: [404] } }] };
  const noToken: BundleFile = { name: 'no-token', steps: [{ request: { name: 'me', method: 'GET', path: '/api/me' } }] };
  const created: BundleFile = { name: 'created', steps: [{ request: { name: 'page', method: 'GET', path: '/events/e1', expectStatus: [201] } }] };
  const refreshWithoutBody: BundleFile = { name: 'bodiless', steps: [{ request: { name: 'refresh', method: 'POST', path: '/auth/refresh' } }] };
  const roomy = { profile: { ...fixedProfile, workersPerServer: 100 }, servers: 1 };

  assert.equal(simulateRun([together(3, expect404)], roomy).admittedShare, 1);
  assert.equal(simulateRun([together(3, noToken)], roomy).admittedShare, 0);
  assert.equal(simulateRun([together(3, created)], roomy).admittedShare, 0);
  assert.equal(simulateRun([together(3, refreshWithoutBody)], roomy).admittedShare, 0);
});
