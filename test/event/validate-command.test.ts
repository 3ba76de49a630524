import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { runCommand } from '../../cli/validate-command.ts';
import { validateFile } from '../../lib/event/index.ts';

/** Runs the command with console output captured. */
async function runQuietly(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const log = mock.method(console, 'log', () => {});
  const error = mock.method(console, 'error', () => {});
  try {
    const status = await runCommand(args);
    const join = (calls: typeof log.mock.calls) => calls.map((call) => call.arguments.join(' ')).join('\n');
    return { status, stdout: join(log.mock.calls), stderr: join(error.mock.calls) };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

test('validate accepts the shipped scenario files', async () => {
  const result = await runQuietly(['scenarios/live-event.yaml', 'scenarios/bundles/mobile-cold-launch-trimmed.yaml']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /valid event file: scenarios\/live-event\.yaml with bundles\/mobile-cold-launch\.yaml, bundles\/web\.yaml/);
  assert.match(result.stdout, /valid bundle file: scenarios\/bundles\/mobile-cold-launch-trimmed\.yaml/);
});

test('validate reports every invalid file and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herd-validate-'));
  writeFileSync(join(dir, 'a.yaml'), 'name: a\nsteps:\n  - pause: { durationMs: -1 }\n');
  writeFileSync(join(dir, 'b.yaml'), 'name: b\nsteps: []\n');
  const result = await runQuietly([join(dir, 'a.yaml'), 'scenarios/bundles/web.yaml', join(dir, 'b.yaml')]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /a\.yaml:3:26: steps\[0\]\.pause\.durationMs: must be >= 0/);
  assert.match(result.stderr, /b\.yaml:2:8: steps: must NOT have fewer than 1 items/);
  assert.match(result.stdout, /valid bundle file: scenarios\/bundles\/web\.yaml/);
});

test('validate without files is a usage error', async () => {
  await assert.rejects(runQuietly([]), /no file given/);
});

test('bundle alone may use event variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herd-validate-'));
  writeFileSync(join(dir, 'web.yaml'), 'name: web\nsteps:\n  - request: { name: a, method: GET, path: "/events/{{eventId}}" }\n');
  assert.deepEqual(validateFile(join(dir, 'web.yaml')), { kind: 'bundle', bundlePaths: [] });
});
