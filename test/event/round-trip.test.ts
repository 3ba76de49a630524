import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { loadBundle, loadEvent } from '../../lib/event/index.ts';

const bundlePaths = ['scenarios/bundles/web.yaml', 'scenarios/bundles/mobile-cold-launch.yaml', 'scenarios/bundles/mobile-cold-launch-trimmed.yaml'];

for (const path of bundlePaths) {
  test(`${path} survives file, model, file`, () => {
    const model = loadBundle(path, ['eventId']);
    const dir = mkdtempSync(join(tmpdir(), 'herd-round-trip-'));
    writeFileSync(join(dir, 'bundle.yaml'), stringify(model));
    assert.deepEqual(loadBundle(join(dir, 'bundle.yaml'), ['eventId']), model);
  });
}

test('live event survives file, model, file', () => {
  const loaded = loadEvent('scenarios/live-event.yaml');
  const dir = mkdtempSync(join(tmpdir(), 'herd-round-trip-'));
  const platforms: Record<string, { share: number; bundle: string }> = {};
  for (const [name, platform] of Object.entries(loaded.platforms)) {
    writeFileSync(join(dir, `${name}.yaml`), stringify(platform.bundle));
    platforms[name] = { share: platform.share, bundle: `${name}.yaml` };
  }
  writeFileSync(join(dir, 'event.yaml'), stringify({ ...loaded, platforms }));
  const reloaded = loadEvent(join(dir, 'event.yaml'));
  assert.deepEqual({ ...reloaded, platforms: undefined }, { ...loaded, platforms: undefined });
  for (const name of Object.keys(loaded.platforms)) {
    assert.deepEqual(reloaded.platforms[name].bundle, loaded.platforms[name].bundle);
    assert.equal(reloaded.platforms[name].share, loaded.platforms[name].share);
  }
});
