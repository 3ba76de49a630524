import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArrivalCurve } from '../../lib/arrival/index.ts';
import { mostArrivalsWithin, sizeVUs, splitCurveByShare, wholeUsersByShare } from '../../lib/stages/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';

test('VUs follow Little law with headroom', () => {
  const sizing = sizeVUs({ peakRatePerSecond: 4200, iterationSeconds: 0.5, headroom: 1.5 });
  assert.equal(sizing.busyVUsAtPeak, 2100);
  assert.equal(sizing.preAllocatedVUs, 3150);
  assert.equal(sizing.maxVUs, 3150);
});

test('maxVUs covers the overloaded iteration time', () => {
  const sizing = sizeVUs({ peakRatePerSecond: 100, iterationSeconds: 0.3, maxIterationSeconds: 15, headroom: 1 });
  assert.equal(sizing.preAllocatedVUs, 30);
  assert.equal(sizing.maxVUs, 1500);
});

test('VU sizing never returns zero', () => {
  const sizing = sizeVUs({ peakRatePerSecond: 0.01, iterationSeconds: 0.01 });
  assert.equal(sizing.preAllocatedVUs, 1);
  assert.equal(sizing.maxVUs, 1);
});

test('split gives whole users that sum to the total', () => {
  const curve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 8, sigma: 0.87 }, 50_001);
  const platforms = splitCurveByShare(curve, { mobile: 0.7, web: 0.3 });
  assert.equal(platforms.mobile.totalUsers, 35_001);
  assert.equal(platforms.web.totalUsers, 15_000);
  assert.ok(Math.abs(platforms.mobile.ratePerSecondAt(4) + platforms.web.ratePerSecondAt(4) - curve.ratePerSecondAt(4)) < 1e-9);
  assert.ok(Math.abs(platforms.web.usersArrivedBy(1e6) - 15_000) < 1e-6);
});

test('largest remainder keeps the total', () => {
  assert.deepEqual(wholeUsersByShare(10, [1 / 3, 1 / 3, 1 / 3]), [4, 3, 3]);
  assert.deepEqual(wholeUsersByShare(7, [0.5, 0.5]), [4, 3]);
});

test('platform shares must sum to 1', () => {
  const curve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 8, sigma: 0.87 }, 100);
  assert.throws(
    () => splitCurveByShare(curve, { mobile: 0.7, web: 0.2 }),
    (error: unknown) => error instanceof HerdUserError && error.message.includes('platforms.*.share') && error.message.includes('0.9'),
  );
  assert.throws(
    () => splitCurveByShare(curve, { mobile: 1.2 }),
    (error: unknown) => error instanceof HerdUserError && error.message.includes('platforms.mobile.share'),
  );
});

test('arrivals within a window bound the pool', () => {
  const curve = createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 8, sigma: 0.87 }, 10_000);
  const inTenSeconds = mostArrivalsWithin(curve, 10);
  assert.ok(inTenSeconds > 4000, `most arrivals in 10 s: ${inTenSeconds}`);
  assert.ok(inTenSeconds < 8000, `most arrivals in 10 s: ${inTenSeconds}`);
  assert.equal(mostArrivalsWithin(curve, 1e6), 10_000);
  const sizing = sizeVUs({ peakRatePerSecond: 800, iterationSeconds: 1, maxIterationSeconds: 36, maxConcurrentUsers: 5000 });
  assert.equal(sizing.maxVUs, 5000);
  assert.equal(sizing.preAllocatedVUs, 1200);
});
