import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

test('safety library bundles for k6 without Node imports', async () => {
  // Scenarios run the allow check inside k6, whose runtime has no Node modules and rejects
  // optional chaining in v0.49, so the bundle must be self-contained ES2017.
  const result = await build({
    entryPoints: ['lib/safety/index.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2017',
    platform: 'neutral',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;

  assert.doesNotMatch(code, /^\s*import\s/m);
  assert.doesNotMatch(code, /require\(/);
  assert.doesNotMatch(code, /\?\./);
  assert.doesNotMatch(code, /\(\?<[=!]/, 'lookbehind assertions');
});
