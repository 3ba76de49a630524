import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { buildScenarios, listScenarioEntries } from '../../build/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';

const outDir = mkdtempSync(join(tmpdir(), 'herd-build-'));

test('scenario entries skip declaration files', () => {
  const entries = listScenarioEntries('scenarios');
  assert.ok(entries.includes(join('scenarios', 'live-event.ts')));
  assert.ok(entries.every((entry) => !entry.endsWith('.d.ts')));
});

test('live event builds into one k6 script', async () => {
  const scripts = await buildScenarios({ entries: ['scenarios/live-event.ts'], outDir });
  assert.equal(scripts.length, 1);
  assert.equal(resolve(scripts[0].outFile), resolve(outDir, 'live-event.js'));
  assert.ok(scripts[0].imports.length > 0);
  assert.ok(scripts[0].imports.every((path) => path === 'k6' || path.startsWith('k6/')), scripts[0].imports.join(', '));
});

test('built script imports only k6 modules', async () => {
  await buildScenarios({ entries: ['scenarios/live-event.ts'], outDir });
  const code = readFileSync(join(outDir, 'live-event.js'), 'utf8');
  const imported = [...code.matchAll(/^\s*import\b[^'"]*["']([^"']+)["']/gm)].map((match) => match[1]);
  assert.ok(imported.length > 0);
  assert.deepEqual(imported.filter((path) => path !== 'k6' && !path.startsWith('k6/')), []);
  assert.doesNotMatch(code, /\brequire\(/);
});

test('built script has no optional chaining', async () => {
  await buildScenarios({ entries: ['scenarios/live-event.ts'], outDir });
  const code = readFileSync(join(outDir, 'live-event.js'), 'utf8');
  assert.equal(code.includes('?.'), false);
  assert.equal(/[\w)\]]\s*\?\?\s*[\w(]/.test(code), false, 'nullish coalescing is lowered too');
});

test('built script inlines the event data', async () => {
  await buildScenarios({ entries: ['scenarios/live-event.ts'], outDir });
  const code = readFileSync(join(outDir, 'live-event.js'), 'utf8');
  assert.match(code, /"mobile-cold-launch"/);
  assert.match(code, /"\/vendor\/register"/);
  assert.equal(code.includes(process.cwd()), false, 'no absolute path of the build machine');
});

test('invalid event file fails the build with its name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herd-build-bad-'));
  writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nusers: -5\narrival: { model: lognormal, notificationAtSeconds: 0, medianSeconds: 3 }\nplatforms: {}\n');
  writeFileSync(join(dir, 'bad.ts'), "import event from './bad.yaml';\nexport default function () { console.log(event.name); }\n");
  await assert.rejects(buildScenarios({ entries: [join(dir, 'bad.ts')], outDir }), (error: unknown) => {
    assert.ok(error instanceof HerdUserError);
    assert.equal(error.code, 'BUILD_FAILED');
    assert.match(error.message, /bad\.yaml:2:8: users: must be >= 1 \(got -5\)/);
    assert.match(error.message, /bad\.yaml:4:12: platforms: must NOT have fewer than 1 properties/);
    return true;
  });
});

test('empty entry list is a user error', async () => {
  await assert.rejects(buildScenarios({ entries: [], outDir }), /no scenarios to build/);
});

test('user pool is copied beside the script', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herd-build-pool-'));
  writeFileSync(join(dir, 'users.csv'), 'accountId\na-1\na-2\n');
  writeFileSync(join(dir, 'web.yaml'), 'name: web\nsteps:\n  - request: { name: account, method: GET, path: "/accounts/{{accountId}}" }\n');
  writeFileSync(join(dir, 'event.yaml'), 'name: pooled\nusers: 2\narrival: { model: lognormal, notificationAtSeconds: 0, medianSeconds: 1 }\nplatforms:\n  web: { share: 1, bundle: web.yaml }\nuserPool: { file: users.csv }\n');
  writeFileSync(join(dir, 'pooled.ts'), "import event from './event.yaml';\nexport default function () { console.log(event.userPool); }\n");
  const poolOutDir = join(dir, 'dist');
  await buildScenarios({ entries: [join(dir, 'pooled.ts')], outDir: poolOutDir });
  assert.equal(readFileSync(join(poolOutDir, 'pooled.users.csv'), 'utf8'), 'accountId\na-1\na-2\n');
  assert.match(readFileSync(join(poolOutDir, 'pooled.js'), 'utf8'), /"file":\s*"\.\/pooled\.users\.csv"/);
});
