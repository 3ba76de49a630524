import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArrivalCurve } from '../../lib/arrival/index.ts';
import { predictRunFluid, splitIntoWaves } from '../../lib/capacity/fluid-run.ts';
import type { BundleFile } from '../../lib/event/types.ts';
import { legacyProfile } from '../../target/profiles.ts';

const webBundle: BundleFile = {
  name: 'web',
  steps: [
    { request: { name: 'event-page', method: 'GET', path: '/events/e1' } },
    { request: { name: 'auth-refresh', method: 'POST', path: '/auth/refresh' } },
    { request: { name: 'vendor-register', method: 'POST', path: '/vendor/register', withToken: true } },
  ],
};

const appBundle: BundleFile = {
  name: 'app',
  steps: [
    { parallel: { steps: [{ request: { name: 'config', method: 'GET', path: '/api/app/config' } }, { request: { name: 'auth', method: 'POST', path: '/auth/refresh' } }] } },
    {
      parallel: {
        maxConcurrency: 2,
        steps: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ request: { name, method: 'GET' as const, path: `/api/${name}`, essential: name === 'a' } })),
      },
    },
  ],
};

function webHerd(users: number, servers: number): ReturnType<typeof predictRunFluid> {
  const curve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 1, medianSeconds: 4, within: { fraction: 0.99, seconds: 20 } }, users);
  return predictRunFluid([{ name: 'web', curve, bundle: webBundle }], legacyProfile, servers);
}

test('waves follow the connection limit', () => {
  const waves = splitIntoWaves(appBundle, legacyProfile);

  assert.deepEqual(waves.map((wave) => wave.requests), [2, 2, 2, 1]);
  assert.deepEqual(waves.map((wave) => wave.essentialRequests), [2, 1, 0, 0]);
  assert.ok(waves.every((wave) => wave.slowestServiceSeconds >= wave.meanServiceSeconds));
});

test('roomy fleet admits every user', () => {
  const prediction = webHerd(1_000, 50);

  assert.ok(prediction.admittedShare > 0.99, `admitted ${prediction.admittedShare}`);
  assert.equal(prediction.rejectedShare, 0);
  assert.ok(Math.abs(prediction.requestsSent - 3 * 1_000) < 5, `requests ${prediction.requestsSent}`);
});

test('starved fleet rejects and loses users', () => {
  const prediction = webHerd(20_000, 1);

  assert.ok(prediction.rejectedShare > 0.3, `503 share ${prediction.rejectedShare}`);
  assert.ok(prediction.admittedShare < 0.5, `admitted ${prediction.admittedShare}`);
  // Users who lose an essential request send nothing more, so fewer than 3 requests per user go out.
  assert.ok(prediction.requestsSent < 3 * 20_000, `requests ${prediction.requestsSent}`);
});

test('more servers never admit fewer users', () => {
  let previous = 0;
  for (const servers of [1, 2, 4, 8]) {
    const admitted = webHerd(10_000, servers).admittedShare;
    assert.ok(admitted >= previous - 1e-9, `${servers} servers admitted ${admitted} after ${previous}`);
    previous = admitted;
  }
});
