import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const herdCli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'herd.js');

function runHerd(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [herdCli, ...args], { encoding: 'utf8', timeout: 30_000 });
}

test('unknown flag is a usage error', () => {
  const result = runHerd(['herd-test', '--no-such-flag']);

  assert.equal(result.status, 2);
  assert.match(result.stderr, /^herd herd-test: Unknown option '--no-such-flag'/);
  assert.match(result.stderr, /Run `herd herd-test --help` for the list of options\./);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('unknown command lists the commands', () => {
  const result = runHerd(['no-such-command']);

  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command "no-such-command"/);
  assert.match(result.stderr, /herd-test/);
});

test('version prints the package version', () => {
  const result = runHerd(['--version']);

  assert.equal(result.status, 0);
  assert.match(result.stdout, /^k6-herd \d+\.\d+\.\d+ on Node\.js v\d+/);
});

test('unreachable target stops herd-test before any load', async () => {
  const { createServer } = await import('node:net');
  const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  // A port that was free a moment ago: a listener bound and closed again leaves nothing there.
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  const resultsDir = mkdtempSync(resolve(tmpdir(), 'herd-preflight-'));

  try {
    const result = runHerd(['herd-test', '--target', `http://127.0.0.1:${port}`, '--results-dir', resultsDir, '--quiet']);

    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`--target http://127\\.0\\.0\\.1:${port} returned no response to a GET within 5 s \\(ECONNREFUSED`));
    assert.match(result.stderr, /no load was sent/);
    assert.deepEqual(readdirSync(resultsDir), []);
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
});

test('missing k6 binary stops herd-test before planning', async () => {
  const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const resultsDir = mkdtempSync(resolve(tmpdir(), 'herd-k6-missing-'));

  try {
    const result = runHerd(['herd-test', '--k6', '/nonexistent/k6', '--results-dir', resultsDir, '--quiet']);

    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /the k6 binary \/nonexistent\/k6 did not run/);
    assert.match(result.stderr, /Point --k6/);
    assert.doesNotMatch(result.stdout, /wrote .*plan\.json/);
    assert.deepEqual(readdirSync(resultsDir), []);
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
});
