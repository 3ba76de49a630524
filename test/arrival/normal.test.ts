import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erf, erfc, normalCdf, normalQuantile } from '../../lib/arrival/index.ts';

// Reference values from mpmath at 30 digits (erfc, Φ) and scipy.special.ndtri (quantiles).
const erfcReference: Array<[number, number]> = [
  [0.1, 0.8875370839817151016],
  [0.5, 0.47950012218695346232],
  [1, 0.15729920705028513066],
  [1.5, 0.033894853524689272933],
  [1.9, 0.0072095707647425327628],
  [2, 0.0046777349810472658379],
  [2.1, 0.0029794666563329842857],
  [3, 0.000022090496998585441373],
  [5, 1.5374597944280348502e-12],
  [10, 2.088487583762544757e-45],
  [26, 5.6631924088561428465e-296],
];

const cdfReference: Array<[number, number]> = [
  [-37, 5.7255712225245768227e-300],
  [-20, 2.7536241186062336951e-89],
  [-10, 7.619853024160526066e-24],
  [-5, 2.8665157187919391167e-7],
  [-2.9, 0.001865813300384038479],
  [-1.5, 0.066807201268858066004],
  [-0.3, 0.38208857781104736693],
  [0, 0.5],
  [0.3, 0.61791142218895263307],
  [1, 0.84134474606854294859],
  [3, 0.99865010196836990547],
];

const quantileReference: Array<[number, number]> = [
  [1e-300, -37.0470962993612],
  [1e-20, -9.262340089798409],
  [1e-9, -5.9978070150076865],
  [1e-5, -4.264890793922825],
  [0.01, -2.3263478740408408],
  [0.025, -1.9599639845400545],
  [0.1, -1.2815515655446004],
  [0.3, -0.5244005127080409],
  [0.9, 1.2815515655446004],
  [0.99, 2.3263478740408408],
  [0.999999, 4.753424308817087],
];

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

test('erfc matches reference values to 1e-13', () => {
  for (const [x, expected] of erfcReference) {
    assert.ok(relativeError(erfc(x), expected) < 1e-13, `erfc(${x}) = ${erfc(x)}, expected ${expected}`);
    assert.ok(relativeError(erfc(-x), 2 - expected) < 1e-13, `erfc(${-x})`);
  }
});

test('erf matches reference values and is odd', () => {
  for (const [x, complement] of erfcReference.filter(([x]) => x <= 5)) {
    assert.ok(relativeError(erf(x), 1 - complement) < 1e-13, `erf(${x}) = ${erf(x)}`);
    assert.equal(erf(-x), -erf(x));
  }
  assert.equal(erf(0), 0);
});

test('normal CDF matches reference values far into the tail', () => {
  for (const [z, expected] of cdfReference) {
    assert.ok(relativeError(normalCdf(z), expected) < 2e-13, `Φ(${z}) = ${normalCdf(z)}, expected ${expected}`);
  }
});

test('normal quantile matches scipy ndtri', () => {
  for (const [p, expected] of quantileReference) {
    assert.ok(relativeError(normalQuantile(p), expected) < 1e-12, `Φ⁻¹(${p}) = ${normalQuantile(p)}, expected ${expected}`);
  }
  assert.equal(normalQuantile(0.5), 0);
});

test('normal quantile inverts the CDF on a grid', () => {
  // Above z = 4, Φ(z) is so close to 1 that the double itself no longer pins z down.
  for (let z = -8; z <= 4; z += 0.25) {
    const roundTrip = normalQuantile(normalCdf(z));
    assert.ok(Math.abs(roundTrip - z) < 1e-9 * Math.max(1, Math.abs(z)), `z = ${z}, got ${roundTrip}`);
  }
});

test('normal quantile rejects p outside (0, 1)', () => {
  for (const p of [0, 1, -0.1, 1.5, Number.NaN]) {
    assert.throws(() => normalQuantile(p), RangeError);
  }
});
