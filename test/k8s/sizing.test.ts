import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CPU_UTILIZATION_TARGET, MEMORY_BYTES_PER_VU, MEMORY_UTILIZATION_TARGET, REQUESTS_PER_SECOND_PER_CORE, chooseParallelism, computeRunnerCapacity, parseQuantity } from '../../cli/k8s/sizing.ts';

test('quantities parse to cores and bytes', () => {
  const cases: Array<[string, number]> = [
    ['2', 2],
    ['500m', 0.5],
    ['1.5', 1.5],
    ['4Gi', 4 * 2 ** 30],
    ['1536Mi', 1536 * 2 ** 20],
    ['4G', 4e9],
    ['128k', 128e3],
    ['.5', 0.5],
  ];
  for (const [text, expected] of cases) {
    assert.equal(parseQuantity(text, '--runner-cpu'), expected, text);
  }
});

test('runner capacity follows the constants', () => {
  const capacity = computeRunnerCapacity(2, 4 * 2 ** 30);

  assert.equal(capacity.requestsPerSecond, Math.floor(2 * REQUESTS_PER_SECOND_PER_CORE * CPU_UTILIZATION_TARGET));
  assert.ok(capacity.vus > 4000, `vus ${capacity.vus}`);
  assert.ok(capacity.vus < 6000, `vus ${capacity.vus}`);
});

test('more memory holds more VUs', () => {
  const small = computeRunnerCapacity(2, 2 * 2 ** 30);
  const large = computeRunnerCapacity(2, 8 * 2 ** 30);

  const expectedExtraVUs = (6 * 2 ** 30 * MEMORY_UTILIZATION_TARGET) / MEMORY_BYTES_PER_VU;
  assert.ok(Math.abs(large.vus - small.vus - expectedExtraVUs) <= 1, `${large.vus - small.vus} vs ${expectedExtraVUs}`);
});

test('request rate decides live-event parallelism', () => {
  const capacity = computeRunnerCapacity(2, 4 * 2 ** 30);
  const choice = chooseParallelism({ requestsPerSecond: 92_000, vus: 2_100 }, capacity);

  assert.equal(choice.podsForRequestRate, Math.ceil(92_000 / capacity.requestsPerSecond));
  assert.equal(choice.podsForVUs, 1);
  assert.equal(choice.parallelism, choice.podsForRequestRate);
  assert.equal(choice.limitedBy, 'request rate');
});

test('VUs decide parallelism for slow bundles', () => {
  const capacity = computeRunnerCapacity(4, 1 * 2 ** 30);
  const choice = chooseParallelism({ requestsPerSecond: 1_000, vus: 20_000 }, capacity);

  assert.equal(choice.podsForVUs, Math.ceil(20_000 / capacity.vus));
  assert.equal(choice.parallelism, choice.podsForVUs);
  assert.equal(choice.limitedBy, 'VUs');
});

test('tiny load still gets one runner', () => {
  const choice = chooseParallelism({ requestsPerSecond: 0, vus: 0 }, computeRunnerCapacity(1, 2 ** 30));

  assert.equal(choice.parallelism, 1);
});

test('memory below one VU is rejected', () => {
  assert.throws(() => computeRunnerCapacity(2, 256 * 2 ** 20), { code: 'K8S_RUNNER_TOO_SMALL', message: /at least \d+Mi/ });
});
