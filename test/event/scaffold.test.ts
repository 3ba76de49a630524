import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { buildScenarios } from '../../build/index.ts';
import { runCommand } from '../../cli/new-command.ts';
import { loadEvent } from '../../lib/event/index.ts';
import { scaffoldEvent } from '../../lib/event/scaffold.ts';

async function runQuietly(args: string[]): Promise<number> {
  const log = mock.method(console, 'log', () => {});
  try {
    return await runCommand(args);
  } finally {
    log.mock.restore();
  }
}

test('scaffold lists event, bundles and entry', () => {
  const files = scaffoldEvent({ name: 'premiere', platforms: { ios: 0.5, web: 0.5 }, dir: 'scenarios' });
  assert.deepEqual(files.map((file) => file.path), [
    join('scenarios', 'premiere.yaml'),
    join('scenarios', 'bundles', 'premiere-ios.yaml'),
    join('scenarios', 'bundles', 'premiere-web.yaml'),
    join('scenarios', 'premiere.ts'),
  ]);
  assert.match(files[0].text, /^# yaml-language-server: \$schema=\.\.\/schema\/event-file\.schema\.json\n/);
  assert.match(files[3].text, /import \{ createEventScript \} from '\.\.\/lib\/bundle\/event-script\.ts';/);
});

test('new event writes files that load and build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herd-new-'));
  assert.equal(await runQuietly(['event', 'premiere', '--platforms', 'ios=0.35,android=0.35,web=0.3', '--dir', dir]), 0);
  const event = loadEvent(join(dir, 'premiere.yaml'));
  assert.deepEqual(Object.keys(event.platforms), ['ios', 'android', 'web']);
  const scripts = await buildScenarios({ entries: [join(dir, 'premiere.ts')], outDir: join(dir, 'dist') });
  assert.equal(scripts.length, 1);
  assert.match(readFileSync(join(dir, 'dist', 'premiere.js'), 'utf8'), /"premiere-android"/);
});

test('new event does not overwrite files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herd-new-'));
  writeFileSync(join(dir, 'premiere.yaml'), 'kept');
  await assert.rejects(runQuietly(['event', 'premiere', '--dir', dir]), /not overwriting .*premiere\.yaml/);
  assert.equal(readFileSync(join(dir, 'premiere.yaml'), 'utf8'), 'kept');
});

test('new event rejects bad shares', async () => {
  await assert.rejects(runQuietly(['event', 'x', '--platforms', 'ios=0.5,web=0.4']), /shares sum to 0\.9/);
  await assert.rejects(runQuietly(['event', 'x', '--platforms', 'ios']), /invalid --platforms entry "ios"/);
});

test('new event rejects a bad name', async () => {
  await assert.rejects(runQuietly(['event', 'My Event']), /invalid event name "My Event"/);
});
