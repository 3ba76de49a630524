// The compatibility suite: small k6 scripts under test/k6, each with the counts and exit status k6 gives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runScript } from '../../engine/index.ts';
import { CSV_HEADER } from '../../engine/outputs/csv-output.ts';
import { isHerdUserError } from '../../lib/user-error.ts';
import { fixture, runCaptured, startTestServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

function temporaryFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'herd-compat-')), name);
}

function readCsv(filePath: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(filePath, 'utf8').trim().split('\n');
  const columns = (header as string).split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((value, i) => [columns[i] as string, value])));
}

async function scriptErrorOf(scriptName: string): Promise<{ message: string; exitCode: number }> {
  try {
    await runCaptured({ scriptPath: fixture(scriptName), env: { TARGET: server.url } });
  } catch (error) {
    assert.ok(isHerdUserError(error), `expected a HerdUserError, got ${String(error)}`);
    return { message: error.message, exitCode: error.exitCode };
  }
  assert.fail(`${scriptName} loaded without an error`);
}

test('starved pool drops iterations', async () => {
  const exportFile = temporaryFile('export.json');
  const result = await runCaptured({ scriptPath: fixture('dropped.js'), env: { TARGET: server.url }, summaryExport: exportFile });
  const exported = JSON.parse(readFileSync(exportFile, 'utf8'));
  const iterations = exported.metrics.iterations.count;
  const dropped = exported.metrics.dropped_iterations.count;

  assert.equal(result.exitCode, 99);
  assert.ok(Math.abs(iterations + dropped - 260) <= 1, `${iterations} ran + ${dropped} dropped`);
  assert.ok(dropped > 100, `only ${dropped} dropped`);
  assert.equal(exported.metrics.dropped_iterations.thresholds['count==0'], true);
  assert.equal(result.stderr.match(/Insufficient VUs, reached 10 active VUs and cannot initialize more/g)?.length, 1);
  assert.match(result.stderr, /thresholds on metrics 'dropped_iterations, http_req_duration' have been crossed/);
});

test('passing thresholds exit with 0', async () => {
  const csvFile = temporaryFile('samples.csv');
  const result = await runCaptured({ scriptPath: fixture('thresholds-pass.js'), env: { TARGET: server.url }, outputs: [`csv=${csvFile}`] });
  const rows = readCsv(csvFile);
  const vendorRequest = rows.find((row) => row.metric_name === 'http_reqs' && row.name === 'vendor');
  const pageRequest = rows.find((row) => row.metric_name === 'http_reqs' && row.name === 'render');

  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(readFileSync(csvFile, 'utf8').split('\n')[0], CSV_HEADER);
  const iterations = rows.filter((row) => row.metric_name === 'iterations').length;
  const dropped = rows.filter((row) => row.metric_name === 'dropped_iterations').length;
  assert.equal(iterations + dropped, 20);
  assert.equal(vendorRequest?.error_code, '1503');
  assert.equal(vendorRequest?.expected_response, 'false');
  assert.equal(vendorRequest?.extra_tags, 'platform=web');
  assert.equal(pageRequest?.group, '::enter event');
  assert.equal(pageRequest?.scenario, 'web');
  assert.equal(pageRequest?.url, 'render');
  assert.match(result.stdout, /✓ \{ name:auth-refresh \}\.+: avg=/);
  assert.match(result.stdout, /herd_time_to_admit\.+: avg=/);
  assert.match(result.stdout, /█ enter event/);
});

test('crossed threshold exits with 99', async () => {
  const result = await runCaptured({ scriptPath: fixture('thresholds-fail.js'), env: { TARGET: server.url } });

  assert.equal(result.exitCode, 99);
  assert.match(result.stdout, /✗ http_req_failed\.+: 100\.00% ✓ 6/);
  assert.match(result.stdout, /iterations\.+: 6 /);
});

test('no-thresholds ignores crossed thresholds', async () => {
  const result = await runCaptured({ scriptPath: fixture('thresholds-fail.js'), env: { TARGET: server.url }, noThresholds: true });

  assert.equal(result.exitCode, 0);
});

test('handleSummary writes every key', async () => {
  const summaryFile = temporaryFile('summary.json');
  const result = await runCaptured({ scriptPath: fixture('handle-summary.js'), env: { TARGET: server.url, SUMMARY_FILE: summaryFile } });
  const data = JSON.parse(readFileSync(summaryFile, 'utf8'));

  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /custom summary\n/);
  assert.match(result.stdout, /✓ setup data arrives/);
  assert.deepEqual(Object.keys(data).sort(), ['metrics', 'options', 'root_group', 'setup_data', 'state']);
  assert.deepEqual(data.setup_data, { token: 'from-setup' });
  assert.equal(data.metrics.iterations.values.count, 3);
  assert.equal(data.metrics.http_reqs.type, 'counter');
  assert.equal(data.metrics.http_req_duration.contains, 'time');
  assert.deepEqual(Object.keys(data.metrics.http_req_duration.values), ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
  assert.equal(data.root_group.id, 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(data.root_group.groups[0].name, 'setup');
  assert.equal(data.root_group.checks[0].passes, 3);
});

test('synchronous http.get fails at start', async () => {
  const error = await scriptErrorOf('sync-get.js');

  assert.equal(error.exitCode, 107);
  assert.match(error.message, /http\.get\(\): write `await http\.asyncRequest\('GET', url, body, params\)`/);
});

test('sleep fails at start', async () => {
  const error = await scriptErrorOf('sleep.js');

  assert.equal(error.exitCode, 107);
  assert.match(error.message, /sleep\(\): write `await new Promise\(\(resolve\) => setTimeout\(resolve, ms\)\)`/);
});

test('dynamic blocking call stops the run', async () => {
  const result = await runCaptured({ scriptPath: fixture('sync-dynamic.js'), env: { TARGET: server.url } });

  assert.equal(result.exitCode, 107);
  assert.match(result.stderr, /http\.post\(\) is synchronous/);
  assert.match(result.stdout, /iterations\.+|execution: local/);
});

test('exception at init is a script error', async () => {
  const error = await scriptErrorOf('init-throws.js');

  assert.equal(error.exitCode, 107);
  assert.match(error.message, /init code of .*init-throws\.js threw/);
  assert.match(error.message, /cannot read the event file/);
});

test('syntax error names the line', async () => {
  const error = await scriptErrorOf('syntax-error.js');

  assert.equal(error.exitCode, 107);
  assert.match(error.message, /syntax-error\.js:3:\d+/);
});

test('refused connection becomes a sample', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const csvFile = temporaryFile('refused.csv');

  const result = await runCaptured({ scriptPath: fixture('refused.js'), env: { CLOSED: `http://127.0.0.1:${port}` }, outputs: [`csv=${csvFile}`] });
  const failed = readCsv(csvFile).filter((row) => row.metric_name === 'http_reqs');

  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /✓ code 1212/);
  assert.match(result.stdout, /✓ error text/);
  assert.equal(failed.length, 3);
  assert.equal(failed[0]?.status, '0');
  assert.equal(failed[0]?.error_code, '1212');
});

test('scenarios use exec, env and tags', async () => {
  const csvFile = temporaryFile('scenarios.csv');
  const result = await runCaptured({ scriptPath: fixture('scenarios.js'), env: { TARGET: server.url }, outputs: [`csv=${csvFile}`] });
  const seen = readCsv(csvFile).filter((row) => row.metric_name === 'platform_seen');
  const web = seen.filter((row) => row.scenario === 'web');
  const mobile = seen.filter((row) => row.scenario === 'mobile');

  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(web.length, 12);
  assert.equal(mobile.length, 10);
  assert.ok(web.every((row) => row.extra_tags === 'env_platform=web&platform=web'));
  assert.ok(mobile.every((row) => row.extra_tags === 'env_platform=mobile&platform=mobile'));
});

test('k6 modules work inside iterations', async () => {
  const result = await runCaptured({ scriptPath: fixture('modules.js'), env: { TARGET: server.url } });

  assert.equal(result.exitCode, 0);
  for (const name of ['user loaded', 'vu matches', 'iter counts', 'scenario name', 'base64', 'redirect followed', 'cookie sent']) {
    assert.match(result.stdout, new RegExp(`✓ ${name}`), `check "${name}" failed:\n${result.stdout}`);
  }
});

test('abort signal still writes the summary', async () => {
  const controller = new AbortController();
  let stdout = '';
  setTimeout(() => controller.abort(), 300).unref();
  const startedAtMs = Date.now();

  const { exitCode } = await runScript({
    scriptPath: fixture('dropped.js'),
    env: { TARGET: server.url },
    quiet: true,
    signal: controller.signal,
    writeStdout: (text) => (stdout += text),
    writeStderr: () => undefined,
  });

  assert.equal(exitCode, 105);
  assert.ok(Date.now() - startedAtMs < 3000, 'the run did not stop early');
  assert.match(stdout, /iterations\.+: \d+/);
});
