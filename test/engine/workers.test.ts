import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { resolveSegmentFlags } from '../../cli/run-command.ts';
import { MetricRegistry, mergeMetricSnapshots, snapshotMetrics, TrendSink } from '../../engine/metrics.ts';
import type { Scenario } from '../../engine/options.ts';
import { parseExecutionSegment, selectSegmentOffsets } from '../../engine/execution-segment.ts';
import { rampingArrivalOffsetsMs } from '../../engine/schedule.ts';
import { evenPart, evenSegmentText, planWorkers, splitScenario, workerSegment } from '../../engine/workers/split.ts';
import { runCaptured, startTestServer, writeScript } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

type ExportedMetrics = Record<string, Record<string, number>>;

function readExport(filePath: string): ExportedMetrics {
  return (JSON.parse(readFileSync(filePath, 'utf8')) as { metrics: ExportedMetrics }).metrics;
}

function countCsvRows(filePath: string): Map<string, number> {
  const rows = readFileSync(filePath, 'utf8').trim().split('\n').slice(1);
  const counts = new Map<string, number>();
  for (const row of rows) {
    const name = row.slice(0, row.indexOf(','));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

const common = { name: 'part', startTimeMs: 0, gracefulStopMs: 1000, exec: 'default', env: {}, tags: {} };

test('even parts add up to the total', () => {
  for (const [total, count] of [[0, 3], [1, 3], [7, 3], [100, 4], [5, 8]] as const) {
    const parts = Array.from({ length: count }, (_, index) => evenPart(total, index, count));

    assert.equal(parts.reduce((sum, part) => sum + part, 0), total, `${total} in ${count}`);
    assert.ok(Math.max(...parts) - Math.min(...parts) <= 1, `${total} in ${count}: ${parts.join(',')}`);
  }
});

test('closed-model parts add up to the scenario', () => {
  const shared: Scenario = { ...common, executor: 'shared-iterations', vus: 2, iterations: 11, maxDurationMs: 1000 };
  const ramping: Scenario = { ...common, executor: 'ramping-vus', startVUs: 1, stages: [{ durationMs: 1000, target: 10 }, { durationMs: 1000, target: 0 }], gracefulRampDownMs: 0 };
  const count = 3;

  const sharedParts = Array.from({ length: count }, (_, index) => splitScenario(shared, index, count));
  const rampingParts = Array.from({ length: count }, (_, index) => splitScenario(ramping, index, count));

  assert.deepEqual(sharedParts.map((part) => (part?.executor === 'shared-iterations' ? [part.vus, part.iterations] : undefined)), [[1, 6], [1, 5], undefined]);
  assert.deepEqual(rampingParts.map((part) => (part?.executor === 'ramping-vus' ? part.vuStripe : undefined)), [{ index: 0, count: 3 }, { index: 1, count: 3 }, { index: 2, count: 3 }]);
  assert.deepEqual(rampingParts.map((part) => (part?.executor === 'ramping-vus' ? part.stages : undefined)), [ramping.stages, ramping.stages, ramping.stages]);
});

test('worker VU ids are disjoint blocks', () => {
  const scenarios: Scenario[] = [
    { ...common, executor: 'constant-vus', vus: 5, durationMs: 1000 },
    { ...common, name: 'open', executor: 'constant-arrival-rate', rate: 10, timeUnitMs: 1000, durationMs: 1000, preAllocatedVUs: 2, maxVUs: 7 },
  ];

  const plans = planWorkers(scenarios, 2);

  assert.deepEqual(plans.map((plan) => plan.firstVuId), [1, 8]);
  assert.deepEqual(plans.map((plan) => plan.segmentText), ['0:1/2', '1/2:1']);
  assert.equal(evenSegmentText(1, 4), '1/4:1/2');
});

test('merged trends equal one histogram', () => {
  const whole = new TrendSink();
  const registries = [new MetricRegistry(), new MetricRegistry(), new MetricRegistry()];
  const metrics = registries.map((registry) => registry.define('latency', 'trend', 'time'));
  for (let index = 0; index < 3000; index++) {
    // A skewed spread over four orders of magnitude, dealt to the registries in turn.
    const value = ((index * 7919) % 3001) ** 2 / 1000 + 0.001;
    whole.add(value);
    const target = index % 3;
    registries[target]?.add(metrics[target]!, value, { worker: String(target) });
  }
  const merged = new MetricRegistry();

  for (const registry of registries) mergeMetricSnapshots(merged, snapshotMetrics(registry));
  const sink = merged.metrics.get('latency')?.sink;

  assert.ok(sink instanceof TrendSink);
  for (const stat of ['count', 'min', 'max', 'med', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)']) assert.equal(sink.stat(stat), whole.stat(stat), stat);
  assert.ok(Math.abs(sink.stat('avg') - whole.stat('avg')) < 1e-9, 'avg');
});

test('merged counters, rates and gauges add up', () => {
  const first = new MetricRegistry();
  const second = new MetricRegistry();
  // Only the first registry has the sub-metric; merging creates it in the merged registry.
  first.define('ok', 'rate').submetric({ status: '500' });
  for (const registry of [first, second]) {
    registry.add(registry.define('sent', 'counter'), 3, {});
    registry.add(registry.define('ok', 'rate'), 1, {});
    registry.add(registry.define('ok', 'rate'), 0, { status: '500' });
  }
  first.add(first.define('depth', 'gauge'), 9, {});
  second.add(second.define('depth', 'gauge'), 4, {});
  const merged = new MetricRegistry();

  mergeMetricSnapshots(merged, snapshotMetrics(first));
  mergeMetricSnapshots(merged, snapshotMetrics(second));

  assert.equal(merged.metrics.get('sent')?.sink.values(1000, []).count, 6);
  assert.deepEqual(merged.metrics.get('ok')?.sink.values(1000, []), { rate: 0.5, passes: 2, fails: 2 });
  assert.deepEqual(merged.metrics.get('ok')?.submetrics[0]?.sink.values(1000, []), { rate: 0, passes: 0, fails: 1 });
  assert.deepEqual(merged.metrics.get('depth')?.sink.values(1000, []), { value: 4, min: 4, max: 9 });
});

const RAMP_SCRIPT = `
import http from 'k6/http';
import { check } from 'k6';
export const options = {
  scenarios: {
    ramp: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 30, maxVUs: 30,
      stages: [{ target: 80, duration: '1s' }, { target: 80, duration: '500ms' }] },
  },
  thresholds: { 'http_req_duration{status:200}': ['max<5000'] },
  summaryTrendStats: ['avg', 'med', 'p(99)', 'max', 'count'],
};
export default async function () {
  const response = await http.asyncRequest('GET', __ENV.TARGET + '/x');
  check(response, { 'status is 200': (r) => r.status === 200 });
}
`;

test('three workers run the single-thread schedule', async () => {
  const scriptPath = writeScript(RAMP_SCRIPT);
  const directory = path.dirname(scriptPath);
  const results = [];
  for (const workers of [1, 3]) {
    const requestsBefore = server.requestCount();
    const exportFile = path.join(directory, `summary-${workers}.json`);
    const csvFile = path.join(directory, `samples-${workers}.csv`);
    const run = await runCaptured({ scriptPath, env: { TARGET: server.url }, workers, summaryExport: exportFile, outputs: [`csv=${csvFile}`] });
    results.push({ run, requests: server.requestCount() - requestsBefore, metrics: readExport(exportFile), rows: countCsvRows(csvFile) });
  }
  const [single, threaded] = results as [(typeof results)[0], (typeof results)[0]];

  assert.equal(threaded.run.exitCode, 0, threaded.run.stderr);
  // 30 pre-allocated VUs for 80 arrivals/s of about 2 ms each leave none to drop, so every arrival starts.
  assert.equal(single.metrics.dropped_iterations, undefined, 'single thread dropped iterations');
  assert.equal(threaded.metrics.dropped_iterations, undefined, 'workers dropped iterations');
  assert.equal(single.metrics.iterations?.count, 80);
  assert.equal(threaded.metrics.iterations?.count, single.metrics.iterations?.count);
  assert.equal(threaded.requests, single.requests);
  assert.equal(threaded.metrics.http_reqs?.count, threaded.requests);
  assert.equal(threaded.metrics.http_req_duration?.count, threaded.metrics.http_reqs?.count);
  assert.equal(threaded.metrics['http_req_duration{status:200}']?.count, threaded.requests);
  assert.equal(threaded.metrics.checks?.passes, threaded.requests);
  assert.equal(threaded.metrics.herd_schedule_lag?.count, 80);
  assert.match(threaded.run.stdout, /✓ status is 200/);
  assert.equal(threaded.rows.get('http_req_duration'), threaded.metrics.http_req_duration?.count);
  assert.equal(threaded.rows.get('http_reqs'), threaded.metrics.http_reqs?.count);
  assert.equal(threaded.rows.get('iterations'), threaded.metrics.iterations?.count);
  assert.equal(threaded.rows.get('checks'), threaded.metrics.checks?.passes);
  assert.ok((threaded.rows.get('vus_max') ?? 0) >= 1, 'no vus_max rows');
});

test('closed-model scenarios split across workers', async () => {
  const scriptPath = writeScript(`
    import exec from 'k6/execution';
    import { Counter } from 'k6/metrics';
    const vuIds = new Counter('vu_ids');
    export const options = { scenarios: {
      shared: { executor: 'shared-iterations', vus: 4, iterations: 25 },
      each: { executor: 'per-vu-iterations', vus: 5, iterations: 3 },
    } };
    export function setup() { return { weight: 2 }; }
    export default async function (data) { vuIds.add(data.weight, { vu: String(exec.vu.idInTest) }); }
    export function handleSummary(data) {
      return { stdout: 'iterations=' + data.metrics.iterations.values.count + ' vu_ids=' + data.metrics.vu_ids.values.count + '\\n' };
    }
  `);

  const jsonFile = path.join(path.dirname(scriptPath), 'samples.jsonl');

  const result = await runCaptured({ scriptPath, workers: 3, outputs: [`json=${jsonFile}`] });
  const lines = readFileSync(jsonFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; metric: string; data: { tags?: Record<string, string> } });
  const declared = lines.filter((line) => line.type === 'Metric').map((line) => line.metric);
  const firstPoint = lines.findIndex((line) => line.type === 'Point' && line.metric === 'vu_ids');
  const vuIdsSeen = new Set(lines.filter((line) => line.type === 'Point' && line.metric === 'vu_ids').map((line) => line.data.tags?.vu));

  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /iterations=40 vu_ids=80\n/);
  assert.equal(declared.length, new Set(declared).size, `declared twice: ${declared.join(', ')}`);
  assert.ok(declared.includes('vu_ids'), 'no Metric line for vu_ids');
  assert.ok(lines.findIndex((line) => line.type === 'Metric' && line.metric === 'vu_ids') < firstPoint, 'a vu_ids Point comes before its Metric line');
  assert.equal(vuIdsSeen.size, 9, `VU ids: ${[...vuIdsSeen].join(', ')}`);
});

test('ramping VUs keep their ramp on workers', async () => {
  // The whole ramp reaches 1, 2 and 3 VUs at 1, 2 and 3 s. Striped across four workers, each
  // worker's VU starts when the whole ramp reaches it, not only at the end of the stage.
  const scriptPath = writeScript(`
    export const options = { scenarios: { ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '4s', target: 4 }], gracefulRampDown: '0s' } } };
    export default async function () { await new Promise((resolve) => setTimeout(resolve, 200)); }
    export function handleSummary(data) { return { stdout: 'iterations=' + data.metrics.iterations.values.count + '\\n' }; }
  `);

  const single = await runCaptured({ scriptPath, workers: 1 });
  const striped = await runCaptured({ scriptPath, workers: 4 });
  const iterationsOf = (stdout: string): number => Number(/iterations=(\d+)/.exec(stdout)?.[1] ?? 0);

  assert.equal(striped.exitCode, 0, striped.stderr);
  assert.ok(iterationsOf(single.stdout) >= 20, single.stdout);
  assert.ok(Math.abs(iterationsOf(striped.stdout) - iterationsOf(single.stdout)) <= 6, `one thread ${iterationsOf(single.stdout)}, four workers ${iterationsOf(striped.stdout)}`);
});

test('dead worker names its segment', async () => {
  const scriptPath = writeScript(`
    import http from 'k6/http';
    export const options = { scenarios: {
      steady: { executor: 'constant-arrival-rate', rate: 60, timeUnit: '1s', duration: '1500ms', preAllocatedVUs: 2, maxVUs: 2 },
    } };
    export default async function () {
      // VU 1 belongs to the first worker, whose VU ids start at 1.
      if (__VU === 1 && __ITER === 5) globalThis.process.exit(3);
      await http.asyncRequest('GET', __ENV.TARGET + '/x');
    }
  `);

  const result = await runCaptured({ scriptPath, env: { TARGET: server.url }, workers: 3 });

  assert.equal(result.exitCode, 107);
  assert.match(result.stderr, /worker 1 of 3, segment 0:1\/3, died: it exited with code 3/);
  assert.match(result.stderr, /1 of 3 workers died, so up to 33\.3 % of the schedule was not run/);
  assert.match(result.stdout, /http_reqs\.+: \d+/);
});

test('worker init error names its segment', async () => {
  // setup() runs in the main thread after its init code and before the workers load the script, so only workers throw.
  const key = `HERD_WORKERS_TEST_${process.pid}_${Date.now()}`;
  const scriptPath = writeScript(`
    if (globalThis.process.env.${key} === '1') throw new Error('init failed in a worker');
    export const options = { scenarios: { once: { executor: 'shared-iterations', vus: 2, iterations: 2 } } };
    export function setup() { globalThis.process.env.${key} = '1'; }
    export default async function () {}
  `);

  const result = await runCaptured({ scriptPath, workers: 2 });
  delete process.env[key];

  assert.equal(result.exitCode, 107);
  assert.match(result.stderr, /worker 2 of 2, segment 1\/2:1, died: the init code of .* threw an exception:\\nError: init failed in a worker/);
  assert.match(result.stderr, /worker 1 of 2, segment 0:1\/2, died before the scenarios started, so its whole share/);
  assert.match(result.stdout, /iterations|vus/);
});

test('worker out of memory names its segment', async () => {
  const scriptPath = writeScript(`
    const kept = [];
    export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '1500ms', preAllocatedVUs: 2, maxVUs: 2 } } };
    export default async function () {
      if (__VU === 1) for (let i = 0; i < 200; i++) kept.push(new Array(100000).fill(i));
    }
  `);

  const result = await runCaptured({ scriptPath, workers: 2, workerResourceLimits: { maxOldGenerationSizeMb: 64 } });

  assert.equal(result.exitCode, 107);
  assert.match(result.stderr, /worker 1 of 2, segment 0:1\/2, died: Worker terminated due to reaching memory limit: JS heap out of memory; keep less data/);
  assert.match(result.stdout, /iterations\.+: \d+/);
});

test('abort signal stops every worker', async () => {
  const scriptPath = writeScript(`
    import http from 'k6/http';
    export const options = { scenarios: {
      long: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '30s', preAllocatedVUs: 2, maxVUs: 2, gracefulStop: '1s' },
    } };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x'); }
  `);
  const controller = new AbortController();
  const startedAtMs = Date.now();
  setTimeout(() => controller.abort(), 2500);

  const result = await runCaptured({ scriptPath, env: { TARGET: server.url }, workers: 2, signal: controller.signal });

  assert.equal(result.exitCode, 105);
  assert.ok(Date.now() - startedAtMs < 10_000, `took ${Date.now() - startedAtMs} ms`);
  assert.match(result.stdout, /http_reqs\.+: \d+/);
});

test('stuck worker is terminated after the grace', async () => {
  // One VU loops without awaiting for 20 s, longer than gracefulStop (1 s) plus the 5 s the run waits on top.
  const scriptPath = writeScript(`
    import exec from 'k6/execution';
    export const options = { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '30s', gracefulStop: '1s' } } };
    export default async function () {
      if (exec.vu.idInTest === 1 && exec.vu.iterationInScenario === 2) { const endMs = Date.now() + 20000; while (Date.now() < endMs) { /* stuck */ } }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  `);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 1500);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath, workers: 2, signal: controller.signal });

  assert.equal(result.exitCode, 105);
  assert.ok(Date.now() - startedAtMs < 15_000, `took ${Date.now() - startedAtMs} ms`);
  assert.match(result.stderr, /worker 1 of 2, segment 0:1\/2, died: it did not stop within 6 s of the stop/);
});

test('abort during setup skips the workers', async () => {
  const scriptPath = writeScript(`
    export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '20s', preAllocatedVUs: 2, maxVUs: 2 } } };
    export async function setup() { await new Promise((resolve) => setTimeout(resolve, 500)); }
    export default async function () {}
  `);
  const controller = new AbortController();
  const startedAtMs = Date.now();
  setTimeout(() => controller.abort(), 200);

  const result = await runCaptured({ scriptPath, workers: 2, signal: controller.signal });

  assert.equal(result.exitCode, 105);
  assert.ok(Date.now() - startedAtMs < 10_000, `took ${Date.now() - startedAtMs} ms`);
  assert.doesNotMatch(result.stdout, /iterations\.+:/);
});

test('abortOnFail judges the merged view', async () => {
  const scriptPath = writeScript(`
    import http from 'k6/http';
    export const options = {
      scenarios: { failing: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '20s', preAllocatedVUs: 2, maxVUs: 2, gracefulStop: '1s' } },
      thresholds: { http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true }] },
    };
    export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/x?status=500'); }
  `);
  const startedAtMs = Date.now();

  const result = await runCaptured({ scriptPath, env: { TARGET: server.url }, workers: 2 });

  assert.equal(result.exitCode, 99);
  assert.match(result.stderr, /thresholds with abortOnFail were crossed: http_req_failed rate<0\.5/);
  assert.ok(Date.now() - startedAtMs < 10_000, `took ${Date.now() - startedAtMs} ms`);
});

test('workers divide a process segment', () => {
  const offsets = [...rampingArrivalOffsetsMs(0, 1000, [{ target: 90, durationMs: 1000 }, { target: 30, durationMs: 1000 }])];
  for (const [segmentText, sequence] of [['1/3:2/3', '0,1/3,2/3,1'], ['0:1/4', '0,1/4,1'], ['0:1', undefined]] as const) {
    const processSegment = parseExecutionSegment(segmentText, sequence);
    const processOffsets = [...selectSegmentOffsets(offsets, processSegment)];

    const workerOffsets = [0, 1, 2].flatMap((index) => [...selectSegmentOffsets(offsets, workerSegment(index, 3, processSegment))]);
    const counts = [0, 1, 2].map((index) => [...selectSegmentOffsets(offsets, workerSegment(index, 3, processSegment))].length);

    assert.deepEqual(workerOffsets.sort((a, b) => a - b), processOffsets, segmentText);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= Math.ceil(processOffsets.length / 10), `${segmentText}: ${counts.join(',')}`);
  }
});

test('worker count must be positive', async () => {
  const scriptPath = writeScript(`export const options = { scenarios: { a: { executor: 'constant-arrival-rate', rate: 1, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1 } } };
    export default async function () {}`);

  await assert.rejects(runCaptured({ scriptPath, workers: 0 }), /--workers 0 is invalid/);
});

test('segment flag expands to an even sequence', () => {
  assert.deepEqual(resolveSegmentFlags('2/4', undefined, undefined), { executionSegment: '1/4:1/2', executionSegmentSequence: '0,1/4,1/2,3/4,1' });
  assert.deepEqual(resolveSegmentFlags('1/1', undefined, undefined), { executionSegment: '0:1', executionSegmentSequence: '0,1' });
  assert.throws(() => resolveSegmentFlags('0/3', undefined, undefined), /--segment 0\/3 is invalid: expected I\/N with I from 1 to N/);
  assert.throws(() => resolveSegmentFlags('4/3', undefined, undefined), /--segment 4\/3 is invalid/);
  assert.throws(() => resolveSegmentFlags('1/2', '0:1/2', undefined), /cannot be combined/);
  assert.throws(() => resolveSegmentFlags('1/10000000', undefined, undefined), /at most 1000 segments/);
  assert.throws(() => resolveSegmentFlags('99999999999999999999/99999999999999999999', undefined, undefined), /at most 1000 segments/);
});

test('worker flag rejects odd counts', async () => {
  const { runCommand } = await import('../../cli/run-command.ts');
  for (const [value, message] of [['0x2', /expected a whole number of at least 1, or auto/], ['1e1', /expected a whole number/], ['999', /at most 64 worker threads/]] as const) {
    await assert.rejects(runCommand(['--workers', value, 'script.js']), message, value);
  }
});
