import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erlangB, predictProxyQueue, sustainableRequestsPerSecond } from '../../lib/capacity/index.ts';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Simulates the proxy: Poisson arrivals, exponential service, FIFO, and a request that would
 * wait `timeoutSeconds` or longer leaves with a 503. Under FIFO a request's wait is fixed by
 * the requests ahead of it that were served, so each arrival either takes the earliest free
 * worker or is dropped.
 */
function simulate(ratePerSecond: number, workers: number, meanServiceSeconds: number, timeoutSeconds: number, requests: number, seed: number) {
  const random = seededRandom(seed);
  const exponential = (mean: number) => -mean * Math.log(1 - random());
  const freeAtSeconds = new Array<number>(workers).fill(0);
  let nowSeconds = 0;
  let dropped = 0;
  let waitSum = 0;
  for (let index = 0; index < requests; index += 1) {
    nowSeconds += exponential(1 / ratePerSecond);
    let earliest = 0;
    for (let worker = 1; worker < workers; worker += 1) {
      if (freeAtSeconds[worker] < freeAtSeconds[earliest]) {
        earliest = worker;
      }
    }
    const waitSeconds = Math.max(0, freeAtSeconds[earliest] - nowSeconds);
    if (waitSeconds >= timeoutSeconds) {
      dropped += 1;
      continue;
    }
    waitSum += waitSeconds;
    freeAtSeconds[earliest] = nowSeconds + waitSeconds + exponential(meanServiceSeconds);
  }
  return { rejectedShare: dropped / requests, meanWaitSeconds: waitSum / (requests - dropped) };
}

test('Erlang B matches known values', () => {
  assert.ok(Math.abs(erlangB(1, 1) - 0.5) < 1e-15);
  assert.ok(Math.abs(erlangB(2, 1) - 0.2) < 1e-15);
  // B(10, 5) = (5^10/10!) / Σ_{k≤10} 5^k/k! ≈ 0.018384.
  assert.ok(Math.abs(erlangB(10, 5) - 0.0183845) < 1e-6);
});

test('Erlang B shortcut matches the full recursion', () => {
  const fullRecursion = (servers: number, load: number): number => {
    let blocking = 1;
    for (let k = 1; k <= servers; k += 1) {
      blocking = (load * blocking) / (k + load * blocking);
    }
    return blocking;
  };
  for (const load of [0.5, 3, 17, 100, 1000, 50_000, 1_000_000]) {
    for (const ratio of [0.3, 0.8, 0.95, 1, 1.05, 1.2, 2]) {
      const servers = Math.round(load * ratio);
      const expected = fullRecursion(servers, load);
      const actual = erlangB(servers, load);
      const error = expected > 1e-290 ? Math.abs(actual - expected) / expected : Math.abs(actual - expected);
      assert.ok(error < 1e-12, `B(${servers}, ${load}) = ${actual}, expected ${expected}`);
    }
  }
});

test('queue model agrees with a simulation', () => {
  const cases = [
    { ratePerSecond: 4, workers: 5, meanServiceSeconds: 1, timeoutSeconds: 2 },
    { ratePerSecond: 5, workers: 5, meanServiceSeconds: 1, timeoutSeconds: 2 },
    { ratePerSecond: 8, workers: 5, meanServiceSeconds: 1, timeoutSeconds: 2 },
    { ratePerSecond: 30, workers: 17, meanServiceSeconds: 0.5, timeoutSeconds: 5 },
  ];
  for (const [index, input] of cases.entries()) {
    const model = predictProxyQueue({ offeredRequestsPerSecond: input.ratePerSecond, workers: input.workers, meanServiceSeconds: input.meanServiceSeconds, queueTimeoutSeconds: input.timeoutSeconds });
    const measured = simulate(input.ratePerSecond, input.workers, input.meanServiceSeconds, input.timeoutSeconds, 200_000, 11 + index);
    const label = `${JSON.stringify(input)}: model ${JSON.stringify(model)}, simulation ${JSON.stringify(measured)}`;
    assert.ok(Math.abs(model.rejectedShare - measured.rejectedShare) < 0.01, label);
    assert.ok(Math.abs(model.meanWaitSeconds - measured.meanWaitSeconds) < 0.05 * input.timeoutSeconds, label);
  }
});

test('overload admits the workers capacity', () => {
  const model = predictProxyQueue({ offeredRequestsPerSecond: 92_400, workers: 200 * 17, meanServiceSeconds: 0.05, queueTimeoutSeconds: 5 });
  assert.ok(Math.abs(model.admittedRequestsPerSecond - 68_000) < 1);
  assert.ok(Math.abs(model.rejectedShare - (1 - 68_000 / 92_400)) < 1e-6);
  assert.ok(model.meanWaitSeconds > 4.9, `wait ${model.meanWaitSeconds}`);
  assert.ok(model.meanWaitSeconds < 5, `wait ${model.meanWaitSeconds}`);
});

test('light load has no drops and no waits', () => {
  const model = predictProxyQueue({ offeredRequestsPerSecond: 92_400, workers: 5435 * 17, meanServiceSeconds: 0.05, queueTimeoutSeconds: 5 });
  assert.equal(model.admittedRequestsPerSecond, 92_400);
  assert.ok(model.rejectedShare < 1e-12);
  assert.ok(model.meanWaitSeconds < 1e-9);
});

test('model is continuous around full load', () => {
  const at = (rate: number) => predictProxyQueue({ offeredRequestsPerSecond: rate, workers: 17, meanServiceSeconds: 1, queueTimeoutSeconds: 5 });
  for (const rate of [17 - 1e-5, 17, 17 + 1e-5]) {
    assert.ok(Math.abs(at(rate).rejectedShare - at(17).rejectedShare) < 1e-5, `rate ${rate}`);
  }
});

test('sustainable rate keeps drops at 1 %', () => {
  const input = { workers: 17, meanServiceSeconds: 0.1, queueTimeoutSeconds: 5 };
  const rate = sustainableRequestsPerSecond(input);
  assert.ok(rate > 160, `rate ${rate}`);
  assert.ok(rate < 175, `rate ${rate}`);
  assert.ok(Math.abs(predictProxyQueue({ ...input, offeredRequestsPerSecond: rate }).rejectedShare - 0.01) < 1e-4);
});
