import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { analyzeRunFolder } from '../../lib/report/analyze.ts';
import { buildReport } from '../../lib/report/build-report.ts';
import { MAX_REQUEST_NAMES, OTHER_NAMES, TimeSeriesBuilder } from '../../lib/report/time-series.ts';
import { ALL_PLATFORMS, type MetricSample, type TimeSeriesRow } from '../../lib/report/types.ts';
import { generateSamples, makeTempDir, planFor, removeTempDirs, summaryFor, type SyntheticSample, toK6Csv, toK6JsonLines, writeRunFolder } from './synthetic-run.ts';

after(removeTempDirs);

const START_UNIX_S = 1_796_412_720;
const USERS_PER_SECOND = { mobile: [2, 6, 11, 15, 9, 5, 2, 1], web: [1, 3, 5, 6, 4, 2, 1, 0] };
const DROPPED_PER_SECOND = { mobile: [0, 0, 1, 3, 2, 0, 0, 0] };

function syntheticSamples(): SyntheticSample[] {
  return generateSamples({ startUnixS: START_UNIX_S, usersPerSecond: USERS_PER_SECOND, vendor503Every: 4, droppedPerSecond: DROPPED_PER_SECOND });
}

async function tempDir(name: string): Promise<string> {
  return makeTempDir(`report-${name}`);
}

function sumOf(rows: TimeSeriesRow[], platform: string, field: keyof TimeSeriesRow): number {
  return rows.filter((row) => row.platform === platform).reduce((sum, row) => sum + Number(row[field] ?? 0), 0);
}

function toMetricSample(sample: SyntheticSample): MetricSample {
  return { metric: sample.metric, timeUnixS: Math.floor(sample.timeUnixMs / 1000), value: sample.value, tags: sample.tags };
}

test('time series sums equal the summary counters', async () => {
  const samples = syntheticSamples();
  const summary = summaryFor(samples, 'rate>0.5', true) as { metrics: Record<string, { values: Record<string, number> }> };
  const dir = await writeRunFolder(await tempDir('sums'), { samplesCsv: toK6Csv(samples), summary });
  const report = await analyzeRunFolder(dir);
  const metrics = summary.metrics;

  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'requests'), metrics.http_reqs?.values.count);
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'completedIterations'), metrics.iterations?.values.count);
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'startedIterations'), metrics.iterations?.values.count);
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'droppedIterations'), metrics.dropped_iterations?.values.count);
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'admittedUsers'), metrics.herd_admitted?.values.passes);
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'notAdmittedUsers'), metrics.herd_admitted?.values.fails);
  assert.deepEqual(report.notes.filter((note) => note.file === 'samples.csv'), []);
});

test('platform rows add up to the all rows', async () => {
  const dir = await writeRunFolder(await tempDir('platforms'), { samplesCsv: toK6Csv(syntheticSamples()) });
  const report = await analyzeRunFolder(dir);

  assert.deepEqual(report.platforms, ['mobile', 'web']);
  for (const field of ['requests', 'requests503', 'admittedUsers', 'droppedIterations', 'startedIterations'] as const) {
    const byPlatform = sumOf(report.rows, 'mobile', field) + sumOf(report.rows, 'web', field);
    assert.equal(byPlatform, sumOf(report.rows, ALL_PLATFORMS, field), field);
  }
  assert.equal(sumOf(report.rows, 'mobile', 'droppedIterations'), 6);
  assert.equal(sumOf(report.rows, 'web', 'droppedIterations'), 0);
});

test('status classes add up to the request count', async () => {
  const dir = await writeRunFolder(await tempDir('status'), { samplesCsv: toK6Csv(syntheticSamples()) });
  const report = await analyzeRunFolder(dir);

  for (const row of report.rows) {
    const classes = row.requests2xx + row.requests3xx + row.requests4xx + row.requests5xx + row.requestsFailedToConnect + row.requestsOther;
    assert.equal(classes, row.requests, `second ${row.timeUnixS} ${row.platform}`);
    assert.ok(row.requests503 <= row.requests5xx);
  }
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'requests503'), sumOf(report.rows, ALL_PLATFORMS, 'notAdmittedUsers'));
});

test('CSV and JSON lines give the same time series', async () => {
  const samples = syntheticSamples();
  const csvDir = await writeRunFolder(await tempDir('csv'), { samplesCsv: toK6Csv(samples), plan: planFor(USERS_PER_SECOND, 20) });
  const jsonDir = await writeRunFolder(await tempDir('jsonl'), { samplesJsonl: toK6JsonLines(samples), plan: planFor(USERS_PER_SECOND, 20) });
  const fromCsv = await buildReport(csvDir);
  const fromJson = await buildReport(jsonDir);

  assert.equal(fromJson.data.sampleStats.format, 'jsonl');
  assert.equal(fromJson.data.sampleStats.samples, samples.length);
  assert.deepEqual(fromJson.data.rows, fromCsv.data.rows);
  assert.deepEqual(fromJson.data.latencyByName, fromCsv.data.latencyByName);
  assert.equal(await readFile(fromJson.files.timeSeriesCsv, 'utf8'), await readFile(fromCsv.files.timeSeriesCsv, 'utf8'));
});

test('planned arrivals follow the plan timeline', async () => {
  const dir = await writeRunFolder(await tempDir('plan'), { samplesCsv: toK6Csv(syntheticSamples()), plan: planFor(USERS_PER_SECOND, 20) });
  const report = await analyzeRunFolder(dir);

  const planned = report.rows.filter((row) => row.platform === 'mobile').map((row) => row.plannedArrivals);
  assert.deepEqual(planned, USERS_PER_SECOND.mobile);
  // 51 mobile and 22 web users in the plan.
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'plannedArrivals'), 73);
  assert.equal(report.verdict.users, 73);
  assert.equal(report.verdict.usersSource, 'plan');
});

test('started iterations are estimated from iteration_duration', () => {
  const builder = new TimeSeriesBuilder();
  // Ended in second 105 after 2.7 s, so it started in second 102 (105.5 - 2.7 = 102.8).
  builder.add({ metric: 'iteration_duration', timeUnixS: 105, value: 2700, tags: { platform: 'web' } });
  builder.add({ metric: 'iteration_duration', timeUnixS: 105, value: 20, tags: { platform: 'web', group: '::setup' } });
  const { rows } = builder.finish();

  const started = rows.filter((row) => row.platform === 'web' && row.startedIterations > 0);
  assert.deepEqual(started.map((row) => row.timeUnixS), [102]);
  assert.equal(sumOf(rows, ALL_PLATFORMS, 'startedIterations'), 1);
});

test('percentiles match a known distribution within HDR resolution', () => {
  const builder = new TimeSeriesBuilder();
  for (let value = 1; value <= 1000; value += 1) {
    builder.add({ metric: 'http_req_duration', timeUnixS: 50, value, tags: { platform: 'web', name: 'render' } });
  }
  const { rows, latencyByName } = builder.finish();
  const row = rows.find((candidate) => candidate.platform === ALL_PLATFORMS);

  assert.ok(row !== undefined);
  // Per-second histograms keep two significant digits (1 %); whole-run ones keep three (0.1 %).
  assert.ok(Math.abs((row.latencyP50Ms ?? 0) - 500) <= 5, `p50 ${row.latencyP50Ms}`);
  assert.ok(Math.abs((row.latencyP95Ms ?? 0) - 950) <= 9.5, `p95 ${row.latencyP95Ms}`);
  assert.ok(Math.abs((row.latencyP99Ms ?? 0) - 990) <= 9.9, `p99 ${row.latencyP99Ms}`);
  assert.equal(latencyByName[0]?.requests, 1000);
  assert.ok(Math.abs((latencyByName[0]?.p95Ms ?? 0) - 950) <= 1, `whole-run p95 ${latencyByName[0]?.p95Ms}`);
});

test('shuffled samples give the same rows as sorted ones', () => {
  const samples = syntheticSamples().map(toMetricSample);
  // Swap neighbours a few seconds apart, as k6's buffered output does.
  const shuffled = [...samples];
  for (let index = 0; index + 40 < shuffled.length; index += 37) {
    const later = shuffled[index + 40];
    const earlier = shuffled[index];
    if (later === undefined || earlier === undefined) continue;
    shuffled[index] = later;
    shuffled[index + 40] = earlier;
  }
  const sorted = new TimeSeriesBuilder();
  for (const sample of samples) sorted.add(sample);
  const mixed = new TimeSeriesBuilder();
  for (const sample of shuffled) mixed.add(sample);

  const sortedSeries = sorted.finish();
  const mixedSeries = mixed.finish();
  assert.equal(mixedSeries.lateSamples, 0);
  assert.deepEqual(mixedSeries.rows, sortedSeries.rows);
});

test('late samples are counted but not in percentiles', () => {
  const builder = new TimeSeriesBuilder();
  builder.add({ metric: 'http_reqs', timeUnixS: 100, value: 1, tags: { status: '200' } });
  builder.add({ metric: 'http_req_duration', timeUnixS: 100, value: 10, tags: {} });
  builder.add({ metric: 'http_req_duration', timeUnixS: 200, value: 20, tags: {} });
  builder.add({ metric: 'http_reqs', timeUnixS: 100, value: 1, tags: { status: '503' } });
  builder.add({ metric: 'http_req_duration', timeUnixS: 100, value: 5000, tags: {} });
  const series = builder.finish();
  const first = series.rows.find((row) => row.timeUnixS === 100);

  assert.equal(series.lateSamples, 1);
  assert.equal(first?.requests, 2);
  assert.equal(first?.requests503, 1);
  // HDR reports the top of the value's bucket: within 1 % of 10 ms, far from the late 5000 ms.
  assert.ok(Math.abs((first?.latencyP99Ms ?? 0) - 10) <= 0.1, `p99 ${first?.latencyP99Ms}`);
});

test('vus take the highest value of each second', () => {
  const builder = new TimeSeriesBuilder();
  builder.add({ metric: 'vus', timeUnixS: 10, value: 4, tags: {} });
  builder.add({ metric: 'vus', timeUnixS: 10, value: 9, tags: {} });
  builder.add({ metric: 'vus', timeUnixS: 10, value: 7, tags: {} });
  const { rows } = builder.finish();

  assert.equal(rows.find((row) => row.platform === ALL_PLATFORMS)?.vus, 9);
});

test('status 0 counts as failed to connect', () => {
  const builder = new TimeSeriesBuilder();
  builder.add({ metric: 'http_reqs', timeUnixS: 10, value: 1, tags: { status: '0', platform: 'web' } });
  builder.add({ metric: 'http_reqs', timeUnixS: 10, value: 1, tags: { status: '101', platform: 'web' } });
  const { rows } = builder.finish();
  const web = rows.find((row) => row.platform === 'web');

  assert.equal(web?.requestsFailedToConnect, 1);
  assert.equal(web?.requestsOther, 1);
  assert.equal(web?.requests5xx, 0);
});

test('request names beyond the cap share one series', () => {
  const builder = new TimeSeriesBuilder();
  for (let index = 0; index < MAX_REQUEST_NAMES + 5; index += 1) {
    builder.add({ metric: 'http_req_duration', timeUnixS: 10, value: 1, tags: { name: `https-url-${index}` } });
  }
  const series = builder.finish();

  assert.equal(series.latencyByName.length, MAX_REQUEST_NAMES + 1);
  assert.equal(series.mergedNames, 5);
  assert.equal(series.latencyByName.find((named) => named.name === OTHER_NAMES)?.requests, 5);
});

test('empty seconds between samples get zero rows', () => {
  const builder = new TimeSeriesBuilder();
  builder.add({ metric: 'http_reqs', timeUnixS: 10, value: 1, tags: { status: '200' } });
  builder.add({ metric: 'http_reqs', timeUnixS: 13, value: 1, tags: { status: '200' } });
  const { rows } = builder.finish();

  assert.deepEqual(rows.map((row) => row.timeUnixS), [10, 11, 12, 13]);
  assert.deepEqual(rows.map((row) => row.requests), [1, 0, 0, 1]);
  assert.deepEqual(rows.map((row) => row.elapsedS), [0, 1, 2, 3]);
});

test('unused metrics are counted, not analysed', async () => {
  const samples: SyntheticSample[] = [
    { metric: 'http_reqs', timeUnixMs: START_UNIX_S * 1000, value: 1, tags: { status: '200', platform: 'web' } },
    { metric: 'http_req_blocked', timeUnixMs: START_UNIX_S * 1000, value: 5000, tags: { status: '200', platform: 'web' } },
    { metric: 'http_req_waiting', timeUnixMs: START_UNIX_S * 1000, value: 7, tags: { status: '200', platform: 'web' } },
  ];
  const dir = await writeRunFolder(await tempDir('unused'), { samplesCsv: toK6Csv(samples) });
  const report = await analyzeRunFolder(dir);

  assert.equal(report.sampleStats.samples, 3);
  assert.equal(report.sampleStats.malformedRows, 0);
  assert.equal(sumOf(report.rows, ALL_PLATFORMS, 'requests'), 1);
  assert.equal(report.rows.find((row) => row.platform === ALL_PLATFORMS)?.latencyP95Ms, null);
});
