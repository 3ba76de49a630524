import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictAgainstTarget, withMeasuredServiceTimes } from '../../lib/capacity/index.ts';
import type { BundleFile } from '../../lib/event/types.ts';
import { legacyProfile, meanServiceTimeMs } from '../../target/profiles.ts';

const web: BundleFile = {
  name: 'web',
  steps: [
    { request: { name: 'event-page', method: 'GET', path: '/events/e1' } },
    { request: { name: 'auth-refresh', method: 'POST', path: '/auth/refresh' } },
    { request: { name: 'vendor-register', method: 'POST', path: '/vendor/register', withToken: true } },
  ],
};

test('prediction uses the profile service times', () => {
  const prediction = predictAgainstTarget([{ name: 'web', peakUsersPerSecond: 10, bundle: web }], legacyProfile, 50);
  const expectedMs = (meanServiceTimeMs(legacyProfile, 'event-page') + meanServiceTimeMs(legacyProfile, 'auth-refresh') + meanServiceTimeMs(legacyProfile, 'vendor-register')) / 3;
  assert.ok(Math.abs(prediction.meanServiceSeconds * 1000 - expectedMs) < 1e-9);
  assert.equal(prediction.workers, 850);
  assert.equal(prediction.offeredRequestsPerSecond, 30);
  assert.ok(prediction.rejectedShare < 1e-9);
  assert.ok(Math.abs(prediction.admittedUsersPerSecond - 10) < 1e-6);
  // Three sequential requests with no queueing: the sum of their mean service times.
  assert.ok(Math.abs(prediction.platforms[0].timeToAdmitSeconds - (3 * expectedMs) / 1000) < 1e-9);
});

test('overloaded server admits few users', () => {
  const prediction = predictAgainstTarget([{ name: 'web', peakUsersPerSecond: 1000, bundle: web }], legacyProfile, 1);
  const capacityPerSecond = 17 / prediction.meanServiceSeconds;
  assert.ok(Math.abs(prediction.admittedRequestsPerSecond - capacityPerSecond) / capacityPerSecond < 0.01, `admitted ${prediction.admittedRequestsPerSecond}`);
  assert.ok(prediction.rejectedShare > 0.5);
  assert.ok(Math.abs(prediction.platforms[0].admittedShare - Math.pow(1 - prediction.rejectedShare, 3)) < 1e-12);
  // Each of the three requests waits close to the 5 s queue timeout.
  assert.ok(prediction.platforms[0].timeToAdmitSeconds > 14, `time to admit ${prediction.platforms[0].timeToAdmitSeconds}`);
  assert.ok(prediction.platforms[0].timeToAdmitSeconds < 16, `time to admit ${prediction.platforms[0].timeToAdmitSeconds}`);
  assert.ok(Math.abs(prediction.sustainableUsersPerSecond - prediction.sustainableRequestsPerSecond / 3) < 1e-9);
  assert.ok(prediction.sustainableUsersPerSecond < 100, `sustainable ${prediction.sustainableUsersPerSecond}`);
});

test('unrouted essential request admits nobody', () => {
  const broken: BundleFile = { name: 'broken', steps: [{ request: { name: 'missing', method: 'GET', path: '/nowhere' } }, ...web.steps] };
  const prediction = predictAgainstTarget([{ name: 'broken', peakUsersPerSecond: 5, bundle: broken }], legacyProfile, 10);
  assert.equal(prediction.platforms[0].admittedShare, 0);
  assert.equal(prediction.platforms[0].unroutedRequestsPerUser, 1);
  assert.equal(prediction.offeredRequestsPerSecond, 15);
});

test('503s on auth shorten registrations', () => {
  const withCapture: BundleFile = {
    name: 'web',
    steps: [
      web.steps[0],
      { request: { name: 'auth-refresh', method: 'POST', path: '/auth/refresh', capture: { token: 'json:accessToken' } } },
      web.steps[2],
    ],
  };
  const light = predictAgainstTarget([{ name: 'web', peakUsersPerSecond: 1, bundle: withCapture }], legacyProfile, 10);
  const overloaded = predictAgainstTarget([{ name: 'web', peakUsersPerSecond: 1000, bundle: withCapture }], legacyProfile, 1);
  const withoutCapture = predictAgainstTarget([{ name: 'web', peakUsersPerSecond: 1000, bundle: web }], legacyProfile, 1);

  // Without 503s every registration calls the vendor.
  assert.ok(Math.abs(light.meanServiceSeconds - withoutCapture.meanServiceSeconds) < 1e-12);
  // With most auth refreshes rejected, most registrations get a 401 and skip the vendor call.
  assert.ok(overloaded.meanServiceSeconds < withoutCapture.meanServiceSeconds * 0.75, `${overloaded.meanServiceSeconds} s`);
  // The 503 share is consistent with the mean service time it implies.
  const capacityPerSecond = 17 / overloaded.meanServiceSeconds;
  assert.ok(Math.abs(overloaded.admittedRequestsPerSecond - capacityPerSecond) / capacityPerSecond < 0.01);
});

test('measured service times rescale routes', () => {
  const eventPageMs = meanServiceTimeMs(legacyProfile, 'event-page');
  const registerMs = meanServiceTimeMs(legacyProfile, 'vendor-register');
  const measured = withMeasuredServiceTimes(legacyProfile, {
    'event-page': { count: 10, sumMs: 10 * eventPageMs * 1.2 },
    'vendor-register': { count: 4, sumMs: 4 * registerMs * 0.5 },
  });

  assert.ok(Math.abs(meanServiceTimeMs(measured, 'event-page') - eventPageMs * 1.2) < 1e-9);
  assert.ok(Math.abs(meanServiceTimeMs(measured, 'vendor-register') - registerMs * 0.5) < 1e-9);
  assert.equal(meanServiceTimeMs(measured, 'auth-refresh'), meanServiceTimeMs(legacyProfile, 'auth-refresh'));
});
