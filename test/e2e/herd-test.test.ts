// Runs `herd herd-test` as a user would, on a live event squeezed into seconds, against the
// reference backend, and checks that the results folder adds up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PredictionCheck, RunFigures } from '../../cli/herd-test/prediction-check.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const eventPath = join(projectRoot, 'test', 'e2e', 'fixtures', 'quick-event.yaml');
const accuracyEventPath = join(projectRoot, 'test', 'e2e', 'fixtures', 'accuracy-event.yaml');
const webRequestsPerUser = 3;
const mobileRequestsPerUser = 30;

interface MetricData {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

interface RunFolder {
  exitCode: number;
  dir: string;
  summary: { metrics: Record<string, MetricData> };
  plan: { platforms: Array<{ name: string; users: number }>; prediction?: { admittedShare: number; rejectedShare: number; timeToAdmitP50Seconds: number } };
  runInfo: { engine: { kind: string }; target: { kind: string; profile?: string }; exitCode: number };
  output: string;
}

const resultsRoot = mkdtempSync(join(tmpdir(), 'herd-e2e-'));
after(() => rmSync(resultsRoot, { recursive: true, force: true }));

function runHerdTest(args: string[], event = eventPath): RunFolder {
  const before = new Set(existsSync(resultsRoot) ? readdirSync(resultsRoot) : []);
  const result = spawnSync(process.execPath, [join(projectRoot, 'bin', 'herd.js'), 'herd-test', event, '--quiet', '--results-dir', resultsRoot, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    // The test must pick the built-in engine even where a developer has k6 installed.
    env: { ...process.env, PATH: dirname(process.execPath) + ':/usr/bin:/bin', K6: '' },
  });
  const created = readdirSync(resultsRoot).filter((name) => !before.has(name));
  assert.equal(created.length, 1, `expected one new run folder, got ${created.join(', ')}\n${result.stdout}\n${result.stderr}`);
  const dir = join(resultsRoot, created[0] ?? '');
  const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
  return {
    exitCode: result.status ?? -1,
    dir,
    summary: readJson('summary.json'),
    plan: readJson('plan.json'),
    runInfo: readJson('run.json'),
    output: `${result.stdout}\n${result.stderr}`,
  };
}

function metricValue(run: RunFolder, name: string, field: string): number {
  return run.summary.metrics[name]?.values[field] ?? 0;
}

function countStatusRows(samplesCsv: string, status: string): number {
  const [header = '', ...rows] = samplesCsv.split('\n');
  const statusColumn = header.split(',').indexOf('status');
  assert.ok(statusColumn >= 0, `samples.csv has no status column: ${header}`);
  let count = 0;
  for (const row of rows) {
    if (row.startsWith('http_reqs,') && row.split(',')[statusColumn] === status) count += 1;
  }
  return count;
}

describe('herd-test end to end', () => {
  test('roomy backend admits every user', () => {
    const run = runHerdTest(['--profile', 'high-concurrency']);

    assert.equal(run.exitCode, 0, run.output);
    for (const file of ['summary.txt', 'summary.json', 'plan.json', 'run.json', 'samples.csv', 'target-metrics.csv', 'report.html', 'timeseries.csv', 'junit.xml']) {
      assert.ok(existsSync(join(run.dir, file)), `${file} is missing from ${run.dir}`);
    }
    assert.equal(run.runInfo.engine.kind, 'builtin');
    assert.equal(run.runInfo.target.profile, 'high-concurrency');

    const plannedUsers = run.plan.platforms.reduce((sum, platform) => sum + platform.users, 0);
    const iterations = metricValue(run, 'iterations', 'count');
    const dropped = metricValue(run, 'dropped_iterations', 'count');
    assert.ok(Math.abs(iterations + dropped - plannedUsers) <= 2, `iterations ${iterations} + dropped ${dropped} should be the ${plannedUsers} planned users`);
    assert.equal(dropped, 0);
    assert.equal(metricValue(run, 'herd_admitted', 'rate'), 1);
    assert.equal(metricValue(run, 'herd_admitted', 'passes'), iterations);

    // Every admitted user sent the whole bundle, so requests add up to users × bundle size.
    const usersOf = (name: string): number => run.plan.platforms.find((platform) => platform.name === name)?.users ?? 0;
    const mobileUsers = usersOf('mobile');
    const webUsers = usersOf('web');
    assert.ok(mobileUsers > 0, 'the plan should give users to the mobile platform');
    assert.ok(webUsers > 0, 'the plan should give users to the web platform');
    assert.equal(metricValue(run, 'http_reqs', 'count'), mobileUsers * mobileRequestsPerUser + webUsers * webRequestsPerUser);

    const summaryText = readFileSync(join(run.dir, 'summary.txt'), 'utf8');
    assert.match(summaryText, /herd_admitted/);
    assert.match(summaryText, /herd_time_to_admit/);
    assert.match(summaryText, /\{ platform:mobile \}/);
    assert.match(summaryText, /\{ platform:web \}/);
    assert.match(summaryText, /dropped_iterations\.+: 0 /, 'the summary states that no arrival was dropped');
  });

  test('starved legacy server answers 503', () => {
    // Two workers and a 2 s queue timeout overload the backend within seconds on any machine.
    const run = runHerdTest(['--profile', 'legacy', '--servers', '1', '--workers-per-server', '2', '--queue-timeout-ms', '2000']);

    assert.ok(run.exitCode === 0 || run.exitCode === 99, `exit ${run.exitCode}\n${run.output}`);
    const samplesCsv = readFileSync(join(run.dir, 'samples.csv'), 'utf8');
    const proxy503s = countStatusRows(samplesCsv, '503');
    assert.ok(proxy503s > 0, 'the proxy queue should have answered some requests with 503');
    assert.ok(metricValue(run, 'herd_admitted', 'rate') < 1, 'some users should not have been admitted');
    assert.ok(metricValue(run, 'http_req_duration', 'max') >= 2000, 'queued requests should wait up to the 2 s queue timeout');

    const targetMetrics = readFileSync(join(run.dir, 'target-metrics.csv'), 'utf8').trim().split('\n');
    const lastRow = (targetMetrics[targetMetrics.length - 1] ?? '').split(',');
    assert.equal(Number(lastRow[4]), proxy503s, 'the target counts the same 503s as the clients saw');
  });

  test('run matches the prediction within 15 %', (context) => {
    // 24 workers and a 2 s queue timeout turn away about a fifth of the requests: far enough into
    // overload that users give up, not so far that the shares become too small to compare.
    const run = runHerdTest(['--profile', 'legacy', '--servers', '1', '--workers-per-server', '24', '--queue-timeout-ms', '2000'], accuracyEventPath);

    assert.ok(run.exitCode === 0 || run.exitCode === 99, `exit ${run.exitCode}\n${run.output}`);
    assert.ok(run.plan.prediction !== undefined, 'herd-test should simulate the run into plan.json');
    const check = JSON.parse(readFileSync(join(run.dir, 'prediction-check.json'), 'utf8')) as PredictionCheck;
    assert.deepEqual(check.planned, { admittedShare: run.plan.prediction.admittedShare, rejectedShare: run.plan.prediction.rejectedShare, timeToAdmitP50Seconds: run.plan.prediction.timeToAdmitP50Seconds });
    assert.ok(check.planned.rejectedShare > 0.1, `the run should be overloaded, but only ${check.planned.rejectedShare} of requests are predicted to get 503`);
    assert.ok(check.planned.admittedShare < 0.8, `the run should be overloaded, but ${check.planned.admittedShare} of users are predicted to be admitted`);
    assert.equal(check.measured.admittedShare, metricValue(run, 'herd_admitted', 'rate'));
    assert.ok(check.replayed !== null, 'the built-in engine records herd_schedule_lag, so the run can be replayed');
    assert.ok(check.generatorLagMs !== null);

    assertWithin15Percent(check.measured, check.replayed, 'replayed', ['admittedShare', 'rejectedShare']);
    // On a machine busy with other work the generator starts users seconds late, which spreads the
    // herd, and the backend's timers fire late, which stretches every wait: then only the shares
    // are compared, and only with the replay.
    const quiet = check.generatorLagMs.p95 <= 250 && (check.targetTimerLag?.meanMs ?? 0) <= 5;
    if (quiet) {
      assertWithin15Percent(check.measured, check.replayed, 'replayed', ['timeToAdmitP50Seconds']);
      assertWithin15Percent(check.measured, check.planned, 'planned', ['admittedShare', 'rejectedShare', 'timeToAdmitP50Seconds']);
    } else {
      context.diagnostic(`schedule lag p95 ${check.generatorLagMs.p95.toFixed(0)} ms, backend timer lag ${(check.targetTimerLag?.meanMs ?? 0).toFixed(1)} ms: only the replayed shares were compared`);
    }
  });
});

function assertWithin15Percent(measured: RunFigures, predicted: RunFigures, label: string, keys: ReadonlyArray<keyof RunFigures>): void {
  for (const key of keys) {
    const relativeError = Math.abs(measured[key] / predicted[key] - 1);
    assert.ok(relativeError <= 0.15, `${key}: measured ${measured[key].toFixed(3)}, ${label} prediction ${predicted[key].toFixed(3)} (${(relativeError * 100).toFixed(1)} % apart)`);
  }
}
