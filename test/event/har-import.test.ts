import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { countRequests } from '../../lib/bundle/steps.ts';
import { importHar } from '../../lib/event/har/import.ts';
import { loadBundle } from '../../lib/event/index.ts';
import type { RequestSpec } from '../../lib/event/types.ts';
import { capture, entry, origin, secrets } from './har-fixture.ts';

function requestsOf(steps: ReturnType<typeof importHar>['bundle']['steps']): RequestSpec[] {
  return steps.flatMap((step) => {
    if ('request' in step) {
      return [step.request];
    }
    return 'parallel' in step ? step.parallel.steps.map((inner) => inner.request) : [];
  });
}

const imported = importHar(JSON.stringify(capture), { platform: 'web', fileLabel: 'capture.har' });

test('import leaves no secret in the output', () => {
  for (const secret of secrets) {
    assert.equal(imported.yamlText.includes(secret), false, `the output contains a removed value (${secret.length} characters)`);
  }
});

test('import report lists no removed value', () => {
  const reportText = JSON.stringify(imported.report);
  for (const secret of secrets) {
    assert.equal(reportText.includes(secret), false);
  }
});

test('imported bundle loads as a valid file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herd-har-'));
  writeFileSync(join(dir, 'web.yaml'), imported.yamlText);
  const bundle = loadBundle(join(dir, 'web.yaml'), ['eventId']);
  assert.equal(countRequests(bundle.steps), 11);
});

test('import keeps order and parallelism', () => {
  const steps = imported.bundle.steps;
  const kinds = steps.map((step) => Object.keys(step)[0]);
  assert.deepEqual(kinds, ['request', 'request', 'parallel', 'request', 'pause', 'request', 'request', 'request']);
  const group = steps[2];
  assert.ok('parallel' in group);
  assert.equal(group.parallel.steps.length, 5);
  assert.equal(group.parallel.maxConcurrency, 4);
  const pause = steps[4];
  assert.ok('pause' in pause);
  assert.equal(pause.pause.durationMs, 2600);
});

test('bearer token becomes a capture', () => {
  const requests = requestsOf(imported.bundle.steps);
  const refresh = requests.find((request) => request.path === '/auth/refresh');
  assert.deepEqual(refresh?.capture, { token: 'json:accessToken' });
  assert.deepEqual(refresh?.body, { refreshToken: '{{refreshToken}}' });
  const bearerUsers = requests.filter((request) => request.withToken === true).map((request) => request.name);
  assert.deepEqual(bearerUsers, ['me', 'events', 'feed', 'vendor-register', 'notifications']);
  assert.equal(requests.find((request) => request.path === '/api/other')?.withToken, undefined);
});

test('repeated id becomes an event variable', () => {
  const requests = requestsOf(imported.bundle.steps);
  assert.equal(requests[0].path, '/events/{{eventId}}');
  assert.equal(requests[3].path, '/api/events/{{eventId}}');
  const register = requests.find((request) => request.name === 'vendor-register');
  assert.deepEqual(register?.body, { eventId: '{{eventId}}', email: 'user-{{userId}}@example.invalid', displayName: 'x', name: 'user-{{userId}}' });
  assert.deepEqual(imported.report.eventVariables, ['eventId']);
});

test('query secrets and credential headers go', () => {
  const requests = requestsOf(imported.bundle.steps);
  assert.equal(requests.find((request) => request.name === 'feed')?.path, '/api/feed?page=1');
  assert.deepEqual(requests.find((request) => request.name === 'me')?.headers, { 'X-Client-Version': '5.2.0' });
  const removed = Object.fromEntries(imported.report.removed.map(({ description, count }) => [description, count]));
  assert.equal(removed['Cookie header removed'], 1);
  assert.equal(removed['X-Api-Key header removed'], 1);
  assert.equal(removed['query parameter "access_token" removed'], 1);
  assert.equal(removed['Authorization header removed (its token was not issued inside the capture)'], 1);
  assert.equal(removed['non-JSON request body dropped (bundles send JSON bodies only)'], 1);
});

test('redirect follow-up is folded', () => {
  const paths = requestsOf(imported.bundle.steps).map((request) => request.path);
  assert.ok(paths.includes('/old-page'));
  assert.equal(paths.includes('/new-page'), false);
  assert.equal(imported.report.redirectsFolded, 1);
});

test('other origins are left out', () => {
  assert.equal(imported.report.origin, origin);
  assert.deepEqual(imported.report.otherOrigins, { 'cdn.other.test': 1 });
});

test('latency comes from the capture', () => {
  const requests = requestsOf(imported.bundle.steps);
  assert.equal(requests.find((request) => request.name === 'vendor-register')?.expectedLatencyMs, 150);
});

test('text that is not JSON is invalid HAR', () => {
  assert.throws(() => importHar('<html>', { platform: 'web', fileLabel: 'x.har' }), /x\.har is not valid HAR: it is not JSON/);
});

test('HAR without entries is invalid', () => {
  assert.throws(() => importHar('{"log":{}}', { platform: 'web', fileLabel: 'x.har' }), /log\.entries is missing or not a list/);
});

test('malformed entries are listed', () => {
  const broken = { log: { entries: [{ startedDateTime: 'yesterday', time: 5, request: { method: 'GET', url: '/relative' }, response: { status: 200 } }] } };
  assert.throws(() => importHar(JSON.stringify(broken), { platform: 'web', fileLabel: 'x.har' }), (error: Error) => {
    assert.match(error.message, /log\.entries\[0\]\.startedDateTime: must be an ISO 8601 date/);
    assert.match(error.message, /log\.entries\[0\]\.request\.url: must be an absolute URL/);
    return true;
  });
});

test('secret repeated in a path stops the import', () => {
  const leaky = structuredClone(capture) as typeof capture;
  leaky.log.entries.push(entry({ atMs: 4000, timeMs: 5, url: `${origin}/sessions/abc123secret` }));
  assert.throws(() => importHar(JSON.stringify(leaky), { platform: 'web', fileLabel: 'x.har' }), /nothing was written/);
});
