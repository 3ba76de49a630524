import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const herdCli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'herd.js');

test('missing bundle via relative path', () => {
  const folder = mkdtempSync(join(tmpdir(), 'herd-relative-'));
  try {
    writeFileSync(
      join(folder, 'event.yaml'),
      ['name: relative', 'users: 100', 'arrival: { model: lognormal, notificationAtSeconds: 1, medianSeconds: 2, sigma: 0.8 }', 'platforms:', '  web: { share: 1, bundle: bundles/missing.yaml }', ''].join('\n'),
    );
    const result = spawnSync(process.execPath, [herdCli, 'validate', 'event.yaml'], { cwd: folder, encoding: 'utf8', timeout: 30_000 });

    assert.equal(result.status, 1);
    assert.match(result.stderr, /event\.yaml:5:\d+: platforms\.web\.bundle: bundle file cannot be read: bundles\/missing\.yaml/);
    assert.doesNotMatch(result.stderr, /TypeError|\n\s+at /);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
