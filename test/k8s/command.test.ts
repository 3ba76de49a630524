import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseK8sFlags } from '../../cli/k8s/flags.ts';
import { generateK8sManifests } from '../../cli/k8s/generate.ts';
import { runCommand } from '../../cli/k8s-command.ts';
import { HerdUserError } from '../../lib/user-error.ts';

const EVENT_PATH = 'scenarios/live-event.yaml';
const CLUSTER_HOST = 'backend.staging.svc.cluster.local';
const CLUSTER_TARGET = `http://${CLUSTER_HOST}:8080`;

function makeWorkspace(): { scriptPath: string; outDir: string } {
  const directory = mkdtempSync(join(tmpdir(), 'herd-k8s-command-'));
  const scriptPath = join(directory, 'live-event.js');
  writeFileSync(scriptPath, 'export default async function () {}\n');
  return { scriptPath, outDir: join(directory, 'generated') };
}

function generateWith(args: string[], environment: Record<string, string | undefined> = { HERD_ALLOW_HOSTS: CLUSTER_HOST }) {
  const { scriptPath, outDir } = makeWorkspace();
  return generateK8sManifests(parseK8sFlags([EVENT_PATH, '--script', scriptPath, '--out-dir', outDir, ...args]), environment);
}

async function captureOutput(action: () => Promise<number>): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const originalLog = console.log;
  const originalError = console.error;
  const stdout: string[] = [];
  const stderr: string[] = [];
  console.log = (...parts: unknown[]) => stdout.push(parts.join(' '));
  console.error = (...parts: unknown[]) => stderr.push(parts.join(' '));
  try {
    const exitCode = await action();
    return { exitCode, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  } finally {
    console.log = originalLog;
    console.error = originalError;
  }
}

test('command writes the manifest and prints next steps', async () => {
  const { scriptPath, outDir } = makeWorkspace();
  process.env.HERD_ALLOW_HOSTS = CLUSTER_HOST;
  try {
    const output = await captureOutput(() => runCommand([EVENT_PATH, '--target', CLUSTER_TARGET, '--script', scriptPath, '--out-dir', outDir, '--scale', '0.01', '--namespace', 'load']));
    const manifest = readFileSync(join(outDir, 'herd-live-event.yaml'), 'utf8');

    assert.equal(output.exitCode, 0);
    assert.match(manifest, /kind: TestRun/);
    assert.match(output.stdout, new RegExp(`kubectl apply -f ${join(outDir, 'herd-live-event.yaml')}`));
    assert.match(output.stdout, /kubectl logs -n load -l k6_cr=herd-live-event,runner=true/);
    assert.match(output.stdout, /per core/);
  } finally {
    delete process.env.HERD_ALLOW_HOSTS;
  }
});

test('auto parallelism covers the peak request rate', () => {
  const generation = generateWith(['--target', CLUSTER_TARGET, '--i-mean-it']);
  const runnerCapacity = generation.sizing.capacity.requestsPerSecond;

  assert.equal(generation.settings.parallelism, Math.max(Math.ceil(generation.peak.requestsPerSecond / runnerCapacity), generation.sizing.podsForVUs));
  assert.ok(generation.settings.parallelism * runnerCapacity >= generation.peak.requestsPerSecond);
  assert.ok(generation.peak.requestsPerSecond > 80_000, `story peak ${generation.peak.requestsPerSecond}`);
  assert.ok(generation.peak.requestsPerSecond < 100_000, `story peak ${generation.peak.requestsPerSecond}`);
});

test('memory is sized for maxVUs', () => {
  const short = generateWith(['--target', CLUSTER_TARGET, '--i-mean-it', '--max-iteration-seconds', '5']);
  const long = generateWith(['--target', CLUSTER_TARGET, '--i-mean-it', '--max-iteration-seconds', '60']);

  assert.ok(long.peak.maxVUs > short.peak.maxVUs, `${long.peak.maxVUs} vs ${short.peak.maxVUs}`);
  assert.equal(long.sizing.podsForVUs, Math.ceil(long.peak.maxVUs / long.sizing.capacity.vus));
  assert.ok(long.settings.parallelism >= long.sizing.podsForVUs);
});

test('bigger runners mean fewer of them', () => {
  const small = generateWith(['--target', CLUSTER_TARGET, '--i-mean-it', '--runner-cpu', '2']);
  const large = generateWith(['--target', CLUSTER_TARGET, '--i-mean-it', '--runner-cpu', '8', '--runner-memory', '16Gi']);

  assert.ok(large.settings.parallelism < small.settings.parallelism, `${large.settings.parallelism} vs ${small.settings.parallelism}`);
});

test('peak above the cap needs --i-mean-it', () => {
  assert.throws(() => generateWith(['--target', CLUSTER_TARGET]), { code: 'RATE_ABOVE_CAP', message: /--i-mean-it/ });
  assert.doesNotThrow(() => generateWith(['--target', CLUSTER_TARGET, '--scale', '0.01']));
});

test('target outside the allow list is rejected', () => {
  assert.throws(
    () => generateWith(['--target', CLUSTER_TARGET, '--i-mean-it'], {}),
    (error: unknown) => {
      assert.ok(error instanceof HerdUserError);
      assert.equal(error.code, 'TARGET_NOT_ALLOWED');
      assert.match(error.message, /HERD_ALLOW_HOSTS=backend\.staging\.svc\.cluster\.local/);
      return true;
    },
  );
});

test('loopback target is rejected for pods', () => {
  // The event's default target is 127.0.0.1, which inside a runner pod is the pod itself.
  assert.throws(() => generateWith(['--i-mean-it']), { code: 'K8S_TARGET_LOOPBACK', message: /--target/ });
});

test('missing script points to herd build', () => {
  const flags = parseK8sFlags([EVENT_PATH, '--target', CLUSTER_TARGET, '--script', join(tmpdir(), 'no-such-dir', 'live-event.js'), '--scale', '0.01']);

  assert.throws(() => generateK8sManifests(flags, { HERD_ALLOW_HOSTS: CLUSTER_HOST }), { code: 'K8S_FILE_NOT_FOUND', message: /herd build/ });
});

test('invalid allow list entry names its source', () => {
  assert.throws(() => generateWith(['--target', CLUSTER_TARGET, '--scale', '0.01'], { HERD_ALLOW_HOSTS: 'https://backend' }), { code: 'ALLOW_LIST_INVALID', message: /^HERD_ALLOW_HOSTS entry/ });
});

test('too few runners and lost logs are warned about', () => {
  const generation = generateWith(['--target', CLUSTER_TARGET, '--i-mean-it', '--parallelism', '1', '--cleanup', 'post']);

  assert.equal(generation.warnings.length, 2);
  assert.match(generation.warnings[0], /--parallelism 1 is below/);
  assert.match(generation.warnings[1], /--cleanup post deletes the runner pods/);
});
