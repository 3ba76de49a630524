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

test('SIGTERM stops a run and keeps its results', async () => {
  const { mkdtempSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(resolve(tmpdir(), 'herd-sigterm-'));
  const script = resolve(dir, 'long.js');
  writeFileSync(script, `export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 5, timeUnit: '1s', duration: '30s', preAllocatedVUs: 5 } } };
export default async function () { await new Promise((r) => setTimeout(r, 100)); }
`);

  try {
    const child = spawn(process.execPath, [herdCli, 'run', '-q', '--summary-export', resolve(dir, 'summary.json'), script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The run header comes after loading and warm-up, so the signal lands while iterations run.
    const started = new Promise<void>((resolveStarted) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('scenarios') && resolveStarted()));
    const tooLate = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`no run header within 20 s: ${stderr}`)), 20_000).unref());
    await Promise.race([started, tooLate]);
    await new Promise((resolveWait) => setTimeout(resolveWait, 1500));
    child.kill('SIGTERM');
    const exitCode = await new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));

    assert.equal(exitCode, 105, stderr);
    assert.match(stderr, /Stopping on SIGTERM/);
    assert.ok(existsSync(resolve(dir, 'summary.json')), 'the summary export should be written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed HERD_TARGET fails at init', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const outDir = mkdtempSync(resolve(tmpdir(), 'herd-target-env-'));

  try {
    const built = runHerd(['build', 'scenarios/live-event.ts', '--out-dir', outDir]);
    assert.equal(built.status, 0, built.stderr);
    const result = runHerd(['run', '-q', '-e', 'HERD_TARGET=notaurl', resolve(outDir, 'live-event.js')]);

    assert.equal(result.status, 107);
    assert.match(result.stderr, /HERD_TARGET must be a base URL such as http:\/\/127\.0\.0\.1:8080, got "notaurl"/);
    assert.doesNotMatch(result.stderr, /engine\/loader\.ts/);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('negative value after a space reaches the command check', () => {
  const result = runHerd(['plan', '--scale', '-1']);

  assert.equal(result.status, 2);
  assert.match(result.stderr, /--scale must be a number greater than 0, got "-1"/);
  assert.doesNotMatch(result.stderr, /ambiguous/);
});
