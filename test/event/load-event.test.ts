import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { countRequests } from '../../lib/bundle/steps.ts';
import { loadBundle, loadEvent } from '../../lib/event/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';

const webBundle = `name: web
steps:
  - request:
      name: event-page
      method: GET
      path: /events/{{eventId}}
  - request:
      name: auth-refresh
      method: POST
      path: /auth/refresh
      body: { refreshToken: "{{refreshToken}}" }
      capture: { token: "json:accessToken" }
  - request:
      name: vendor-register
      method: POST
      path: /vendor/register
      withToken: true
      body: { eventId: "{{eventId}}" }
`;

const validEvent = `name: small-event
users: 100
arrival: { model: lognormal, notificationAtSeconds: 1, medianSeconds: 2, sigma: 0.5 }
platforms:
  web: { share: 1, bundle: bundles/web.yaml }
vars: { eventId: e-1 }
`;

/** Writes files into a fresh temporary folder and returns its path. */
function writeFixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herd-event-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Loads the event and returns the HerdUserError it throws. */
function loadError(path: string): HerdUserError {
  try {
    loadEvent(path);
  } catch (error) {
    assert.ok(error instanceof HerdUserError, `expected a HerdUserError, got ${String(error)}`);
    return error;
  }
  assert.fail(`loadEvent(${path}) did not throw`);
}

test('live event loads both platforms with their bundles', () => {
  const event = loadEvent('scenarios/live-event.yaml');
  assert.equal(event.users, 50000);
  assert.deepEqual(Object.keys(event.platforms).sort(), ['mobile', 'web']);
  assert.equal(event.platforms.mobile.share, 0.7);
  assert.equal(event.platforms.web.share, 0.3);
  assert.equal(event.platforms.mobile.bundlePath, 'bundles/mobile-cold-launch.yaml');
  assert.equal(event.vars?.eventId, 'evt-1001');
});

test('bundles have 3, 30 and 16 requests', () => {
  const event = loadEvent('scenarios/live-event.yaml');
  assert.equal(countRequests(event.platforms.web.bundle.steps), 3);
  assert.equal(countRequests(event.platforms.mobile.bundle.steps), 30);
  const trimmed = loadBundle('scenarios/bundles/mobile-cold-launch-trimmed.yaml', ['eventId']);
  assert.equal(countRequests(trimmed.steps), 16);
});

test('mobile bundle refreshes auth before the token requests', () => {
  const bundle = loadEvent('scenarios/live-event.yaml').platforms.mobile.bundle;
  const [first, second] = bundle.steps;
  assert.ok('parallel' in first);
  assert.ok('parallel' in second);
  const firstNames = first.parallel.steps.map((step) => step.request.name);
  assert.ok(firstNames.includes('auth-refresh'));
  assert.ok(first.parallel.steps.every((step) => step.request.withToken !== true));
  assert.ok(second.parallel.steps.every((step) => step.request.withToken === true || step.request.path.startsWith('/static/')));
  const essential = second.parallel.steps.filter((step) => step.request.essential !== false).map((step) => step.request.name);
  assert.deepEqual(essential, ['profile', 'event', 'vendor-register']);
});

test('event loads with a relative bundle path', () => {
  const dir = writeFixture({ 'event.yaml': validEvent, 'bundles/web.yaml': webBundle });
  const event = loadEvent(join(dir, 'event.yaml'));
  assert.equal(event.platforms.web.bundle.steps.length, 3);
});

test('missing event file is a user error', () => {
  const error = loadError('/nonexistent/herd/event.yaml');
  assert.equal(error.code, 'EVENT_NOT_FOUND');
  assert.match(error.message, /\/nonexistent\/herd\/event\.yaml/);
  assert.match(error.message, /ENOENT/);
});

test('malformed YAML reports line and column', () => {
  const dir = writeFixture({ 'event.yaml': 'name: x\nusers: [1\narrival: {}\n' });
  const error = loadError(join(dir, 'event.yaml'));
  assert.equal(error.code, 'EVENT_INVALID');
  assert.match(error.message, /event\.yaml:\d+:\d+: invalid YAML/);
  assert.equal(error.message.split('\n').length, 2, 'only the first syntax error is listed');
});

test('unquoted placeholder gets a quoting hint', () => {
  const dir = writeFixture({ 'web.yaml': 'name: web\nsteps:\n  - request: { name: a, method: GET, path: /e/{{eventId}} }\n' });
  assert.throws(() => loadBundle(join(dir, 'web.yaml')), /web\.yaml:3:\d+: invalid YAML.*must be quoted/);
});

test('unknown bundle names the platform field and line', () => {
  const dir = writeFixture({ 'event.yaml': validEvent.replace('bundles/web.yaml', 'bundles/missing.yaml') });
  const error = loadError(join(dir, 'event.yaml'));
  assert.match(error.message, /event\.yaml:5:\d+: platforms\.web\.bundle: bundle file cannot be read: .*missing\.yaml \(ENOENT\)/);
});

test('platform shares must sum to 1', () => {
  const event = validEvent.replace('web: { share: 1, bundle: bundles/web.yaml }', 'web: { share: 0.6, bundle: bundles/web.yaml }\n  ios: { share: 0.3, bundle: bundles/web.yaml }');
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': webBundle });
  const error = loadError(join(dir, 'event.yaml'));
  assert.match(error.message, /event\.yaml:5:\d+: platforms: platform shares must sum to 1 \(got 0\.9\)/);
});

test('every error of every file is reported at once', () => {
  const event = validEvent.replace('users: 100', 'users: 0\ncolour: red').replace('name: small-event', 'name: Small Event');
  const bundle = webBundle.replace('method: GET', 'method: FETCH').replace('path: /vendor/register', 'path: vendor/register');
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': bundle });
  const error = loadError(join(dir, 'event.yaml'));
  assert.match(error.message, /^5 problems in /);
  assert.match(error.message, /event\.yaml:1:7: name: must match the pattern/);
  assert.match(error.message, /event\.yaml:2:8: users: must be >= 1 \(got 0\)/);
  assert.match(error.message, /event\.yaml:3:1: colour: unknown field/);
  assert.match(error.message, /web\.yaml:5:15: steps\[0\]\.request\.method: must be one of "GET"/);
  assert.match(error.message, /web\.yaml:16:13: steps\[2\]\.request\.path: must match the pattern \^\/ \(got "vendor\/register"\)/);
});

test('misspelt field suggests the right name', () => {
  const dir = writeFixture({ 'event.yaml': validEvent.replace('vars:', 'varz:'), 'bundles/web.yaml': webBundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /varz: unknown field\. Did you mean "vars"\?/);
});

test('step without a known kind is named', () => {
  const dir = writeFixture({ 'web.yaml': 'name: web\nsteps:\n  - requets: { name: a }\n' });
  assert.throws(() => loadBundle(join(dir, 'web.yaml')), /web\.yaml:3:5: steps\[0\]: a step has exactly one of the keys request, parallel, pause/);
});

test('placeholder without a value is an error', () => {
  const bundle = webBundle.replace('/events/{{eventId}}', '/events/{{eventSlug}}');
  const dir = writeFixture({ 'event.yaml': validEvent, 'bundles/web.yaml': bundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /steps\[0\]\.request\.path: \{\{eventSlug\}\} has no value when this request is sent/);
});

test('capture is not visible inside its own parallel group', () => {
  const bundle = `name: app
steps:
  - parallel:
      steps:
        - request: { name: refresh, method: POST, path: /auth/refresh, capture: { token: "json:accessToken" } }
        - request: { name: profile, method: GET, path: /api/me, withToken: true }
  - request: { name: feed, method: GET, path: /api/feed, withToken: true }
`;
  const dir = writeFixture({ 'app.yaml': bundle });
  assert.throws(() => loadBundle(join(dir, 'app.yaml')), (error: Error) => {
    assert.match(error.message, /^1 problem in /);
    assert.match(error.message, /steps\[0\]\.parallel\.steps\[1\]\.request\.withToken: withToken needs a "token" captured by an earlier step/);
    return true;
  });
});

test('log-normal shape needs median or within', () => {
  const dir = writeFixture({ 'event.yaml': validEvent.replace('medianSeconds: 2, sigma: 0.5', 'sigma: 0.5'), 'bundles/web.yaml': webBundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /arrival: the log-normal shape needs medianSeconds or within/);
});

test('within contradicting the median is an error', () => {
  const shape = 'medianSeconds: 90, within: { fraction: 0.99, seconds: 60 }';
  const dir = writeFixture({ 'event.yaml': validEvent.replace('medianSeconds: 2, sigma: 0.5', shape), 'bundles/web.yaml': webBundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /within contradicts medianSeconds/);
});

test('target base URL must be http', () => {
  const dir = writeFixture({ 'event.yaml': `${validEvent}target: { baseUrl: "127.0.0.1:8080" }\n`, 'bundles/web.yaml': webBundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /target\.baseUrl: must be an http or https URL/);
});

test('trace arrival inlines the parsed trace', () => {
  const event = validEvent.replace(/arrival: .*\n/, 'arrival: { model: trace, file: trace.csv, format: timestamps }\n');
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': webBundle, 'trace.csv': 'seconds\n0.5\n1.5\n2\n' });
  assert.deepEqual(loadEvent(join(dir, 'event.yaml')).traceArrivalSeconds, [0.5, 1.5, 2]);
});

test('missing trace file names arrival.file', () => {
  const event = validEvent.replace(/arrival: .*\n/, 'arrival: { model: trace, file: gone.csv, format: per-second }\n');
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': webBundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /event\.yaml:3:\d+: arrival\.file: trace file cannot be read: .*gone\.csv/);
});

const poolBundle = 'name: web\nsteps:\n  - request: { name: account, method: GET, path: "/accounts/{{accountId}}" }\n';

test('user pool columns become variables', () => {
  const event = `${validEvent}userPool: { file: users.csv }\n`;
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': poolBundle, 'users.csv': 'accountId,nickname\na-1,x\na-2,y\n' });
  assert.deepEqual(loadEvent(join(dir, 'event.yaml')).userPool, { file: 'users.csv' });
});

test('user pool without a needed column fails', () => {
  const event = `${validEvent}userPool: { file: users.csv, columns: [accountId] }\n`;
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': poolBundle, 'users.csv': 'account,nickname\na-1,x\n' });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), (error: Error) => {
    assert.match(error.message, /event\.yaml:7:\d+: userPool\.file: .*users\.csv has no column "accountId" \(header: account, nickname\)/);
    assert.match(error.message, /\{\{accountId\}\} has no value/, 'the bundle placeholder is reported too');
    return true;
  });
});

test('user pool empty cells are listed', () => {
  const event = `${validEvent}userPool: { file: users.csv, columns: [accountId] }\n`;
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': poolBundle, 'users.csv': 'accountId,nickname\na-1,x\n,y\n' });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /has empty required cells: row 3 column "accountId"/);
});

test('missing user pool file is reported', () => {
  const event = `${validEvent}userPool: { file: gone.csv }\n`;
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': webBundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), /userPool\.file: user pool cannot be read: .*gone\.csv \(ENOENT\)/);
});

test('share sum is checked beside schema errors', () => {
  const event = validEvent.replace('users: 100', 'users: -1').replace('web: { share: 1,', 'web: { share: 0.5,');
  const dir = writeFixture({ 'event.yaml': event, 'bundles/web.yaml': webBundle });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), (error: Error) => {
    assert.match(error.message, /^2 problems in /);
    assert.match(error.message, /users: must be >= 1/);
    assert.match(error.message, /platforms: platform shares must sum to 1 \(got 0\.5\)/);
    return true;
  });
});

test('arrival model problems point at their line', () => {
  const dir = writeFixture({ 'event.yaml': validEvent.replace('sigma: 0.5', 'sigma: 3.5'), 'bundles/web.yaml': webBundle });
  const error = loadError(join(dir, 'event.yaml'));
  assert.match(error.message, /event\.yaml:3:\d+: arrival\.sigma: must be at most 3, got 3\.5/);
});
