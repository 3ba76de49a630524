import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { countRequests } from '../../lib/bundle/steps.ts';
import { loadBundle, loadEvent } from '../../lib/event/index.ts';

const appBundle = `name: app
description: the full launch
steps:
  - request: { name: refresh, method: POST, path: /auth/refresh, capture: { token: "json:accessToken" } }
  - parallel:
      maxConcurrency: 4
      steps:
        - request: { name: profile, method: GET, path: /api/me, withToken: true }
        - request: { name: feed, method: GET, path: /api/feed, withToken: true, essential: false }
        - request: { name: thumbnail, method: GET, path: /static/1.jpg, essential: false }
        - request: { name: thumbnail, method: GET, path: /static/2.jpg, essential: false }
`;

function writeFixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herd-compose-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const eventUsing = (bundlePath: string) => `name: e
users: 10
arrival: { model: lognormal, notificationAtSeconds: 0, medianSeconds: 3 }
platforms:
  ios: { share: 0.35, bundle: ${bundlePath} }
  android: { share: 0.35, bundle: ${bundlePath} }
  web: { share: 0.3, bundle: ${bundlePath} }
`;

test('event includes a bundle from an installed package', () => {
  const dir = writeFixture({
    'node_modules/@team/herd-bundles/package.json': '{ "name": "@team/herd-bundles", "version": "1.0.0" }',
    'node_modules/@team/herd-bundles/app.yaml': appBundle,
    'events/event.yaml': eventUsing('"@team/herd-bundles/app.yaml"'),
  });
  const event = loadEvent(join(dir, 'events/event.yaml'));
  assert.deepEqual(Object.keys(event.platforms), ['ios', 'android', 'web']);
  assert.equal(event.platforms.ios.bundlePath, '@team/herd-bundles/app.yaml');
  assert.equal(countRequests(event.platforms.web.bundle.steps), 5);
});

test('missing package names the platform field', () => {
  const dir = writeFixture({ 'event.yaml': eventUsing('"@team/absent/app.yaml"') });
  assert.throws(() => loadEvent(join(dir, 'event.yaml')), (error: Error) => {
    assert.match(error.message, /event\.yaml:5:\d+: platforms\.ios\.bundle: bundle file cannot be read: .*@team\/absent\/app\.yaml \(ENOENT\)/);
    assert.match(error.message, /installed package/);
    return true;
  });
});

test('extension overrides, removes and appends', () => {
  const dir = writeFixture({
    'app.yaml': appBundle,
    'trimmed.yaml': `name: trimmed
extends: ./app.yaml
remove: [feed]
override:
  thumbnail: { essential: true, expectStatus: [200, 304] }
append:
  - pause: { durationMs: 100 }
`,
  });
  const bundle = loadBundle(join(dir, 'trimmed.yaml'));
  assert.equal(bundle.name, 'trimmed');
  assert.equal(bundle.description, 'the full launch');
  assert.equal(countRequests(bundle.steps), 4);
  const group = bundle.steps[1];
  assert.ok('parallel' in group);
  assert.equal(group.parallel.maxConcurrency, 4);
  assert.deepEqual(group.parallel.steps.map((step) => step.request.name), ['profile', 'thumbnail', 'thumbnail']);
  assert.deepEqual(group.parallel.steps[1].request.expectStatus, [200, 304]);
  assert.equal(group.parallel.steps[2].request.essential, true);
  assert.deepEqual(bundle.steps[2], { pause: { durationMs: 100 } });
});

test('extension may extend an extension', () => {
  const dir = writeFixture({
    'app.yaml': appBundle,
    'middle.yaml': 'name: middle\nextends: app.yaml\nremove: [feed]\n',
    'top.yaml': 'name: top\nextends: middle.yaml\nremove: [thumbnail]\n',
  });
  assert.equal(countRequests(loadBundle(join(dir, 'top.yaml')).steps), 2);
});

test('unknown override name is an error', () => {
  const dir = writeFixture({ 'app.yaml': appBundle, 'x.yaml': 'name: x\nextends: app.yaml\noverride:\n  feeds: { essential: true }\nremove: [profil]\n' });
  assert.throws(() => loadBundle(join(dir, 'x.yaml')), (error: Error) => {
    assert.match(error.message, /^2 problems in /);
    assert.match(error.message, /x\.yaml:4:3: override\.feeds: no request named "feeds"/);
    assert.match(error.message, /x\.yaml:5:10: remove\[0\]: no request named "profil"/);
    return true;
  });
});

test('extends cycle is reported', () => {
  const dir = writeFixture({ 'a.yaml': 'name: a\nextends: b.yaml\n', 'b.yaml': 'name: b\nextends: a.yaml\n' });
  assert.throws(() => loadBundle(join(dir, 'a.yaml')), /b\.yaml:2:10: extends: extends forms a cycle: .*a\.yaml → .*b\.yaml → .*a\.yaml/);
});

test('removing a token capture breaks its users', () => {
  const dir = writeFixture({ 'app.yaml': appBundle, 'x.yaml': 'name: x\nextends: app.yaml\nremove: [refresh]\n' });
  assert.throws(() => loadBundle(join(dir, 'x.yaml')), /x\.yaml:2:10: .*withToken needs a "token" captured by an earlier step \(in the bundle that extends resolves to\)/);
});

test('removing every request is an error', () => {
  const dir = writeFixture({ 'app.yaml': appBundle, 'x.yaml': 'name: x\nextends: app.yaml\nremove: [refresh, profile, feed, thumbnail]\n' });
  assert.throws(() => loadBundle(join(dir, 'x.yaml')), /remove: removes every request/);
});

test('extension with steps is rejected', () => {
  const dir = writeFixture({ 'app.yaml': appBundle, 'x.yaml': 'name: x\nextends: app.yaml\nsteps: []\n' });
  assert.throws(() => loadBundle(join(dir, 'x.yaml')), /x\.yaml:3:1: steps: unknown field/);
});
