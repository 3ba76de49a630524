import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generateSchemas } from '../../build/generate-schema.ts';
import { checkFile } from '../../lib/event/load.ts';
import { checkAgainstSchema } from '../../lib/event/schema-check.ts';
import { parseYamlSource } from '../../lib/event/yaml-source.ts';

test('published schemas match the types', () => {
  for (const [fileName, schema] of generateSchemas()) {
    const published = JSON.parse(readFileSync(`schema/${fileName}`, 'utf8')) as unknown;
    assert.deepEqual(published, schema, `schema/${fileName} is stale: run node --import tsx build/generate-schema.ts`);
  }
});

const event = {
  name: 'e',
  users: 10,
  arrival: { model: 'lognormal', notificationAtSeconds: 0, medianSeconds: 5, sigma: 0.5 },
  platforms: { web: { share: 1, bundle: 'web.yaml' } },
};
const request = { name: 'r', method: 'GET', path: '/x' };

/** Returns a copy of `base` with the value at the dotted `path` replaced. */
function withField(base: object, path: string, value: unknown): object {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) {
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
  return copy;
}

function problemsOf(kind: 'event' | 'bundle', data: object): string[] {
  return checkFile(`${kind}.yaml`, JSON.stringify(data), kind).diagnostics.map((diagnostic) => `${diagnostic.fieldPath}: ${diagnostic.rule}`);
}

// Each row: a field, a value the schema accepts, a value it rejects, and the rule expected for it.
const eventFields: Array<[string, unknown, unknown, RegExp]> = [
  ['name', 'live-event_2', 'Live Event', /^name: must match the pattern/],
  ['users', 50000, 1.5, /^users: must be an integer/],
  ['description', 'text', 3, /^description: must be of type string/],
  ['arrival.model', 'lognormal', 'poisson', /^arrival\.model: must be one of "lognormal", "waves", "trace"/],
  ['arrival.notificationAtSeconds', 0, -1, /^arrival\.notificationAtSeconds: must be >= 0/],
  ['arrival.medianSeconds', 0.5, 0, /^arrival\.medianSeconds: must be > 0/],
  ['arrival.sigma', 1.2, 0, /^arrival\.sigma: must be > 0/],
  ['arrival.within', { fraction: 0.99, seconds: 60 }, { fraction: 1, seconds: 60 }, /^arrival\.within\.fraction: must be < 1/],
  ['platforms', { a: { share: 1, bundle: 'a.yaml' } }, {}, /^platforms: must NOT have fewer than 1 properties/],
  ['platforms.web.share', 1, 1.5, /^platforms\.web\.share: must be <= 1/],
  ['platforms.web.bundle', 'web.yaml', '', /^platforms\.web\.bundle: must NOT have fewer than 1 characters/],
  ['target', { baseUrl: 'http://127.0.0.1:1', allow: ['example.test'] }, { baseUrl: 7 }, /^target\.baseUrl: must be of type string/],
  ['vars', { eventId: 'e1' }, { eventId: 1 }, /^vars\.eventId: must be of type string/],
  ['thresholds', { herd_admitted: ['rate>0.9'] }, { herd_admitted: 'rate>0.9' }, /^thresholds\.herd_admitted: must be of type array/],
  ['userPool', { file: 'users.csv', columns: ['accountId'] }, { file: 'users.csv', columns: [] }, /^userPool\.columns: must NOT have fewer than 1 items/],
];

for (const [field, valid, invalid, rule] of eventFields) {
  test(`event field ${field} is checked`, () => {
    assert.deepEqual(problemsOf('event', withField(event, field, valid)), []);
    const problems = problemsOf('event', withField(event, field, invalid));
    assert.ok(problems.some((problem) => rule.test(problem)), problems.join('\n'));
  });
}

test('waves and trace arrivals are checked', () => {
  const waves = { model: 'waves', waves: [{ notificationAtSeconds: 0, share: 1, medianSeconds: 3, sigma: 0.4 }] };
  assert.deepEqual(problemsOf('event', withField(event, 'arrival', waves)), []);
  const badWave = { model: 'waves', waves: [{ notificationAtSeconds: 0, share: 0, medianSeconds: 3 }] };
  assert.ok(problemsOf('event', withField(event, 'arrival', badWave)).some((problem) => /^arrival\.waves\[0\]\.share: must be > 0/.test(problem)));
  const trace = { model: 'trace', file: 'trace.csv', format: 'per-second' };
  assert.deepEqual(problemsOf('event', withField(event, 'arrival', trace)), []);
  const badTrace = { model: 'trace', file: 'trace.csv', format: 'minutes' };
  assert.ok(problemsOf('event', withField(event, 'arrival', badTrace)).some((problem) => /^arrival\.format: must be one of/.test(problem)));
});

const bundleFields: Array<[string, unknown, unknown, RegExp]> = [
  ['name', 'mobile', 'Mobile App', /^name: must match the pattern/],
  ['method', 'POST', 'get', /^steps\[0\]\.request\.method: must be one of/],
  ['path', '/events/{{eventId}}', 'events', /^steps\[0\]\.request\.path: must match the pattern/],
  ['headers', { 'X-Client': 'app' }, { 'X-Client': 1 }, /^steps\[0\]\.request\.headers\.X-Client: must be of type string/],
  ['expectStatus', [200, 204], [200, 600], /^steps\[0\]\.request\.expectStatus\[1\]: must be <= 599/],
  ['essential', false, 'no', /^steps\[0\]\.request\.essential: must be of type boolean/],
  ['withToken', false, 1, /^steps\[0\]\.request\.withToken: must be of type boolean/],
  ['capture', { token: 'json:accessToken', id: 'header:X-Id' }, { token: 'body:accessToken' }, /^steps\[0\]\.request\.capture\.token: must match the pattern/],
  ['expectedLatencyMs', 40, -1, /^steps\[0\]\.request\.expectedLatencyMs: must be >= 0/],
];

for (const [field, valid, invalid, rule] of bundleFields) {
  test(`bundle field ${field} is checked`, () => {
    const bundleWith = (value: unknown) =>
      field === 'name' ? { name: value, steps: [{ request }] } : { name: 'b', steps: [{ request: { ...request, [field]: value } }] };
    assert.deepEqual(problemsOf('bundle', bundleWith(valid)), []);
    const problems = problemsOf('bundle', bundleWith(invalid));
    assert.ok(problems.some((problem) => rule.test(problem)), problems.join('\n'));
  });
}

test('parallel and pause steps are checked', () => {
  const good = { name: 'b', steps: [{ parallel: { maxConcurrency: 2, steps: [{ request }] } }, { pause: { durationMs: 100 } }] };
  assert.deepEqual(problemsOf('bundle', good), []);
  const bad = { name: 'b', steps: [{ parallel: { maxConcurrency: 0, steps: [] } }, { pause: { durationMs: -5 } }] };
  const problems = problemsOf('bundle', bad);
  assert.ok(problems.includes('steps[0].parallel.maxConcurrency: must be >= 1'), problems.join('\n'));
  assert.ok(problems.includes('steps[0].parallel.steps: must NOT have fewer than 1 items'), problems.join('\n'));
  assert.ok(problems.includes('steps[1].pause.durationMs: must be >= 0'), problems.join('\n'));
});

test('arrival without a model reports one problem', () => {
  const source = parseYamlSource('event.yaml', 'name: e\nusers: 10\narrival: {kind: lognormal, medianSeconds: 5}\nplatforms:\n  web: {share: 1, bundle: b.yaml}\n');
  const diagnostics = checkAgainstSchema(source, 'event');
  assert.equal(diagnostics.length, 1, diagnostics.map((diagnostic) => `${diagnostic.fieldPath}: ${diagnostic.rule}`).join('\n'));
  assert.equal(diagnostics[0]?.fieldPath, 'arrival.model');
  assert.equal(diagnostics[0]?.hint, 'Add "model": one of lognormal, waves, trace.');
});
