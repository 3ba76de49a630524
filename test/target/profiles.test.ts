import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createLatencySampler, createRandomSource } from '../../target/latency.ts';
import {
  classifyRoute,
  countWorkers,
  highConcurrencyProfile,
  legacyProfile,
  logNormalParameters,
  meanServiceTimeMs,
  profiles,
  routeKeys,
  type RouteKey,
} from '../../target/profiles.ts';

test('classifyRoute maps the route table', () => {
  const cases: [string, string, RouteKey | undefined][] = [
    ['GET', '/events/launch-42', 'event-page'],
    ['get', '/events/launch-42?ref=push#top', 'event-page'],
    ['GET', 'http://127.0.0.1:8080/events/launch-42', 'event-page'],
    ['GET', '/events/', undefined],
    ['GET', '/events/a/b', undefined],
    ['POST', '/events/launch-42', undefined],
    ['POST', '/auth/refresh', 'auth-refresh'],
    ['GET', '/auth/refresh', undefined],
    ['POST', '/vendor/register', 'vendor-register'],
    ['GET', '/api/app/config', 'app-config'],
    ['GET', '/api/app/feature-flags?platform=ios', 'app-config'],
    ['POST', '/api/app/config', 'api'],
    ['GET', '/api/me', 'api'],
    ['POST', '/api/events/launch-42/join', 'api'],
    ['DELETE', '/api/me', undefined],
    ['GET', '/api/', undefined],
    ['GET', '/static/css/event.css', 'static'],
    ['GET', '/static/', undefined],
    ['GET', '/health', undefined],
    ['GET', '/metrics', undefined],
    ['GET', '/', undefined],
    ['GET', '', undefined],
  ];
  for (const [method, path, expected] of cases) {
    assert.equal(classifyRoute(method, path), expected, `${method} ${path}`);
  }
});

test('legacy profile models 17 workers', () => {
  assert.equal(legacyProfile.workersPerServer, 17);
  assert.equal(legacyProfile.queueTimeoutMs, 5000);
  assert.equal(countWorkers(legacyProfile, 4), 68);
  assert.equal(profiles.legacy, legacyProfile);
  assert.equal(profiles['high-concurrency'], highConcurrencyProfile);
});

test('profiles give every route a latency', () => {
  for (const profile of Object.values(profiles)) {
    for (const route of routeKeys) {
      const latency = profile.routes[route];
      assert.ok(latency.medianMs > 0, `${profile.name} ${route} median`);
      assert.ok(latency.p99Ms >= latency.medianMs, `${profile.name} ${route} p99`);
    }
  }
});

test('profiles file imports no Node modules', () => {
  const source = readFileSync(new URL('../../target/profiles.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(source, /^import /m);
  assert.doesNotMatch(source, /\b(process|Buffer|require)\b[.(]/);
});

test('logNormalParameters recovers median and p99', () => {
  const { mu, sigma } = logNormalParameters({ medianMs: 40, p99Ms: 250 });
  assert.ok(Math.abs(Math.exp(mu) - 40) < 1e-9);
  assert.ok(Math.abs(Math.exp(mu + 2.3263478740408408 * sigma) - 250) < 1e-6);
});

test('meanServiceTimeMs adds the vendor call', () => {
  const fixed = { medianMs: 10, p99Ms: 10 };
  const profile = { ...legacyProfile, routes: { ...legacyProfile.routes, 'vendor-register': fixed, api: fixed }, vendor: { medianMs: 30, p99Ms: 30 } };
  assert.equal(meanServiceTimeMs(profile, 'api'), 10);
  assert.equal(meanServiceTimeMs(profile, 'vendor-register'), 40);
  // A log-normal's mean lies above its median.
  assert.ok(meanServiceTimeMs(legacyProfile, 'event-page') > legacyProfile.routes['event-page'].medianMs);
});

test('latency sampler matches median and p99', () => {
  const latency = { medianMs: 40, p99Ms: 250 };
  const sampler = createLatencySampler(latency, createRandomSource(7));
  const draws = Array.from({ length: 40_000 }, () => sampler.sampleMs()).sort((a, b) => a - b);
  const median = draws[Math.floor(draws.length * 0.5)];
  const p99 = draws[Math.floor(draws.length * 0.99)];
  assert.ok(Math.abs(median - 40) / 40 < 0.05, `median ${median}`);
  assert.ok(Math.abs(p99 - 250) / 250 < 0.1, `p99 ${p99}`);
  assert.ok(draws[draws.length - 1] <= 2500, `max ${draws[draws.length - 1]} above the 10 × p99 cap`);
});

test('latency sampler repeats for one seed', () => {
  const latency = { medianMs: 20, p99Ms: 140 };
  const first = createLatencySampler(latency, createRandomSource(42));
  const second = createLatencySampler(latency, createRandomSource(42));
  const other = createLatencySampler(latency, createRandomSource(43));
  const firstDraws = Array.from({ length: 100 }, () => first.sampleMs());
  const otherDraws = Array.from({ length: 100 }, () => other.sampleMs());
  assert.deepEqual(Array.from({ length: 100 }, () => second.sampleMs()), firstDraws);
  assert.notDeepEqual(otherDraws, firstDraws);
});

test('latency sampler with equal quantiles is fixed', () => {
  const sampler = createLatencySampler({ medianMs: 25, p99Ms: 25 }, createRandomSource(1));
  assert.deepEqual([sampler.sampleMs(), sampler.sampleMs(), sampler.sampleMs()], [25, 25, 25]);
});
