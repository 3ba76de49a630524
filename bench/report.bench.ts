// Benchmark: builds the report of a large synthetic samples.csv in a child process and checks
// that the child's peak resident memory stays under the target (200 MB for a 1 GB CSV).
//
//   node --import tsx bench/report.bench.ts [--size-mb 1024] [--keep]
//
// The CSV is written to a temporary folder and deleted afterwards unless --keep is given.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildReport } from '../lib/report/build-report.ts';
import { K6_CSV_COLUMNS } from '../lib/report/sample-sources.ts';

const MEMORY_TARGET_MB = 200;
const START_UNIX_S = 1_796_412_720;
const REQUEST_NAMES = { web: ['render', 'refresh', 'vendor'], mobile: ['launch-config', 'launch-feed', 'launch-home', 'refresh', 'vendor'] };

/** Writes a k6-format samples.csv of about `sizeBytes` bytes: a 70/30 mobile/web herd at a steady rate with some 503s. */
async function writeLargeCsv(path: string, sizeBytes: number): Promise<{ rows: number; seconds: number }> {
  const output = createWriteStream(path);
  output.write(`${K6_CSV_COLUMNS.join(',')}\n`);
  let written = 0;
  let rows = 0;
  let second = 0;
  let user = 0;
  const usersPerSecond = 400;
  while (written < sizeBytes) {
    const time = START_UNIX_S + second;
    let chunk = '';
    for (let index = 0; index < usersPerSecond; index += 1) {
      user += 1;
      const platform = user % 10 < 7 ? 'mobile' : 'web';
      const refused = user % 9 === 0;
      let totalMs = 0;
      for (const name of REQUEST_NAMES[platform]) {
        const status = refused && name === 'vendor' ? 503 : 200;
        const durationMs = 3 + ((user * 7919 + name.length * 104729) % 4000) / 40;
        totalMs += durationMs;
        const tail = `,POST,${name},HTTP/1.1,${platform},,${status},,,${name},platform=${platform},\n`;
        chunk += `http_reqs,${time},1.000000,,,${status === 503 ? 1503 : ''},${status === 200},${tail}`;
        chunk += `http_req_duration,${time},${durationMs.toFixed(6)},,,${status === 503 ? 1503 : ''},${status === 200},${tail}`;
        rows += 2;
      }
      const userTail = `,,,,,,,,,${platform},,,,,,platform=${platform},\n`;
      chunk += `herd_admitted,${time},${refused ? '0' : '1'}.000000${userTail}`;
      if (!refused) chunk += `herd_time_to_admit,${time},${totalMs.toFixed(6)}${userTail}`;
      chunk += `iterations,${time},1.000000${userTail}iteration_duration,${time},${totalMs.toFixed(6)}${userTail}`;
      rows += refused ? 3 : 4;
    }
    chunk += `vus,${time},${usersPerSecond}.000000,,,,,,,,,,,,,,,,\n`;
    rows += 1;
    written += Buffer.byteLength(chunk);
    if (!output.write(chunk)) await once(output, 'drain');
    second += 1;
  }
  output.end();
  await once(output, 'finish');
  return { rows, seconds: second };
}

interface Measurement {
  elapsedMs: number;
  maxRssMb: number;
  samples: number;
  rows: number;
}

/** Runs in the child: builds the report of `runDir` and prints the measurement as JSON. */
async function measure(runDir: string): Promise<void> {
  const startedMs = performance.now();
  const { data } = await buildReport(runDir);
  const elapsedMs = performance.now() - startedMs;
  // resourceUsage().maxRSS is in kilobytes.
  const measurement: Measurement = { elapsedMs, maxRssMb: process.resourceUsage().maxRSS / 1024, samples: data.sampleStats.samples, rows: data.rows.length };
  console.log(JSON.stringify(measurement));
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' }, keep: { type: 'boolean', default: false }, measure: { type: 'string' } } });
  if (values.measure !== undefined) {
    await measure(values.measure);
    return 0;
  }

  const sizeMb = Number(values['size-mb']);
  if (!Number.isFinite(sizeMb) || sizeMb <= 0) throw new Error(`--size-mb must be a positive number, got "${values['size-mb']}"`);
  const runDir = await mkdtemp(join(tmpdir(), 'herd-report-bench-'));
  try {
    const csvPath = join(runDir, 'samples.csv');
    const generated = await writeLargeCsv(csvPath, sizeMb * 1024 * 1024);
    const sizeBytes = (await stat(csvPath)).size;
    console.log(`samples.csv: ${(sizeBytes / 1024 / 1024).toFixed(0)} MB, ${generated.rows} rows over ${generated.seconds} s`);

    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', runDir], { encoding: 'utf8', timeout: 30 * 60_000 });
    if (child.status !== 0) {
      console.error(child.stderr);
      return 1;
    }
    const measurement = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Measurement;
    const rowsPerSecond = measurement.samples / (measurement.elapsedMs / 1000);
    console.log(`report built in ${(measurement.elapsedMs / 1000).toFixed(1)} s (${Math.round(rowsPerSecond).toLocaleString('en-US')} samples/s), ${measurement.rows} time-series rows`);
    console.log(`peak RSS ${measurement.maxRssMb.toFixed(0)} MB (target under ${MEMORY_TARGET_MB} MB): ${measurement.maxRssMb < MEMORY_TARGET_MB ? 'met' : 'NOT met'}`);
    return measurement.maxRssMb < MEMORY_TARGET_MB ? 0 : 1;
  } finally {
    if (values.keep) console.log(`kept ${runDir}`);
    else await rm(runDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
