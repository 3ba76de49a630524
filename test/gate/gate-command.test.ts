import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, mock, test } from 'node:test';

import { main } from '../../cli/main.ts';
import type { GateBaseline } from '../../cli/gate/baseline.ts';

interface CliResult {
  status: number;
  output: string;
}

/** Runs `herd gate …` in this process and returns its exit status and everything it printed. */
async function runGateCli(args: string[]): Promise<CliResult> {
  const logs = mock.method(console, 'log', () => undefined);
  const errors = mock.method(console, 'error', () => undefined);
  try {
    const status = await main(['gate', ...args]);
    const output = [...logs.mock.calls, ...errors.mock.calls].map((call) => call.arguments.join(' ')).join('\n');
    return { status, output };
  } finally {
    logs.mock.restore();
    errors.mock.restore();
  }
}

const FAST = ['--samples', '2', '--interval-ms', '10'];

describe('gate with a Prometheus mock on loopback', () => {
  let server: Server;
  let baseUrl: string;
  const requests: IncomingMessage[] = [];
  // The response for each PromQL query the tests send.
  const answers: Record<string, { status: number; body: string }> = {
    quiet: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '3'] }] } }) },
    busy: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '42'] }] } }) },
    scalar: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '0.5'] } }) },
    nan: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'NaN'] }] } }) },
    empty: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }) },
    two: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { a: '1' }, value: [1, '1'] }, { metric: { a: '2' }, value: [1, '2'] }] } }) },
    html: { status: 200, body: '<html>login</html>' },
    bad: { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }) },
  };

  before(async () => {
    server = createServer((request, response) => {
      requests.push(request);
      const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('query') ?? '';
      const answer = answers[query] ?? { status: 404, body: 'not found' };
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('quiet value exits 0', async () => {
    const result = await runGateCli(['--prometheus', baseUrl, '--query', 'quiet', '--max-value', '5', ...FAST]);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /load value 3 \(limit 5\)/);
    assert.equal(new URL(requests.at(-1)?.url ?? '', baseUrl).pathname, '/api/v1/query');
  });

  test('scalar result is read', async () => {
    const result = await runGateCli(['--prometheus', baseUrl, '--query', 'scalar', '--max-value', '1', ...FAST]);
    assert.equal(result.status, 0, result.output);
  });

  test('busy value exits 75', async () => {
    const result = await runGateCli(['--prometheus', baseUrl, '--query', 'busy', '--max-value', '5', ...FAST]);
    assert.equal(result.status, 75, result.output);
    assert.match(result.output, /load value reached 42/);
  });

  for (const [query, pattern] of [
    ['nan', /value "NaN" is not a finite number/],
    ['empty', /returned 0 series, but the gate needs exactly one/],
    ['two', /returned 2 series/],
    ['html', /is not JSON/],
    ['bad', /failed with HTTP 400: parse error at char 3/],
  ] as const) {
    test(`answer "${query}" exits 1`, async () => {
      const result = await runGateCli(['--prometheus', baseUrl, '--query', query, '--max-value', '5', ...FAST]);
      assert.equal(result.status, 1, result.output);
      assert.match(result.output, pattern);
    });
  }

  test('basic-auth password is sent, never printed', async () => {
    const url = baseUrl.replace('http://', 'http://reader:prom-secret@');
    const result = await runGateCli(['--prometheus', url, '--query', 'nan', '--max-value', '5', ...FAST]);
    assert.equal(result.status, 1);
    assert.equal(requests.at(-1)?.headers.authorization, `Basic ${Buffer.from('reader:prom-secret').toString('base64')}`);
    assert.ok(!result.output.includes('prom-secret'), result.output);
    assert.match(result.output, /reader:\*\*\*@/);
  });

  test('baseline file records samples and verdict', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'herd-gate-baseline-'));
    try {
      const path = join(folder, 'nested', 'gate-baseline.json');
      const result = await runGateCli(['--prometheus', baseUrl, '--query', 'quiet', '--max-value', '5', ...FAST, '--baseline-out', path]);
      const baseline = JSON.parse(readFileSync(path, 'utf8')) as GateBaseline;

      assert.equal(result.status, 0);
      assert.equal(baseline.verdict, 'go');
      assert.equal(baseline.probe?.kind, 'prometheus');
      assert.deepEqual(baseline.thresholds, { value: 5 });
      assert.equal(baseline.rounds.length, 1);
      assert.deepEqual(baseline.rounds[0]?.samples.map((sample) => sample.metrics.value), [3, 3]);
      assert.ok(Date.parse(baseline.startedAt) <= Date.parse(baseline.finishedAt));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('failed probe still writes the baseline', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'herd-gate-baseline-'));
    try {
      const path = join(folder, 'gate-baseline.json');
      const result = await runGateCli(['--prometheus', baseUrl, '--query', 'nan', '--max-value', '5', ...FAST, '--baseline-out', path]);
      const baseline = JSON.parse(readFileSync(path, 'utf8')) as GateBaseline;

      assert.equal(result.status, 1);
      assert.equal(baseline.verdict, 'probe-failed');
      assert.match(baseline.reason, /not a finite number/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('gate with a command probe', () => {
  test('printed number under the maximum exits 0', async () => {
    const result = await runGateCli(['--command', 'echo 2', '--max-value', '5', ...FAST]);
    assert.equal(result.status, 0, result.output);
  });

  test('printed text exits 1', async () => {
    const result = await runGateCli(['--command', 'echo busy', '--max-value', '5', ...FAST]);
    assert.equal(result.status, 1);
    assert.match(result.output, /printed "busy", which is not a number/);
  });

  test('failing command exits 1', async () => {
    const result = await runGateCli(['--command', 'echo oops >&2; exit 3', '--max-value', '5', ...FAST]);
    assert.equal(result.status, 1);
    assert.match(result.output, /exited with status 3: oops/);
  });

  test('slow command times out', async () => {
    const result = await runGateCli(['--command', 'sleep 5', '--max-value', '5', '--timeout-ms', '200', ...FAST]);
    assert.equal(result.status, 1);
    assert.match(result.output, /timed out after 200 ms/);
  });
});

describe('gate flags', () => {
  test('window only, inside', async () => {
    const result = await runGateCli(['--window', '01:00-05:00', '--tz', 'Europe/Berlin', '--now', '2026-03-29T01:30:00Z']);
    assert.equal(result.status, 0);
    assert.match(result.output, /only the window was checked/);
  });

  test('window only, outside exits 75', async () => {
    const result = await runGateCli(['--cron', '0 2 * * *', '--cron-slack-minutes', '30', '--now', '2026-06-01T12:00:00Z']);
    assert.equal(result.status, 75);
    assert.match(result.output, /opens next at 2026-06-02 02:00/);
  });

  test('closed window skips the probe', async () => {
    const result = await runGateCli(['--window', '01:00-02:00', '--now', '2026-06-01T12:00:00Z', '--command', 'echo 1', '--max-value', '5']);
    assert.equal(result.status, 75);
    assert.doesNotMatch(result.output, /Measuring/);
  });

  for (const [name, args, pattern] of [
    ['invalid window', ['--window', '1am-5am'], /--window "1am-5am" is invalid/],
    ['window and cron together', ['--window', '01:00-05:00', '--cron', '0 2 * * *'], /either --window or --cron/],
    ['two probes', ['--command', 'echo 1', '--prometheus', 'http://127.0.0.1:9', '--query', 'x', '--max-value', '1'], /at most one probe/],
    ['probe without threshold', ['--command', 'echo 1'], /needs --max-value/],
    ['postgres threshold on a command', ['--command', 'echo 1', '--max-active', '3'], /needs --max-value/],
    ['threshold without probe', ['--max-active', '3'], /without a probe/],
    ['query without prometheus', ['--query', 'up'], /--query needs --prometheus/],
    ['prometheus without query', ['--prometheus', 'http://127.0.0.1:9', '--max-value', '1'], /needs --query/],
    ['postgres URL without host', ['--postgres', 'postgres:///app', '--max-active', '1'], /names no host/],
    ['negative threshold', ['--command', 'echo 1', '--max-value=-1'], /--max-value "-1" is invalid/],
    ['zero samples', ['--samples', '0'], /--samples "0" is invalid/],
    ['resume fraction above 1', ['--resume-fraction', '1.5'], /--resume-fraction "1.5" is invalid/],
    ['invalid now', ['--now', 'yesterday'], /--now "yesterday" is not an ISO 8601 time/],
    ['unknown flag', ['--host', 'db'], /Unknown option '--host'/],
  ] as const) {
    test(`${name} exits 1`, async () => {
      const result = await runGateCli([...args]);
      assert.equal(result.status, 1, result.output);
      assert.match(result.output, pattern);
    });
  }

  test('env: value is read from the environment', async () => {
    process.env.HERD_GATE_TEST_COMMAND = 'echo 1';
    try {
      const result = await runGateCli(['--command', 'env:HERD_GATE_TEST_COMMAND', '--max-value', '5', ...FAST]);
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, /the command "echo 1"/);
    } finally {
      delete process.env.HERD_GATE_TEST_COMMAND;
    }
  });

  test('env: cron expression is read', async () => {
    process.env.HERD_GATE_TEST_CRON = '0 2 * * *';
    try {
      const result = await runGateCli(['--cron', 'env:HERD_GATE_TEST_CRON', '--now', '2026-06-01T02:10:00Z']);
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, /Cron window "0 2 \* \* \*"/);
    } finally {
      delete process.env.HERD_GATE_TEST_CRON;
    }
  });

  test('env: value with the variable unset exits 1', async () => {
    const result = await runGateCli(['--postgres', 'env:HERD_GATE_TEST_UNSET_URL', '--max-active', '1']);
    assert.equal(result.status, 1);
    assert.match(result.output, /environment variable HERD_GATE_TEST_UNSET_URL is not set/);
  });

  test('help exits 0', async () => {
    const result = await runGateCli(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.output, /--postgres URL/);
  });
});
