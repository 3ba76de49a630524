import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { runScript } from '../../engine/index.ts';
import { startDyingServer, startGarbageServer, startResettingServer, startSlowServer } from './servers.ts';
import type { FaultServer } from './servers.ts';

// 20 arrivals over 1 s, each one request with a 500 ms timeout: every run ends within a few seconds.
const ARRIVALS = 20;
const FAULT_SCRIPT = `
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    faults: { executor: 'constant-arrival-rate', rate: ${ARRIVALS}, timeUnit: '1s', duration: '1s', preAllocatedVUs: 5, maxVUs: 20, gracefulStop: '2s' },
  },
  thresholds: { http_req_failed: ['rate<0.01'] },
};

export default async function () {
  const response = await http.asyncRequest('GET', __ENV.TARGET + '/fault', null, { timeout: '500ms' });
  check(response, { 'status is 200': (r) => r.status === 200 });
}
`;

interface FaultRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  csvRows: Array<Record<string, string>>;
  summaryExport: { metrics: Record<string, Record<string, number>> };
  elapsedMs: number;
}

/** Changes to one fault run: where the CSV goes, and a signal that stops the run as Ctrl-C does. */
interface FaultRunOptions {
  csvPath?: string;
  signal?: AbortSignal;
}

async function runAgainst(server: FaultServer, runOptions: FaultRunOptions = {}): Promise<FaultRun> {
  const directory = mkdtempSync(join(tmpdir(), 'herd-faults-'));
  const csvPath = runOptions.csvPath ?? join(directory, 'samples.csv');
  const scriptPath = join(directory, 'fault.js');
  writeFileSync(scriptPath, FAULT_SCRIPT);
  const stdout: string[] = [];
  const stderr: string[] = [];

  const startMs = performance.now();
  const { exitCode } = await runScript({
    scriptPath,
    env: { TARGET: server.url },
    outputs: [`csv=${csvPath}`],
    summaryExport: join(directory, 'summary.json'),
    quiet: true,
    writeStdout: (text) => stdout.push(text),
    writeStderr: (text) => stderr.push(text),
    signal: runOptions.signal ?? AbortSignal.timeout(20_000),
  });
  const elapsedMs = performance.now() - startMs;

  return {
    exitCode,
    stdout: stdout.join(''),
    stderr: stderr.join(''),
    csvRows: runOptions.csvPath === undefined ? readCsv(csvPath) : [],
    summaryExport: JSON.parse(readFileSync(join(directory, 'summary.json'), 'utf8')),
    elapsedMs,
  };
}

function readCsv(path: string): Array<Record<string, string>> {
  assert.ok(existsSync(path), `${path} was not written`);
  const parsed = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true });
  assert.deepEqual(parsed.errors, [], `${path} is not valid CSV`);
  return parsed.data;
}

function checkRunEndedCleanly(run: FaultRun, label: string): Array<Record<string, string>> {
  const requestRows = run.csvRows.filter((row) => row.metric_name === 'http_reqs');

  assert.equal(run.exitCode, 99, `${label}: the failed-request threshold should fail the run\n${run.stderr}`);
  assert.match(run.stdout, /✗ http_req_failed/, `${label}: the summary marks the crossed threshold`);
  assert.match(run.stdout, /http_reqs/, `${label}: summary on stdout`);
  assert.ok(run.elapsedMs < 15_000, `${label}: took ${Math.round(run.elapsedMs)} ms`);
  assert.equal(run.summaryExport.metrics.http_reqs.count, requestRows.length, `${label}: summary and CSV agree`);
  // Arrivals that find no free VU are dropped, as in k6, so started plus dropped makes up the schedule.
  const droppedIterations = run.summaryExport.metrics.dropped_iterations?.count ?? 0;
  assert.ok(Math.abs(requestRows.length + droppedIterations - ARRIVALS) <= 1, `${label}: ${requestRows.length} requests and ${droppedIterations} dropped for ${ARRIVALS} arrivals`);
  return requestRows;
}

function countFailed(requestRows: Array<Record<string, string>>): number {
  return requestRows.filter((row) => row.status === '0').length;
}

test('run survives a target that dies', async () => {
  const server = await startDyingServer({ answeredRequests: 5 });
  try {
    const requestRows = checkRunEndedCleanly(await runAgainst(server), 'dying');
    const succeeded = requestRows.filter((row) => row.status === '200').length;

    assert.equal(succeeded, 5);
    assert.equal(countFailed(requestRows), requestRows.length - 5);
    assert.ok(requestRows.filter((row) => row.status === '0').every((row) => row.error_code !== ''), 'failed requests carry an error code');
  } finally {
    await server.close();
  }
});

test('run survives connection resets', async () => {
  const server = await startResettingServer();
  try {
    const requestRows = checkRunEndedCleanly(await runAgainst(server), 'resetting');

    assert.equal(countFailed(requestRows), requestRows.length);
  } finally {
    await server.close();
  }
});

test('run survives a byte-by-byte target', async () => {
  // About 80 response bytes at 20 ms each take 1.6 s, beyond the script's 500 ms timeout.
  const server = await startSlowServer({ byteIntervalMs: 20 });
  try {
    const requestRows = checkRunEndedCleanly(await runAgainst(server), 'slow');

    assert.equal(countFailed(requestRows), requestRows.length);
  } finally {
    await server.close();
  }
});

test('run survives a garbage-speaking target', async () => {
  const server = await startGarbageServer();
  try {
    const requestRows = checkRunEndedCleanly(await runAgainst(server), 'garbage');

    assert.equal(countFailed(requestRows), requestRows.length);
  } finally {
    await server.close();
  }
});

test('interrupted run writes what it has', async () => {
  // The slow target keeps requests in flight, so the interrupt lands mid-run as Ctrl-C would.
  const server = await startSlowServer({ byteIntervalMs: 5 });
  try {
    const run = await runAgainst(server, { signal: AbortSignal.timeout(400) });
    const requestRows = run.csvRows.filter((row) => row.metric_name === 'http_reqs');

    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /interrupt/);
    assert.match(run.stdout, /http_reqs/);
    assert.ok(requestRows.length > 0, 'requests finished before the interrupt are in the CSV');
    assert.ok(requestRows.length < ARRIVALS, `${requestRows.length} requests: the run stopped early`);
    assert.equal(run.summaryExport.metrics.http_reqs.count, requestRows.length);
  } finally {
    await server.close();
  }
});

const FULL_DEVICE_PATH = '/dev/full';

test(
  'full disk ends the run with a summary',
  {
    skip: existsSync(FULL_DEVICE_PATH) ? false : `${FULL_DEVICE_PATH} (writes fail with ENOSPC) exists on Linux only`,
  },
  async () => {
    const server = await startDyingServer({ answeredRequests: 1000 });
    try {
      const run = await runAgainst(server, { csvPath: FULL_DEVICE_PATH });

      assert.match(run.stdout, /http_reqs/);
      assert.match(run.stderr, /no space|ENOSPC/i);
      assert.equal(run.summaryExport.metrics.http_reqs.count, ARRIVALS);
    } finally {
      await server.close();
    }
  },
);
