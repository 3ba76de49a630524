import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArrivalCurve, parseTraceCsv } from '../../lib/arrival/index.ts';
import type { ArrivalSpec } from '../../lib/event/types.ts';
import { HerdUserError } from '../../lib/user-error.ts';

/** Asserts that `action` throws a HerdUserError whose message contains every fragment. */
function assertRejects(action: () => unknown, ...fragments: string[]): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof HerdUserError, `expected HerdUserError, got ${String(error)}`);
    assert.equal(error.code, 'ARRIVAL_INVALID');
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message lacks "${fragment}":\n${error.message}`);
    }
    return true;
  });
}

const oneNotification: ArrivalSpec = { model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 8, sigma: 0.87 };

test('zero users are rejected', () => {
  assertRejects(() => createArrivalCurve(oneNotification, 0), 'users', 'greater than 0', 'got 0');
});

test('negative users are rejected', () => {
  assertRejects(() => createArrivalCurve(oneNotification, -5), 'users', 'got -5');
});

test('sigma of 0 is rejected', () => {
  assertRejects(() => createArrivalCurve({ ...oneNotification, sigma: 0 }, 100), 'arrival.sigma', 'greater than 0');
});

test('sigma above 3 is rejected', () => {
  assertRejects(() => createArrivalCurve({ ...oneNotification, sigma: 50 }, 100), 'arrival.sigma', 'at most 3', 'got 50', 'several waves');
});

test('window needing sigma above 3 is rejected', () => {
  assertRejects(
    () => createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 1, within: { fraction: 0.99, seconds: 100_000 } }, 100),
    'arrival.within',
    'sigma of 4.95',
  );
});

test('sigma of 3 still plans', () => {
  const curve = createArrivalCurve({ ...oneNotification, sigma: 3 }, 1000);
  assert.equal(curve.totalUsers, 1000);
});

test('notification past 24 hours is rejected', () => {
  assertRejects(() => createArrivalCurve({ ...oneNotification, notificationAtSeconds: 90_000 }, 100), 'arrival.notificationAtSeconds', 'more than the 86,400 s (24 h)');
});

test('trace past 24 hours is rejected', () => {
  assertRejects(() => createArrivalCurve({ model: 'trace', file: 'epoch.csv', format: 'timestamps' }, 100, [1_733_353_200, 1_733_353_201]), 'arrival.file (epoch.csv)', 'subtract the first timestamp');
});

test('window under a second is rejected', () => {
  assertRejects(
    () => createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, within: { fraction: 0.99, seconds: 0.5 } }, 100),
    'arrival.within.seconds',
    'at least 1 second',
    '0.5',
  );
});

test('over-determined shape is rejected', () => {
  assertRejects(
    () => createArrivalCurve({ ...oneNotification, within: { fraction: 0.99, seconds: 60 } }, 100),
    'arrival',
    'not all three',
  );
});

test('impossible window for the median is rejected', () => {
  assertRejects(
    () => createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 90, within: { fraction: 0.99, seconds: 60 } }, 100),
    'arrival.within',
    'longer than the median',
  );
});

test('wave shares that do not sum to 1 are rejected', () => {
  assertRejects(
    () =>
      createArrivalCurve(
        {
          model: 'waves',
          waves: [
            { notificationAtSeconds: 0, share: 0.5, medianSeconds: 8 },
            { notificationAtSeconds: 60, share: 0.4, medianSeconds: 8 },
          ],
        },
        100,
      ),
    'arrival.waves[*].share',
    'sum to 0.9',
  );
});

test('several problems are reported together', () => {
  assertRejects(
    () =>
      createArrivalCurve(
        { model: 'waves', waves: [{ notificationAtSeconds: -1, share: 1, medianSeconds: 8, sigma: 0 }] },
        0,
      ),
    '3 problems',
    'users',
    'arrival.waves[0].notificationAtSeconds',
    'arrival.waves[0].sigma',
  );
});

test('empty trace is rejected', () => {
  assertRejects(() => createArrivalCurve({ model: 'trace', file: 'empty.csv', format: 'timestamps' }, 100, []), 'arrival.file (empty.csv)', 'no arrivals');
  assertRejects(() => parseTraceCsv('seconds\n', 'timestamps', 'empty.csv'), 'empty.csv', 'no arrivals');
});

test('unsorted trace is rejected with its row', () => {
  assertRejects(() => parseTraceCsv('seconds\n1\n3\n2\n', 'timestamps', 'trace.csv'), 'trace.csv row 4', 'sort the trace');
  assertRejects(() => createArrivalCurve({ model: 'trace', file: 'trace.csv', format: 'timestamps' }, 100, [1, 3, 2]), 'arrival 3', 'sort the trace');
});

test('non-numeric trace rows are rejected', () => {
  assertRejects(() => parseTraceCsv('1\nabc\n', 'timestamps', 'trace.csv'), 'trace.csv row 2', '"abc"');
  assertRejects(() => parseTraceCsv('0,5\n1,2.5\n', 'per-second', 'counts.csv'), 'counts.csv row 2', 'whole count');
});

test('unknown model is rejected', () => {
  assertRejects(() => createArrivalCurve({ model: 'poisson' } as unknown as ArrivalSpec, 100), 'arrival.model', 'poisson');
});

test('trace beyond ten million arrivals is rejected', () => {
  assertRejects(() => parseTraceCsv('second,count\n0,5\n1,10000001\n', 'per-second', 'big.csv'), 'big.csv row 3', 'more than 10,000,000 arrivals');
});
