// The parts added for speed and punctuality: the arrival timer loop, herd_schedule_lag and its warning,
// per-VU connections, and the outputs' per-request formatting. Speed itself is measured in bench/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runOnSchedule } from '../../engine/executors/arrival-rate.ts';
import { Logger } from '../../engine/logger.ts';
import { CsvOutput, formatCsvRow } from '../../engine/outputs/csv-output.ts';
import { SCHEDULE_LAG_WARNING_P99_MS, warnIfScheduleLags } from '../../engine/schedule-lag.ts';
import { TestRun } from '../../engine/test-run.ts';
import { runCaptured, startTestServer, writeScript } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

test('schedule loop never starts early', async () => {
  const offsetsMs = [0, 0, 3, 7.5, 12, 12.2, 30, 45];
  const startsMs: number[] = [];
  const lagsMs: number[] = [];
  const originMs = performance.now();

  await runOnSchedule(originMs, offsetsMs, new AbortController().signal, (lagMs) => {
    startsMs.push(performance.now() - originMs);
    lagsMs.push(lagMs);
  });

  assert.equal(startsMs.length, offsetsMs.length);
  offsetsMs.forEach((offsetMs, index) => {
    assert.ok((startsMs[index] as number) >= offsetMs, `start ${index} at ${startsMs[index]} ms, due at ${offsetMs} ms`);
    assert.ok((lagsMs[index] as number) >= 0, `lag ${lagsMs[index]} ms`);
    // The reported lag is measured just before the callback, so it trails the callback's own clock reading.
    assert.ok((lagsMs[index] as number) <= (startsMs[index] as number) - offsetMs + 0.001, `lag ${lagsMs[index]} ms`);
  });
});

test('schedule loop stops on abort', async () => {
  const controller = new AbortController();
  let starts = 0;
  const startedAtMs = performance.now();

  setTimeout(() => controller.abort(), 30);
  await runOnSchedule(performance.now(), [0, 10, 5_000, 10_000], controller.signal, () => {
    starts++;
  });

  assert.equal(starts, 2);
  assert.ok(performance.now() - startedAtMs < 2_000, 'the loop waited for offsets after the abort');
});

test('schedule pass ends when start asks', async () => {
  // An immediate queued by a start runs before the next pass only when that start ended its pass.
  const events: string[] = [];
  const offsetsMs = [0, 0, 0, 0];
  let startCount = 0;

  await runOnSchedule(performance.now(), offsetsMs, new AbortController().signal, () => {
    startCount++;
    events.push(`start ${startCount}`);
    setImmediate(() => events.push(`io ${startCount}`));
    return startCount <= 2 ? 'yield' : 'started';
  });
  await new Promise((resolve) => setImmediate(resolve));

  assert.deepEqual(events.slice(0, 4), ['start 1', 'io 1', 'start 2', 'io 2']);
  assert.deepEqual(events.slice(4, 6), ['start 3', 'start 4']);
});

test('retried arrival is offered again', async () => {
  const events: string[] = [];
  let calls = 0;

  await runOnSchedule(performance.now(), [0, 0], new AbortController().signal, () => {
    calls++;
    events.push(`call ${calls}`);
    setImmediate(() => events.push('io'));
    return calls === 1 ? 'retry' : 'started';
  });
  await new Promise((resolve) => setImmediate(resolve));

  assert.equal(calls, 3);
  assert.deepEqual(events.slice(0, 3), ['call 1', 'io', 'call 2']);
});

test('schedule lag counts each started arrival', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = {
      scenarios: { arrivals: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '1s', preAllocatedVUs: 5, maxVUs: 5 } },
      summaryTrendStats: ['avg', 'max', 'count'],
    };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x'); }
  `);
  const exportFile = path.join(path.dirname(script), 'export.json');

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url }, summaryExport: exportFile });
  const metrics = JSON.parse(readFileSync(exportFile, 'utf8')).metrics;

  assert.equal(result.exitCode, 0);
  assert.equal(metrics.iterations.count, 40);
  assert.equal(metrics.herd_schedule_lag.count, 40);
  assert.ok(metrics.herd_schedule_lag.max >= 0);
  assert.match(result.stdout, /herd_schedule_lag\.+: avg=/);
});

test('closed-model runs have no lag metric', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { vus: 1, iterations: 2 };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x'); }
  `);

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.equal(result.exitCode, 0);
  assert.doesNotMatch(result.stdout, /herd_schedule_lag/);
});

function runWithLogger(): { run: TestRun; lines: string[] } {
  const lines: string[] = [];
  return { run: new TestRun(new Logger((line) => lines.push(line))), lines };
}

test('lag warning fires once above limit', () => {
  const { run, lines } = runWithLogger();
  for (let i = 0; i < 300; i++) run.registry.add(run.builtin.scheduleLag, i < 290 ? 0.5 : SCHEDULE_LAG_WARNING_P99_MS * 4, {});

  warnIfScheduleLags(run);
  warnIfScheduleLags(run);

  assert.equal(lines.length, 1);
  assert.match(lines[0] as string, /level=warning/);
  assert.match(lines[0] as string, /herd_schedule_lag p\(99\) is 20\.0 ms/);
});

test('lag warning stays quiet below limit', () => {
  const { run, lines } = runWithLogger();
  for (let i = 0; i < 300; i++) run.registry.add(run.builtin.scheduleLag, 1, {});
  const fewSlow = runWithLogger();
  for (let i = 0; i < 50; i++) fewSlow.run.registry.add(fewSlow.run.builtin.scheduleLag, 100, {});

  warnIfScheduleLags(run);
  warnIfScheduleLags(fewSlow.run);

  assert.deepEqual(lines, []);
  assert.deepEqual(fewSlow.lines, [], 'warned after only 50 starts');
});

test('sequential requests reuse one connection', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    export const options = { vus: 1, iterations: 1, summaryTrendStats: ['max', 'count'] };
    export default async function () {
      for (let i = 0; i < 4; i++) await http.asyncRequest('GET', __ENV.TARGET + '/x');
    }
  `);
  const connectionsBefore = server.connectionCount();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.equal(result.exitCode, 0);
  assert.equal(server.connectionCount() - connectionsBefore, 1);
});

test('parallel requests report own connects', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    import { Counter } from 'k6/metrics';
    const connected = new Counter('connected_requests');
    export const options = { vus: 1, iterations: 1 };
    export default async function () {
      const first = await Promise.all([1, 2, 3].map(() => http.asyncRequest('GET', __ENV.TARGET + '/x?delay=30')));
      const again = await Promise.all([1, 2, 3].map(() => http.asyncRequest('GET', __ENV.TARGET + '/x')));
      for (const response of first) if (response.timings.connecting > 0) connected.add(1, { round: 'first' });
      for (const response of again) if (response.timings.connecting > 0) connected.add(1, { round: 'again' });
    }
  `);
  const csvFile = path.join(path.dirname(script), 'samples.csv');
  const connectionsBefore = server.connectionCount();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url }, outputs: [`csv=${csvFile}`] });
  const rows = readFileSync(csvFile, 'utf8').split('\n').filter((row) => row.startsWith('connected_requests,'));

  assert.equal(result.exitCode, 0);
  assert.equal(server.connectionCount() - connectionsBefore, 3);
  assert.equal(rows.filter((row) => row.includes('round=first')).length, 3);
  assert.equal(rows.filter((row) => row.includes('round=again')).length, 0);
});

test('csv rows match with shared tags', async () => {
  const run = new TestRun();
  const csvFile = path.join(path.dirname(writeScript('')), 'rows.csv');
  const output = new CsvOutput(csvFile, (error) => assert.fail(error));
  const tags = { scenario: 'default', name: 'a,b', custom: 'x y' };
  const otherTags = { scenario: 'default', name: 'c' };
  const samples = [
    { metric: run.builtin.httpReqs, timeMs: 1_700_000_000_123, value: 1, tags },
    { metric: run.builtin.httpReqDuration, timeMs: 1_700_000_000_123, value: 2.5, tags },
    { metric: run.builtin.httpReqs, timeMs: 1_700_000_001_000, value: 1, tags: otherTags },
  ];

  for (const sample of samples) output.onSample(sample);
  await output.close();
  const rows = readFileSync(csvFile, 'utf8').trim().split('\n').slice(1);

  assert.deepEqual(rows, samples.map((sample) => formatCsvRow(sample)));
  assert.equal(rows[0], 'http_reqs,1700000000,1.000000,,,,,,,"a,b",,default,,,,,,custom=x%20y,');
  assert.equal(rows[2], 'http_reqs,1700000001,1.000000,,,,,,,c,,default,,,,,,,');
});

test('request after timeout gets fresh connection', async () => {
  const script = writeScript(`
    import http from 'k6/http';
    import { check } from 'k6';
    export const options = { vus: 1, iterations: 1 };
    export default async function () {
      const slow = await http.asyncRequest('GET', __ENV.TARGET + '/slow?delay=4000', null, { timeout: '100ms' });
      const next = await http.asyncRequest('GET', __ENV.TARGET + '/x');
      check(slow, { 'slow timed out': (r) => r.error_code === 1050 });
      check(next, { 'next answered': (r) => r.status === 200 });
    }
  `);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath: script, env: { TARGET: server.url } });

  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /✓ slow timed out/);
  assert.match(result.stdout, /✓ next answered/);
  assert.ok(Date.now() - startedAtMs < 3000, 'the second request waited for the timed-out one');
});
