import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildRunFolderFromK6 } from '../../lib/report/from-k6.ts';
import { K6_CSV_COLUMNS, parseK6Timestamp, readK6Csv, readK6JsonLines } from '../../lib/report/sample-sources.ts';
import { ALL_PLATFORMS } from '../../lib/report/types.ts';
import { isHerdUserError } from '../../lib/user-error.ts';
import { generateSamples, makeTempDir, planFor, removeTempDirs, summaryFor, toK6Csv, toK6JsonLines } from './synthetic-run.ts';

after(removeTempDirs);

// Rows in the layout k6 v0.49 writes with --out csv: a group column, error_code 1503 for a 503, extra_tags.
const K6_STYLE_CSV = `${K6_CSV_COLUMNS.join(',')}
http_reqs,1796412722,1.000000,,,,true,::enter event,GET,render,HTTP/1.1,mobile,,200,,,render,platform=mobile,
http_reqs,1796412722,1.000000,,,1503,false,,POST,vendor,HTTP/1.1,web,,503,,,vendor,platform=web&tier=gold,
http_req_duration,1796412722,15.672393,,,,true,::enter event,GET,render,HTTP/1.1,mobile,,200,,,render,platform=mobile,
http_req_duration,1796412722,105.194243,,,1503,false,,POST,vendor,HTTP/1.1,web,,503,,,vendor,platform=web&tier=gold,
checks,1796412722,1.000000,render 200,,,,::enter event,,,,mobile,,,,,,platform=mobile,
herd_admitted,1796412722,1.000000,,,,,,,,,mobile,,,,,,platform=mobile,
herd_admitted,1796412723,0.000000,,,,,,,,,web,,,,,,platform=web,
iterations,1796412723,1.000000,,,,,,,,,mobile,,,,,,platform=mobile,
vus,1796412723,3.000000,,,,,,,,,,,,,,,,
`;

async function tempDir(name: string): Promise<string> {
  return makeTempDir(`from-k6-${name}`);
}

test('k6-style CSV rows are read with their tags', async () => {
  const dir = await tempDir('k6-style');
  await writeFile(join(dir, 'out.csv'), K6_STYLE_CSV);
  const { data } = await buildRunFolderFromK6({ inputPath: join(dir, 'out.csv'), outDir: join(dir, 'run') });
  const first = data.rows.filter((row) => row.timeUnixS === 1796412722);
  const web = first.find((row) => row.platform === 'web');

  assert.equal(data.sampleStats.samples, 9);
  assert.deepEqual(data.platforms, ['mobile', 'web']);
  assert.equal(first.find((row) => row.platform === ALL_PLATFORMS)?.requests, 2);
  assert.equal(web?.requests503, 1);
  assert.equal(data.verdict.admittedUsers, 1);
  assert.equal(data.verdict.users, 2);
  assert.deepEqual(data.latencyByName.map((named) => named.name), ['render', 'vendor']);
  assert.equal(data.run.engine, 'k6');
});

test('CSV and JSON output build the same run folder', async () => {
  const usersPerSecond = { mobile: [3, 7, 4], web: [2, 3, 1] };
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond, vendor503Every: 3, droppedPerSecond: { web: [0, 2, 0] } });
  const dir = await tempDir('both');
  await writeFile(join(dir, 'out.csv'), toK6Csv(samples));
  await writeFile(join(dir, 'out.json'), toK6JsonLines(samples));
  const fromCsv = await buildRunFolderFromK6({ inputPath: join(dir, 'out.csv'), outDir: join(dir, 'csv-run') });
  const fromJson = await buildRunFolderFromK6({ inputPath: join(dir, 'out.json'), outDir: join(dir, 'json-run') });

  assert.equal(fromJson.data.sampleStats.samples, samples.length);
  assert.deepEqual(fromJson.data.rows, fromCsv.data.rows);
  assert.equal(await readFile(fromJson.files.timeSeriesCsv, 'utf8'), await readFile(fromCsv.files.timeSeriesCsv, 'utf8'));
  const convertedHeader = (await readFile(join(dir, 'json-run', 'samples.csv'), 'utf8')).split('\n')[0];
  assert.equal(convertedHeader, K6_CSV_COLUMNS.join(','));
});

test('summary and plan files are kept', async () => {
  const usersPerSecond = { web: [2, 4, 2] };
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond, vendor503Every: 4 });
  const dir = await tempDir('extras');
  await writeFile(join(dir, 'out.csv'), toK6Csv(samples));
  await writeFile(join(dir, 'summary.json'), JSON.stringify(summaryFor(samples, 'rate>0.99', false)));
  await writeFile(join(dir, 'plan.json'), JSON.stringify(planFor(usersPerSecond, 3)));
  const { data } = await buildRunFolderFromK6({ inputPath: join(dir, 'out.csv'), outDir: join(dir, 'run'), summaryPath: join(dir, 'summary.json'), planPath: join(dir, 'plan.json') });

  assert.equal(data.verdict.thresholdsCrossed, 1);
  assert.equal(data.verdict.usersSource, 'plan');
  assert.deepEqual(data.rows.filter((row) => row.platform === 'web').map((row) => row.plannedArrivals), [2, 4, 2]);
});

test('missing k6 output raises K6_OUTPUT_NOT_FOUND', async () => {
  const dir = await tempDir('missing');
  await assert.rejects(buildRunFolderFromK6({ inputPath: join(dir, 'nope.csv'), outDir: join(dir, 'run') }), (error: unknown) => isHerdUserError(error) && error.code === 'K6_OUTPUT_NOT_FOUND');
});

test('herd report --from-k6 writes the run folder', async () => {
  const dir = await tempDir('cli');
  await writeFile(join(dir, 'out.csv'), K6_STYLE_CSV);
  const outDir = join(dir, 'run');
  const result = spawnSync(process.execPath, ['bin/herd.js', 'report', '--from-k6', join(dir, 'out.csv'), '--out-dir', outDir], { encoding: 'utf8', timeout: 60_000 });

  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^Admitted 1 of 2 users/);
  assert.match(result.stdout, /note: summary\.json is missing/);
  const html = await readFile(join(outDir, 'report.html'), 'utf8');
  assert.match(html, /<title>Herd test report: out \(run\)<\/title>/);
});

test('herd report rejects a run folder with --from-k6', () => {
  const result = spawnSync(process.execPath, ['bin/herd.js', 'report', 'results/x', '--from-k6', 'out.csv'], { encoding: 'utf8', timeout: 60_000 });

  assert.equal(result.status, 2);
  assert.match(result.stderr, /--from-k6 builds its own run folder/);
});

test('timestamps parse in every k6 time format', () => {
  const cases: Array<[format: string, cell: string]> = [
    ['unix', '1796412722'],
    ['unix_milli', '1796412722898'],
    ['unix_micro', '1796412722898549'],
    ['unix_nano', '1796412722898549367'],
    ['rfc3339', '2026-12-04T19:32:02Z'],
    ['rfc3339_nano', '2026-12-04T19:32:02.898549367Z'],
  ];
  for (const [format, cell] of cases) {
    assert.equal(Math.floor(parseK6Timestamp(cell)), 1796412722, format);
  }
  assert.ok(Number.isNaN(parseK6Timestamp('')));
  assert.ok(Number.isNaN(parseK6Timestamp('yesterday')));
});

test('gzipped k6 output gives the same rows', async () => {
  const usersPerSecond = { mobile: [2, 5, 3], web: [1, 2, 1] };
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond, vendor503Every: 3 });
  const dir = await tempDir('gzip');
  await writeFile(join(dir, 'out.csv'), toK6Csv(samples));
  await writeFile(join(dir, 'out.csv.gz'), gzipSync(toK6Csv(samples)));
  await writeFile(join(dir, 'out.json.gz'), gzipSync(toK6JsonLines(samples)));
  const plain = await buildRunFolderFromK6({ inputPath: join(dir, 'out.csv'), outDir: join(dir, 'plain-run') });
  const csvGz = await buildRunFolderFromK6({ inputPath: join(dir, 'out.csv.gz'), outDir: join(dir, 'csv-gz-run') });
  const jsonGz = await buildRunFolderFromK6({ inputPath: join(dir, 'out.json.gz'), outDir: join(dir, 'json-gz-run') });

  assert.equal(csvGz.data.sampleStats.samples, samples.length);
  assert.deepEqual(csvGz.data.rows, plain.data.rows);
  assert.deepEqual(jsonGz.data.rows, plain.data.rows);
});

test('readers count the bytes they read', async () => {
  const samples = generateSamples({ startUnixS: 1_796_412_720, usersPerSecond: { web: [3, 3] }, vendor503Every: 5 });
  const dir = await tempDir('bytes');
  const csv = toK6Csv(samples);
  const jsonLines = toK6JsonLines(samples);
  await writeFile(join(dir, 'out.csv'), csv);
  await writeFile(join(dir, 'out.jsonl'), jsonLines);
  const csvCounters = { malformedRows: 0, ignoredRows: 0, bytesRead: 0 };
  const jsonCounters = { malformedRows: 0, ignoredRows: 0, bytesRead: 0 };
  let csvSamples = 0;
  let jsonSamples = 0;
  await readK6Csv(join(dir, 'out.csv'), csvCounters, () => { csvSamples += 1; });
  await readK6JsonLines(join(dir, 'out.jsonl'), jsonCounters, () => { jsonSamples += 1; });

  assert.equal(csvCounters.bytesRead, Buffer.byteLength(csv));
  assert.equal(jsonCounters.bytesRead, Buffer.byteLength(jsonLines));
  assert.equal(csvSamples, samples.length);
  assert.equal(jsonSamples, samples.length);
});
