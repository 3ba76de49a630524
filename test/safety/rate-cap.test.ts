import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PEAK_RATE_CAP_PER_SECOND, assertRateWithinCap } from '../../lib/safety/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';

test('rates up to the cap pass', () => {
  assert.doesNotThrow(() => assertRateWithinCap(0));
  assert.doesNotThrow(() => assertRateWithinCap(DEFAULT_PEAK_RATE_CAP_PER_SECOND));
  assert.doesNotThrow(() => assertRateWithinCap(5000, { capPerSecond: 5000 }));
});

test('rate above the cap names --i-mean-it', () => {
  assert.throws(
    () => assertRateWithinCap(92_000, { capPerSecond: 1000 }),
    (error: unknown) => {
      assert.ok(error instanceof HerdUserError);
      assert.equal(error.code, 'RATE_ABOVE_CAP');
      assert.match(error.message, /92,000 requests\/s/);
      assert.match(error.message, /1,000 requests\/s/);
      assert.match(error.message, /--i-mean-it/);
      assert.match(error.message, /--scale/);
      return true;
    },
  );
});

test('override lets any finite rate pass', () => {
  assert.doesNotThrow(() => assertRateWithinCap(1e9, { capPerSecond: 1000, overridden: true }));
});

test('invalid rates and caps are rejected', () => {
  for (const rate of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
    assert.throws(() => assertRateWithinCap(rate, { overridden: true }), { code: 'RATE_INVALID' }, String(rate));
  }
  assert.throws(() => assertRateWithinCap(1, { capPerSecond: 0 }), { code: 'RATE_INVALID' });
});

test('message uses the given unit', () => {
  assert.throws(() => assertRateWithinCap(4200.4, { capPerSecond: 100, unit: 'users/s' }), /4,200 users\/s is above the safety cap of 100 users\/s/);
});
