import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEventOptions } from '../../lib/bundle/event-options.ts';
import { estimateBundleDurationMs, estimateOverloadedBundleSeconds } from '../../lib/bundle/steps.ts';
import { loadEvent } from '../../lib/event/index.ts';
import type { BundleStep } from '../../lib/event/types.ts';

const event = loadEvent('scenarios/live-event.yaml');

test('options have one scenario per platform', () => {
  const options = buildEventOptions(event, { scale: 0.02 });
  assert.deepEqual(Object.keys(options.scenarios).sort(), ['mobile', 'web']);
  for (const [platform, scenario] of Object.entries(options.scenarios)) {
    assert.equal(scenario.executor, 'ramping-arrival-rate');
    assert.equal(scenario.exec, 'playUser');
    assert.deepEqual(scenario.env, { HERD_PLATFORM: platform });
    assert.deepEqual(scenario.tags, { platform });
    assert.ok(scenario.stages.length > 0);
    assert.ok(scenario.maxVUs >= scenario.preAllocatedVUs);
    assert.match(scenario.startTime, /^\d+ms$/);
  }
});

test('planned iterations split the scaled users 70/30', () => {
  const options = buildEventOptions(event, { scale: 0.02 });
  assert.equal(options.herd.users, 1000);
  assert.equal(options.herd.platforms.mobile.users, 700);
  assert.equal(options.herd.platforms.web.users, 300);
  // k6 starts floor(integral) iterations, so each platform may come one short.
  assert.ok(Math.abs(options.herd.platforms.mobile.plannedIterations - 700) <= 1);
  assert.ok(Math.abs(options.herd.platforms.web.plannedIterations - 300) <= 1);
});

test('scenarios start near the notification', () => {
  const options = buildEventOptions(event, { scale: 1 });
  const startMs = Number(options.scenarios.mobile.startTime.replace('ms', ''));
  assert.ok(startMs >= 5000, `startTime ${startMs} ms`);
  assert.ok(startMs < 10000, `startTime ${startMs} ms`);
});

test('herd thresholds repeat per platform', () => {
  const options = buildEventOptions(event);
  assert.deepEqual(options.thresholds.herd_admitted, ['rate>0.95']);
  assert.deepEqual(options.thresholds['herd_admitted{platform:mobile}'], ['rate>0.95']);
  assert.deepEqual(options.thresholds['herd_admitted{platform:web}'], ['rate>0.95']);
  assert.deepEqual(options.thresholds['herd_time_to_admit{platform:web}'], ['p(95)<10000']);
  assert.equal(options.thresholds['http_req_failed{platform:web}'], undefined);
});

test('platform with no user at a small scale is left out', () => {
  const options = buildEventOptions(event, { scale: 0.00002 });
  assert.equal(options.herd.users, 1);
  assert.equal(Object.keys(options.scenarios).length, 1);
});

test('longer maxIterationSeconds raises maxVUs', () => {
  const fast = buildEventOptions(event, { scale: 0.1, maxIterationSeconds: 10 });
  const slow = buildEventOptions(event, { scale: 0.1, maxIterationSeconds: 60 });
  assert.ok(slow.scenarios.mobile.maxVUs > fast.scenarios.mobile.maxVUs);
});

test('bundle duration estimate follows the steps', () => {
  const steps: BundleStep[] = [
    { request: { name: 'a', method: 'GET', path: '/a', expectedLatencyMs: 100 } },
    { pause: { durationMs: 250 } },
    {
      parallel: {
        maxConcurrency: 2,
        steps: [
          { request: { name: 'b', method: 'GET', path: '/b', expectedLatencyMs: 40 } },
          { request: { name: 'c', method: 'GET', path: '/c', expectedLatencyMs: 40 } },
          { request: { name: 'd', method: 'GET', path: '/d', expectedLatencyMs: 40 } },
          { request: { name: 'e', method: 'GET', path: '/e' } },
        ],
      },
    },
    { parallel: { steps: [{ request: { name: 'f', method: 'GET', path: '/f', expectedLatencyMs: 300 } }, { request: { name: 'g', method: 'GET', path: '/g', expectedLatencyMs: 10 } }] } },
  ];
  // 100 + 250 + max(170 / 2, 50) + max(310 / 2, 300)
  assert.equal(estimateBundleDurationMs(steps), 100 + 250 + 85 + 300);
});

test('grace covers an overloaded bundle', () => {
  const options = buildEventOptions(event, { scale: 0.02 });
  for (const [platform, scenario] of Object.entries(options.scenarios)) {
    const graceSeconds = Number(scenario.gracefulStop.replace(/s$/, ''));
    const bundle = event.platforms[platform].bundle;
    assert.ok(graceSeconds >= estimateOverloadedBundleSeconds(bundle.steps), `${platform}: gracefulStop ${scenario.gracefulStop}`);
    assert.ok(graceSeconds >= 30, `${platform}: gracefulStop ${scenario.gracefulStop} is below k6's default`);
  }
});

test('VU pool never exceeds the users', () => {
  const options = buildEventOptions(event, { scale: 0.02 });
  assert.ok(options.scenarios.mobile.maxVUs <= 700, `mobile maxVUs ${options.scenarios.mobile.maxVUs}`);
  assert.ok(options.scenarios.web.maxVUs <= 300, `web maxVUs ${options.scenarios.web.maxVUs}`);
});
