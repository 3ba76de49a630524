import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricRegistry } from '../../engine/metrics.ts';
import { bindThresholds, evaluateThresholds, parseMetricKey } from '../../engine/thresholds.ts';
import { isHerdUserError } from '../../lib/user-error.ts';

function registryWithSamples(): MetricRegistry {
  const registry = new MetricRegistry();
  const duration = registry.define('http_req_duration', 'trend', 'time');
  const failed = registry.define('http_req_failed', 'rate');
  const dropped = registry.define('dropped_iterations', 'counter');
  registry.define('vus', 'gauge');
  bindThresholds({ 'http_req_duration{name:auth}': ['p(95)<50'] }, registry);
  for (let i = 1; i <= 100; i++) registry.add(duration, i, { name: i <= 50 ? 'auth' : 'page' });
  for (let i = 0; i < 10; i++) registry.add(failed, i < 2 ? 1 : 0, {});
  registry.add(dropped, 3, {});
  return registry;
}

test('metric keys split into name and tags', () => {
  assert.deepEqual(parseMetricKey('http_req_duration{name:auth-refresh,status:200}'), { name: 'http_req_duration', tags: { name: 'auth-refresh', status: '200' } });
  assert.deepEqual(parseMetricKey('checks'), { name: 'checks', tags: {} });
  assert.equal(parseMetricKey('checks{broken'), undefined);
});

test('thresholds judge every aggregation', () => {
  const registry = new MetricRegistry();
  const duration = registry.define('http_req_duration', 'trend', 'time');
  const failed = registry.define('http_req_failed', 'rate');
  const dropped = registry.define('dropped_iterations', 'counter');
  const vus = registry.define('vus', 'gauge');
  const thresholds = bindThresholds(
    {
      http_req_duration: ['p(95)<200', 'avg<40', 'med<=51', 'max<100', 'min>=1', 'p(99.9)<101'],
      'http_req_duration{name:auth}': ['p(95)<50'],
      http_req_failed: ['rate<0.1'],
      dropped_iterations: ['count==0'],
      vus: ['value>0'],
    },
    registry,
  );
  for (let i = 1; i <= 100; i++) registry.add(duration, i, { name: i <= 50 ? 'auth' : 'page' });
  for (let i = 0; i < 10; i++) registry.add(failed, i < 2 ? 1 : 0, {});
  registry.add(dropped, 3, {});
  registry.add(vus, 4, {});

  evaluateThresholds(thresholds, 1000);
  const verdicts = Object.fromEntries(thresholds.map((threshold) => [`${threshold.metricKey} ${threshold.source}`, threshold.ok]));

  assert.equal(verdicts['http_req_duration p(95)<200'], true);
  assert.equal(verdicts['http_req_duration avg<40'], false);
  assert.equal(verdicts['http_req_duration med<=51'], true);
  assert.equal(verdicts['http_req_duration max<100'], false);
  assert.equal(verdicts['http_req_duration min>=1'], true);
  assert.equal(verdicts['http_req_duration p(99.9)<101'], true);
  assert.equal(verdicts['http_req_duration{name:auth} p(95)<50'], true);
  assert.equal(verdicts['http_req_failed rate<0.1'], false);
  assert.equal(verdicts['dropped_iterations count==0'], false);
  assert.equal(verdicts['vus value>0'], true);
});

test('object form keeps abortOnFail', () => {
  const registry = registryWithSamples();
  const [threshold] = bindThresholds({ http_req_duration: [{ threshold: 'p(99)<100', abortOnFail: true, delayAbortEval: '10s' }] }, registry);

  assert.equal(threshold?.abortOnFail, true);
  assert.equal(threshold?.delayAbortEvalMs, 10_000);
});

test('malformed thresholds are all reported', () => {
  const registry = registryWithSamples();
  let message = '';
  let exitCode = 0;
  try {
    bindThresholds({ http_req_duration: ['p95<500'], http_req_failed: ['p(95)<1'], no_such_metric: ['count<1'] }, registry);
  } catch (error) {
    assert.ok(isHerdUserError(error));
    message = error.message;
    exitCode = error.exitCode;
  }

  assert.equal(exitCode, 104);
  assert.match(message, /"http_req_duration": "p95<500" is malformed/);
  assert.match(message, /"p\(95\)" does not apply to a rate metric/);
  assert.match(message, /no metric named "no_such_metric"/);
});
