import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeRunFolder } from '../../lib/report/analyze.ts';
import { buildReport } from '../../lib/report/build-report.ts';
import { parseTargetMetrics } from '../../lib/report/run-folder.ts';
import { ALL_PLATFORMS, type ReportNote } from '../../lib/report/types.ts';
import { isHerdUserError } from '../../lib/user-error.ts';
import { generateSamples, makeTempDir, planFor, removeTempDirs, summaryFor, toK6Csv, writeRunFolder } from './synthetic-run.ts';

after(removeTempDirs);

const USERS_PER_SECOND = { mobile: [3, 5, 2], web: [1, 2, 1] };

async function tempDir(name: string): Promise<string> {
  return makeTempDir(`report-${name}`);
}

function problemsOf(notes: ReportNote[], file: string): string {
  return notes.filter((note) => note.file === file).map((note) => note.problem).join(' | ');
}

const REPORT_FILES = ['timeseries.csv', 'report.html', 'junit.xml', 'summary.md', 'report.json'];

async function assertAllFilesWritten(dir: string): Promise<void> {
  for (const name of REPORT_FILES) await access(join(dir, name));
}

test('empty run folder still renders every file', async () => {
  const dir = await tempDir('empty');
  const { data } = await buildReport(dir);

  await assertAllFilesWritten(dir);
  assert.equal(data.rows.length, 0);
  assert.match(problemsOf(data.notes, 'samples.csv'), /missing/);
  assert.match(problemsOf(data.notes, 'summary.json'), /missing/);
  assert.match(problemsOf(data.notes, 'plan.json'), /missing/);
  assert.match(problemsOf(data.notes, 'run.json'), /missing/);
  assert.match(problemsOf(data.notes, 'target-metrics.csv'), /missing/);
  assert.equal(data.verdict.users, null);
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  assert.match(html, /What this report could not use/);
  assert.match(html, /samples\.csv<\/code> is missing/);
});

test('missing run folder raises RUN_DIR_NOT_FOUND', async () => {
  const dir = join(await tempDir('gone'), 'does-not-exist');
  await assert.rejects(buildReport(dir), (error: unknown) => isHerdUserError(error) && error.code === 'RUN_DIR_NOT_FOUND' && error.message.includes(dir));
});

test('truncated samples.csv keeps its complete rows', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: USERS_PER_SECOND, vendor503Every: 3 });
  const csv = toK6Csv(samples);
  // Cut the file in the middle of its last line, as a killed writer leaves it.
  const cut = csv.slice(0, csv.length - 20);
  const dir = await writeRunFolder(await tempDir('truncated'), { samplesCsv: cut });
  const { data } = await buildReport(dir);

  assert.equal(data.sampleStats.samples, samples.length - 1);
  assert.equal(data.sampleStats.malformedRows, 1);
  assert.match(problemsOf(data.notes, 'samples.csv'), /cut short/);
  assert.match(problemsOf(data.notes, 'samples.csv'), /middle of a line/);
  await assertAllFilesWritten(dir);
});

test('empty samples.csv is noted', async () => {
  const dir = await writeRunFolder(await tempDir('empty-samples'), { samplesCsv: '' });
  const { data } = await buildReport(dir);

  assert.match(problemsOf(data.notes, 'samples.csv'), /is empty/);
  assert.equal(data.sampleStats.format, 'none');
});

test('header-only samples.csv is noted', async () => {
  const dir = await writeRunFolder(await tempDir('header-only'), { samplesCsv: toK6Csv([]) });
  const { data } = await buildReport(dir);

  assert.match(problemsOf(data.notes, 'samples.csv'), /holds no samples/);
});

test('CSV from another tool is named as such', async () => {
  const dir = await writeRunFolder(await tempDir('other-tool'), { samplesCsv: 'timeStamp,elapsed,label,responseCode\n1700000000000,12,home,200\n' });
  const { data } = await buildReport(dir);

  const problem = problemsOf(data.notes, 'samples.csv');
  assert.match(problem, /not k6 CSV output/);
  assert.match(problem, /metric_name/);
  await assertAllFilesWritten(dir);
});

test('truncated summary.json leaves thresholds unknown', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: USERS_PER_SECOND, vendor503Every: 3 });
  const summaryText = JSON.stringify(summaryFor(samples, 'rate>0.5', true));
  const dir = await writeRunFolder(await tempDir('bad-summary'), { samplesCsv: toK6Csv(samples) });
  await writeFile(join(dir, 'summary.json'), summaryText.slice(0, summaryText.length / 2));
  const { data } = await buildReport(dir);

  assert.match(problemsOf(data.notes, 'summary.json'), /not valid JSON/);
  assert.equal(data.verdict.thresholdsKnown, false);
  const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
  assert.match(junit, /<skipped message="summary\.json is missing or unreadable/);
  assert.match(junit, /tests="1" failures="0" skipped="1"/);
});

test('summary without samples still gives the verdict', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: USERS_PER_SECOND, vendor503Every: 3 });
  const dir = await writeRunFolder(await tempDir('summary-only'), { summary: summaryFor(samples, 'rate>0.9', false) });
  const data = await analyzeRunFolder(dir);
  const admitted = samples.filter((sample) => sample.metric === 'herd_admitted');

  assert.equal(data.verdict.usersSource, 'summary');
  assert.equal(data.verdict.admittedUsers, admitted.filter((sample) => sample.value === 1).length);
  assert.equal(data.verdict.users, admitted.length);
  assert.equal(data.verdict.thresholdsCrossed, 1);
});

test('plan without a timeline is noted', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: USERS_PER_SECOND, vendor503Every: 3 });
  const dir = await writeRunFolder(await tempDir('odd-plan'), { samplesCsv: toK6Csv(samples), plan: { stages: [], prediction: 'soon' } });
  const data = await analyzeRunFolder(dir);

  assert.match(problemsOf(data.notes, 'plan.json'), /no `timeline` array/);
  assert.match(problemsOf(data.notes, 'plan.json'), /no `prediction` object/);
  assert.ok(data.rows.every((row) => row.plannedArrivals === null));
  assert.equal(data.verdict.usersSource, 'samples');
});

test('plan timeline with coarse steps is interpolated', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: { web: [1, 1, 1, 1, 1] }, vendor503Every: 100 });
  const plan = { timeline: [{ tSeconds: 0, ratePerSecond: { web: 0 } }, { tSeconds: 4, ratePerSecond: { web: 8 } }, { tSeconds: 'x' }], prediction: {} };
  const dir = await writeRunFolder(await tempDir('coarse-plan'), { samplesCsv: toK6Csv(samples), plan });
  const data = await analyzeRunFolder(dir);

  assert.deepEqual(data.rows.filter((row) => row.platform === 'web').map((row) => row.plannedArrivals), [0, 2, 4, 6, 8]);
  assert.match(problemsOf(data.notes, 'plan.json'), /1 `timeline` entries lack/);
});

test('prediction is paired with the measurement', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: USERS_PER_SECOND, vendor503Every: 3 });
  const dir = await writeRunFolder(await tempDir('prediction'), { samplesCsv: toK6Csv(samples), plan: planFor(USERS_PER_SECOND, 5) });
  const data = await analyzeRunFolder(dir);
  const all = data.totals.find((total) => total.platform === ALL_PLATFORMS);

  const mobile = data.totals.find((total) => total.platform === 'mobile');
  const admitted = data.prediction.find((item) => item.key === 'admittedUsersPerSecond');
  assert.equal(admitted?.predicted, 5);
  assert.equal(admitted?.measured, data.verdict.peakAdmittedPerSecond);
  const share = data.prediction.find((item) => item.key === 'rejectedShare');
  assert.equal(share?.measured, (all?.requests503 ?? 0) / (all?.requests ?? 1));
  const mobileAdmitted = data.prediction.find((item) => item.key === 'platforms.mobile.admittedUsersPerSecond');
  assert.equal(mobileAdmitted?.platform, 'mobile');
  assert.equal(mobileAdmitted?.measured, mobile?.peakAdmittedPerSecond);
  const timeToAdmit = data.prediction.find((item) => item.key === 'platforms.web.timeToAdmitSeconds');
  assert.equal(timeToAdmit?.unit, 's');
  assert.equal(typeof timeToAdmit?.measured, 'number');
  assert.ok((timeToAdmit?.measured ?? Number.POSITIVE_INFINITY) < 1, `measured ${timeToAdmit?.measured} s`);
  const unmatched = data.prediction.find((item) => item.key === 'admittedRequestsPerSecond');
  assert.equal(unmatched?.measured, null);
});

test('replayed prediction joins the pairs', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: USERS_PER_SECOND, vendor503Every: 3 });
  const dir = await writeRunFolder(await tempDir('replayed'), { samplesCsv: toK6Csv(samples), plan: planFor(USERS_PER_SECOND, 5) });
  await writeFile(join(dir, 'prediction-check.json'), JSON.stringify({ replayed: { admittedShare: 0.5, rejectedShare: 0.2, timeToAdmitP50Seconds: 'n/a' } }));
  const data = await analyzeRunFolder(dir);
  const all = data.totals.find((total) => total.platform === ALL_PLATFORMS);

  const share = data.prediction.find((item) => item.key === 'replayed.rejectedShare');
  assert.equal(share?.predicted, 0.2);
  assert.equal(share?.measured, (all?.requests503 ?? 0) / (all?.requests ?? 1));
  assert.equal(data.prediction.find((item) => item.key === 'replayed.admittedShare')?.kind, 'admittedShare');
  assert.equal(data.prediction.find((item) => item.key === 'replayed.timeToAdmitP50Seconds'), undefined);
});

test('target metrics turn counters into per-second counts', () => {
  const notes: ReportNote[] = [];
  const csv = 'time_unix_s,queue_depth,workers_busy,workers_total,queue_timeouts_total,requests_total\n100,0,3,17,0,10\n101,12,17,17,4,30\n102,,17,17,9,50\n103,5,17,17,2,55\n';
  const rows = parseTargetMetrics(csv, notes);

  assert.deepEqual(rows.map((row) => row.queueTimeouts), [0, 4, 2]);
  assert.deepEqual(rows.map((row) => row.requests), [0, 20, 25]);
  assert.match(problemsOf(notes, 'target-metrics.csv'), /1 row\(s\) had empty or non-numeric cells/);
});

test('target metrics without the expected columns are noted', () => {
  const notes: ReportNote[] = [];
  const rows = parseTargetMetrics('time,depth\n1,2\n', notes);

  assert.deepEqual(rows, []);
  assert.match(problemsOf(notes, 'target-metrics.csv'), /lacks the columns time_unix_s/);
});
