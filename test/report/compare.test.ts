import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeRunFolder } from '../../lib/report/analyze.ts';
import { buildReport } from '../../lib/report/build-report.ts';
import { compareRuns, formatComparisonText, loadReportData } from '../../lib/report/compare.ts';
import { generateSamples, makeTempDir, planFor, removeTempDirs, toK6Csv, writeRunFolder } from './synthetic-run.ts';

after(removeTempDirs);

const USERS_PER_SECOND = { mobile: [4, 8, 12, 8, 4], web: [2, 4, 6, 4, 2] };

async function runFolder(name: string, vendor503Every: number): Promise<string> {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: USERS_PER_SECOND, vendor503Every });
  return writeRunFolder(await makeTempDir(`compare-${name}`), { samplesCsv: toK6Csv(samples), plan: planFor(USERS_PER_SECOND, 20) });
}

function runHerd(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/herd.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('same run compares without regressions', async () => {
  const dir = await runFolder('same', 5);
  const report = await analyzeRunFolder(dir);
  const comparison = compareRuns(report, report, 0.05);

  assert.equal(comparison.regressions, 0);
  assert.ok(comparison.quantities.every((item) => item.change === null || item.change === 0));
  assert.ok(comparison.quantities.some((item) => item.quantity === 'p95 latency of vendor'));
});

test('more 503s are flagged as regressions', async () => {
  const baseline = await analyzeRunFolder(await runFolder('good', 10));
  const candidate = await analyzeRunFolder(await runFolder('bad', 2));
  const comparison = compareRuns(baseline, candidate, 0.05);
  const byName = new Map(comparison.quantities.map((item) => [item.quantity, item]));

  assert.equal(byName.get('503 share of requests')?.regression, true);
  assert.equal(byName.get('admitted share of users')?.regression, true);
  assert.ok((byName.get('503 share of requests')?.change ?? 0) > 0.05);
  assert.match(formatComparisonText(comparison), /503 share of requests .*REGRESSION/);
});

test('the tolerance decides what counts', async () => {
  const baseline = await analyzeRunFolder(await runFolder('tolerance-a', 10));
  const candidate = await analyzeRunFolder(await runFolder('tolerance-b', 8));
  const strict = compareRuns(baseline, candidate, 0);
  const loose = compareRuns(baseline, candidate, 0.5);

  assert.ok(strict.regressions > 0);
  assert.equal(loose.regressions, 0);
});

test('improvements are not regressions', async () => {
  const baseline = await analyzeRunFolder(await runFolder('worse', 2));
  const candidate = await analyzeRunFolder(await runFolder('better', 10));
  const comparison = compareRuns(baseline, candidate, 0.05);
  const share = comparison.quantities.find((item) => item.quantity === '503 share of requests');

  assert.ok((share?.change ?? 0) < 0);
  assert.equal(share?.regression, false);
});

test('report.json is reused when fresh', async () => {
  const dir = await runFolder('cached', 5);
  const { data } = await buildReport(dir);
  const loaded = await loadReportData(dir);

  assert.deepEqual(loaded.rows, data.rows);
  assert.deepEqual(loaded.verdict, data.verdict);
});

test('broken report.json is analysed again', async () => {
  const dir = await runFolder('broken-cache', 5);
  const { data } = await buildReport(dir);
  await writeFile(join(dir, 'report.json'), '{"reportDataVersion": 1, "rows": [');
  const loaded = await loadReportData(dir);

  assert.deepEqual(loaded.rows, data.rows);
});

test('herd compare exits 1 on a regression', async () => {
  const baseline = await runFolder('cli-good', 10);
  const candidate = await runFolder('cli-bad', 2);
  const jsonPath = join(candidate, 'comparison.json');
  const regressed = runHerd(['compare', baseline, candidate, '--json', jsonPath]);
  const unchanged = runHerd(['compare', baseline, baseline, '--quiet']);

  assert.equal(regressed.status, 1, regressed.stderr);
  assert.match(regressed.stdout, /regression\(s\) beyond the tolerance/);
  const written = JSON.parse(await readFile(jsonPath, 'utf8')) as { regressions: number; toleranceFraction: number };
  assert.ok(written.regressions > 0);
  assert.equal(written.toleranceFraction, 0.05);
  assert.equal(unchanged.status, 0, unchanged.stderr);
  assert.equal(unchanged.stdout, '');
});

test('herd compare exits 2 on bad arguments', async () => {
  const dir = await runFolder('cli-args', 5);
  const missing = runHerd(['compare', dir, join(dir, 'nope')]);
  const badTolerance = runHerd(['compare', dir, dir, '--tolerance', 'five']);
  const oneFolder = runHerd(['compare', dir]);

  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /does not exist/);
  assert.equal(badTolerance.status, 2);
  assert.match(badTolerance.stderr, /--tolerance must be a fraction/);
  assert.equal(oneFolder.status, 2);
});

test('different scale and backend are warned about', async () => {
  const report = await analyzeRunFolder(await runFolder('settings', 5));
  const baseline = { ...report, run: { ...report.run, scale: 0.04, targetKind: 'reference', targetProfile: 'legacy', targetServers: 1, targetQueueTimeoutMs: 5000 } };
  const candidate = { ...report, run: { ...report.run, scale: 0.02, targetKind: 'reference', targetProfile: 'legacy', targetServers: 4, targetQueueTimeoutMs: 2000 } };
  const comparison = compareRuns(baseline, candidate, 0.05);

  assert.deepEqual(comparison.differences, [
    'scale (0.04 in the baseline, 0.02 in the candidate)',
    'backend servers (1 in the baseline, 4 in the candidate)',
    'queue timeout (ms) (5000 in the baseline, 2000 in the candidate)',
  ]);
  const external = { ...report, run: { ...report.run, targetKind: 'external' } };
  assert.deepEqual(compareRuns(baseline, external, 0.05).differences.filter((difference) => difference.startsWith('backend ')), ['backend (reference in the baseline, external in the candidate)']);
  assert.match(formatComparisonText(comparison), /warning: the runs differ in scale \(0\.04 in the baseline, 0\.02 in the candidate\), so their figures may not be comparable/);
  assert.deepEqual(compareRuns(report, report, 0.05).differences, []);
});
