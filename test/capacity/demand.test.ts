import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRequestsPerUser, countRequests, estimateBundleTiming, estimatePeakDemand } from '../../lib/capacity/index.ts';
import type { BundleFile } from '../../lib/event/types.ts';

test('story mix averages 21.9 requests per user', () => {
  const average = averageRequestsPerUser([
    { share: 0.3, requestsPerUser: 3 },
    { share: 0.7, requestsPerUser: 30 },
  ]);
  assert.ok(Math.abs(average - 21.9) < 1e-12, `average ${average}`);
});

test('peak second needs 5,435 servers at 17 per server', () => {
  const demand = estimatePeakDemand({ peakUsersPerSecond: 4200, requestsPerUser: 22, meanServiceSeconds: 0.05, concurrencyPerServer: 17 });
  assert.equal(demand.peakRequestsPerSecond, 92_400);
  assert.equal(Math.round(demand.serversIfPeakSecondInFlight), 5435);
});

test('Little law sizes in-flight requests and servers', () => {
  const demand = estimatePeakDemand({ peakUsersPerSecond: 4200, requestsPerUser: 22, meanServiceSeconds: 0.05, concurrencyPerServer: 17 });
  assert.ok(Math.abs(demand.inFlightAtPeak - 4620) < 1e-9);
  assert.equal(demand.serversNeeded, 272);
});

const bundle: BundleFile = {
  name: 'mixed',
  steps: [
    { request: { name: 'a', method: 'GET', path: '/a', expectedLatencyMs: 100 } },
    {
      parallel: {
        maxConcurrency: 2,
        steps: [
          { request: { name: 'b', method: 'GET', path: '/b', expectedLatencyMs: 30 } },
          { request: { name: 'c', method: 'GET', path: '/c', expectedLatencyMs: 50, essential: false } },
          { request: { name: 'd', method: 'GET', path: '/d', expectedLatencyMs: 40 } },
        ],
      },
    },
    { pause: { durationMs: 500 } },
    { request: { name: 'e', method: 'GET', path: '/e', essential: false } },
  ],
};

test('request count includes parallel steps', () => {
  assert.deepEqual(countRequests(bundle), { requests: 5, essentialRequests: 3 });
});

test('bundle timing respects max concurrency', () => {
  const timing = estimateBundleTiming(bundle, (request) => request.expectedLatencyMs ?? 50);
  // a: 0–100. Parallel on 2 slots: b 100–130, c 100–150, d 130–170, so the step ends at 170.
  // Pause to 670, then e (50 ms default) to 720. Last essential response: d at 170.
  assert.equal(timing.iterationMs, 720);
  assert.equal(timing.timeToAdmitMs, 170);
});
