import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { startTarget, type RunningTarget } from '../../target/index.ts';

const herdBin = fileURLToPath(new URL('../../bin/herd.js', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
const targets: RunningTarget[] = [];

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
  await Promise.all(targets.map((target) => target.close()));
});

function spawnHerd(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [herdBin, 'target', ...args], { stdio: 'pipe' });
  children.push(child);
  return child;
}

/** Runs `herd target` to completion (it must exit on its own) and returns its status and output. */
async function runToExit(args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const child = spawnHerd(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killTimer);
  return { exitCode, stdout, stderr };
}

/** Resolves with the first stdout line, or rejects when the process exits or 15 s pass first. */
function readFirstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no output line within 15 s; got ${JSON.stringify(buffered)}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newlineIndex = buffered.indexOf('\n');
      if (newlineIndex !== -1) {
        clearTimeout(timer);
        resolve(buffered.slice(0, newlineIndex));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`herd target exited with ${code} before printing its URL`));
    });
  });
}

test('command prints its URL and stops on SIGTERM', async () => {
  const child = spawnHerd(['--port', '0', '--servers', '2', '--queue-timeout-ms', '800']);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await readFirstLine(child);

  const match = /^herd target listening on (http:\/\/127\.0\.0\.1:\d+) \(profile legacy, 2 servers, 17 workers each, queue timeout 800 ms\)$/.exec(line);
  assert.ok(match !== null, line);
  const health = await fetch(`${match[1]}/health`);
  assert.equal(await health.text(), 'ok');
  const metrics = await (await fetch(`${match[1]}/metrics`)).text();
  assert.match(metrics, /^herd_target_workers_total 34$/m);

  const stoppedAtMs = performance.now();
  child.kill('SIGTERM');
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  assert.equal(exitCode, 0);
  assert.ok(performance.now() - stoppedAtMs < 3000, 'the target took over 3 s to stop');
  assert.match(stderr, /stopped on SIGTERM/);
});

test('command prints the one-server line shape', async () => {
  const child = spawnHerd([]);
  const line = await readFirstLine(child);
  assert.match(line, /^herd target listening on http:\/\/127\.0\.0\.1:\d+ \(profile legacy, 1 server, 17 workers, queue timeout 5000 ms\)$/);
  child.kill('SIGINT');
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  assert.equal(exitCode, 0);
});

test('command reports a taken port without a stack', async () => {
  const occupant = await startTarget({});
  targets.push(occupant);
  const result = await runToExit(['--port', String(occupant.port)]);

  assert.equal(result.exitCode, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${occupant.port}`));
  assert.match(result.stderr, /--port 0/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('command names each bad flag', async () => {
  const result = await runToExit(['--servers', '-1', '--profile', 'turbo', '--seed', 'abc', '--queue-timeout-ms', '0']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /--servers must be a whole number of at least 1, got -1/);
  assert.match(result.stderr, /--profile must be one of legacy, high-concurrency, got "turbo"/);
  assert.match(result.stderr, /--seed must be a number, got "abc"/);
  assert.match(result.stderr, /--queue-timeout-ms must be/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('command rejects a non-loopback host', async () => {
  const result = await runToExit(['--host', '0.0.0.0']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /--host must be a loopback address/);
  assert.equal(result.stdout, '');
});

test('command rejects an unknown flag', async () => {
  const result = await runToExit(['--verbose']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /--verbose/);
  assert.match(result.stderr, /herd target --help/);
});
