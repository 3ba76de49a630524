import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArrivalCurve, describeArrival, evenlySpacedWaves, parseTraceCsv } from '../../lib/arrival/index.ts';

test('waves sum to the user count by share', () => {
  const curve = createArrivalCurve(
    {
      model: 'waves',
      waves: [
        { notificationAtSeconds: 0, share: 0.6, medianSeconds: 10, sigma: 0.8 },
        { notificationAtSeconds: 300, share: 0.4, within: { fraction: 0.99, seconds: 60 } },
      ],
    },
    10_000,
  );
  assert.ok(Math.abs(curve.usersArrivedBy(290) - 6000) < 5, `first wave ${curve.usersArrivedBy(290)}`);
  assert.ok(Math.abs(curve.usersArrivedBy(1e7) - 10_000) < 1e-6);
  assert.ok(curve.startSeconds < 1, `start ${curve.startSeconds}`);
  assert.ok(curve.endSeconds > 300, `end ${curve.endSeconds}`);
});

test('even waves spread one notification over ten minutes', () => {
  const spec = evenlySpacedWaves({ count: 5, firstAtSeconds: 10, spanSeconds: 600, shape: { within: { fraction: 0.99, seconds: 60 } } });
  assert.deepEqual(
    spec.waves.map((wave) => wave.notificationAtSeconds),
    [10, 160, 310, 460, 610],
  );
  const single = describeArrival(createArrivalCurve({ model: 'lognormal', notificationAtSeconds: 10, within: { fraction: 0.99, seconds: 60 } }, 50_000));
  const staggered = describeArrival(createArrivalCurve(spec, 50_000));
  assert.ok(Math.abs(staggered.peakRatePerSecond - single.peakRatePerSecond / 5) / (single.peakRatePerSecond / 5) < 0.01, `peak ${staggered.peakRatePerSecond}`);
});

test('timestamp trace parses with a header', () => {
  const arrivals = parseTraceCsv('seconds\n0.5\n0.75\n1.25\n\n3\n', 'timestamps', 'trace.csv');
  assert.deepEqual(arrivals, [0.5, 0.75, 1.25, 3]);
});

test('per-second trace spreads counts inside each second', () => {
  assert.deepEqual(parseTraceCsv('second,count\n0,2\n2,1\n', 'per-second', 'trace.csv'), [0.25, 0.75, 2.5]);
  assert.deepEqual(parseTraceCsv('1\n0\n2\n', 'per-second', 'trace.csv'), [0.5, 2.25, 2.75]);
});

test('trace curve scales the recorded shape to the user count', () => {
  const recorded = parseTraceCsv('second,count\n10,100\n11,300\n12,100\n', 'per-second', 'trace.csv');
  const curve = createArrivalCurve({ model: 'trace', file: 'trace.csv', format: 'per-second' }, 1000, recorded);
  const description = describeArrival(curve);

  assert.equal(curve.startSeconds, 10);
  assert.equal(curve.endSeconds, 13);
  assert.ok(Math.abs(curve.usersArrivedBy(13) - 1000) < 1e-9);
  assert.ok(Math.abs(description.peakAtSeconds - 11.5) < 1e-3, `peak at ${description.peakAtSeconds}`);
  // The rate is linear between bin centres, so the middle bin is three times the outer ones.
  assert.ok(Math.abs(curve.ratePerSecondAt(11.5) / curve.ratePerSecondAt(10.5) - 3) < 1e-9);
});

test('trace N(t) is the integral of its rate', () => {
  const curve = createArrivalCurve({ model: 'trace', file: 't.csv', format: 'timestamps' }, 777, [0.1, 0.2, 1.5, 1.6, 1.7, 4.2, 4.3]);
  let integral = 0;
  const steps = 100_000;
  const width = (curve.endSeconds - curve.startSeconds) / steps;
  for (let index = 0; index < steps; index += 1) {
    integral += curve.ratePerSecondAt(curve.startSeconds + (index + 0.5) * width) * width;
  }
  assert.ok(Math.abs(integral - 777) < 0.01, `integral ${integral}`);
  assert.ok(Math.abs(curve.usersArrivedBy(3) - (() => {
    let partial = 0;
    const partialWidth = (3 - curve.startSeconds) / steps;
    for (let index = 0; index < steps; index += 1) {
      partial += curve.ratePerSecondAt(curve.startSeconds + (index + 0.5) * partialWidth) * partialWidth;
    }
    return partial;
  })()) < 0.01);
});
