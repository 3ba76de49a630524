// The standard normal distribution: erf, erfc, the CDF Φ and its inverse, in plain TypeScript so
// that the arrival models also run inside k6.
//
// Accuracy, measured by test/arrival/normal.test.ts against 30-digit mpmath and scipy values:
// erf and erfc have a relative error under 1e-13 for |x| ≤ 26 (erfc underflows to 0 beyond
// about 26.5). Φ(z) has a relative error under 2e-13 down to z = −37; in the far tail the error
// grows like 1e-16 · z², because e^(−z²/2) magnifies the rounding of z/√2. The quantile function
// agrees with scipy's ndtri to 1e-12 relative for p from 1e-300 to 1 − 1e-6.

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_TWO = Math.SQRT2;
const SQRT_TWO_PI = Math.sqrt(2 * Math.PI);

// Below this |x| the power series is used, above it the continued fraction. At x = 2,
// 1 − erf(x) keeps a relative error near 2e-14 and the continued fraction converges in
// under a hundred steps.
const SERIES_LIMIT = 2;
const MAX_TERMS = 500;

/** Sums erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), whose terms are all positive. */
function erfSeries(x: number): number {
  const xSquared = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < MAX_TERMS; n += 1) {
    term *= (2 * xSquared) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-17) {
      break;
    }
  }
  return ((2 / SQRT_PI) * Math.exp(-xSquared)) * sum;
}

/**
 * Evaluates erfc(x) for x ≥ SERIES_LIMIT with the continued fraction
 * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by the modified Lentz method.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let value = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < MAX_TERMS; n += 1) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    value *= delta;
    if (Math.abs(delta - 1) < 1e-16) {
      break;
    }
  }
  return Math.exp(-x * x) / (SQRT_PI * value);
}

/** Computes the error function erf(x). */
export function erf(x: number): number {
  if (Number.isNaN(x)) {
    return Number.NaN;
  }
  if (Math.abs(x) < SERIES_LIMIT) {
    return erfSeries(x);
  }
  const tail = erfcContinuedFraction(Math.abs(x));
  return x > 0 ? 1 - tail : tail - 1;
}

/** Computes the complementary error function erfc(x) = 1 − erf(x) without cancellation for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) {
    return Number.NaN;
  }
  if (x >= SERIES_LIMIT) {
    return erfcContinuedFraction(x);
  }
  if (x <= -SERIES_LIMIT) {
    return 2 - erfcContinuedFraction(-x);
  }
  return 1 - erfSeries(x);
}

/** Computes Φ(z), the probability that a standard normal variable is at most z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT_TWO);
}

/** Computes φ(z), the standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / SQRT_TWO_PI;
}

/**
 * Computes Φ⁻¹(p), the z with Φ(z) = p, for 0 < p < 1.
 * Starts from the rational approximation 26.2.23 of Abramowitz and Stegun (absolute error
 * under 4.5e-4) and refines it with Halley's method on the accurate Φ. For p above 0.5 it
 * returns −Φ⁻¹(1 − p), because 1 − p is exact in floating point there.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  }
  if (p > 0.5) {
    return -normalQuantile(1 - p);
  }
  if (p === 0.5) {
    return 0;
  }

  const t = Math.sqrt(-2 * Math.log(p));
  const numerator = 2.515517 + t * (0.802853 + t * 0.010328);
  const denominator = 1 + t * (1.432788 + t * (0.189269 + t * 0.001308));
  let z = -(t - numerator / denominator);

  for (let step = 0; step < 4; step += 1) {
    // Halley's update for f(z) = Φ(z) − p: with u = f/f′, z ← z − u / (1 + z·u/2).
    const u = (normalCdf(z) - p) / normalPdf(z);
    if (!Number.isFinite(u)) {
      break;
    }
    z -= u / (1 + (z * u) / 2);
    if (Math.abs(u) < 1e-15 * Math.max(1, Math.abs(z))) {
      break;
    }
  }
  return z;
}
