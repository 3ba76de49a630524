import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';

import pg from 'pg';

import { main } from '../../cli/main.ts';
import { systemClock } from '../../cli/gate/clock.ts';
import { PostgresProbe } from '../../cli/gate/postgres-probe.ts';
import { runGate } from '../../cli/gate/run-gate.ts';
import type { GateSettings } from '../../cli/gate/run-gate.ts';
import { findFreeLoopbackPort, findPostgresBinDir, startTestPostgres } from './postgres-server.ts';
import type { TestPostgres } from './postgres-server.ts';

const LOAD_APPLICATION_NAME = 'herd-gate-test-load';
const binDir = findPostgresBinDir();

/** Sessions that each run pg_sleep once; `sleepSeconds` bounds how long they load the server. */
async function startSleepers(url: string, count: number, sleepSeconds: number): Promise<{ finished: Promise<void> }> {
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url, application_name: LOAD_APPLICATION_NAME }));
  await Promise.all(clients.map((client) => client.connect()));
  const finished = Promise.all(
    clients.map(async (client) => {
      // A terminated session rejects its query; the test that terminated it expects that.
      await client.query('SELECT pg_sleep($1)', [sleepSeconds]).catch((error: Error) => error);
      await client.end().catch((error: Error) => error);
    }),
  ).then(() => undefined);
  return { finished };
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'herd-gate-test-admin' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Polls until `count` load sessions are active, for at most 5 s. */
async function waitForActiveSleepers(url: string, count: number): Promise<void> {
  await withAdminClient(url, async (client) => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const result = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", [LOAD_APPLICATION_NAME]);
      if (result.rows[0].n >= count) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`fewer than ${count} load sessions became active within 5 s`);
  });
}

async function terminateSleepers(url: string): Promise<void> {
  await withAdminClient(url, (client) => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [LOAD_APPLICATION_NAME]));
}

function postgresSettings(url: string, overrides: Partial<GateSettings>): GateSettings {
  return {
    probe: new PostgresProbe({ url, longQuerySeconds: 60, timeoutMs: 5000 }),
    thresholds: { activeBackends: 2 },
    resumeFraction: 0.8,
    samplesPerRound: 2,
    intervalMs: 250,
    waitMs: 0,
    ...overrides,
  };
}

describe('gate against a real PostgreSQL server', { skip: binDir === undefined ? 'PostgreSQL binaries not found under /usr/lib/postgresql; make test installs Debian\'s postgresql package when run as root' : false }, () => {
  let server: TestPostgres;
  const stopOnExit = (): void => server?.stop();

  before(async () => {
    server = await startTestPostgres(binDir as string);
    process.once('exit', stopOnExit);
  });

  after(() => {
    server?.stop();
    process.removeListener('exit', stopOnExit);
  });

  test('idle server gets go', async () => {
    const lines: string[] = [];
    const outcome = await runGate(postgresSettings(server.url, { thresholds: { activeBackends: 0, longQueries: 0, transactionsPerSecond: 50 } }), systemClock, (line) => lines.push(line));

    assert.equal(outcome.verdict, 'go');
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.baseline.rounds.length, 1);
    assert.equal(outcome.baseline.rounds[0]?.samples.length, 2);
    for (const sample of outcome.baseline.rounds[0]?.samples ?? []) {
      assert.equal(sample.metrics.activeBackends, 0, 'the gate must not count its own connection');
      assert.equal(sample.metrics.longQueries, 0);
      assert.equal(typeof sample.metrics.transactionsPerSecond, 'number');
    }
    assert.ok(outcome.baseline.probe?.description.includes('***'), 'the password is masked in the baseline');
    assert.ok(!JSON.stringify(outcome.baseline).includes(server.password), 'the baseline holds no password');
    assert.ok(!lines.join('\n').includes(server.password), 'the log holds no password');
  });

  test('busy server that calms down gets go after waiting', async () => {
    const sleepers = await startSleepers(server.url, 6, 2.5);
    try {
      await waitForActiveSleepers(server.url, 6);
      const outcome = await runGate(postgresSettings(server.url, { waitMs: 20_000 }), systemClock, () => undefined);

      assert.equal(outcome.verdict, 'go');
      const rounds = outcome.baseline.rounds;
      assert.ok(rounds.length >= 2, `expected at least two rounds, got ${rounds.length}`);
      assert.equal(rounds[0]?.isQuiet, false);
      const firstRoundActive = rounds[0]?.samples.map((sample) => sample.metrics.activeBackends ?? -1) ?? [];
      assert.ok(Math.max(...firstRoundActive) >= 6, `first round saw ${firstRoundActive.join(', ')} active backends`);
      assert.equal(rounds.at(-1)?.limits.activeBackends, 1.6, 'after a busy round the resume level applies');
      assert.equal(rounds.at(-1)?.isQuiet, true);
    } finally {
      await terminateSleepers(server.url);
      await sleepers.finished;
    }
  });

  test('busy server past the wait gets not now', async () => {
    const sleepers = await startSleepers(server.url, 4, 8);
    try {
      await waitForActiveSleepers(server.url, 4);
      const outcome = await runGate(postgresSettings(server.url, { waitMs: 1500 }), systemClock, () => undefined);

      assert.equal(outcome.verdict, 'not-now');
      assert.equal(outcome.exitCode, 75);
      assert.ok(outcome.baseline.rounds.length >= 1);
      assert.ok(outcome.baseline.rounds.every((round) => !round.isQuiet));
      assert.match(outcome.baseline.reason, /wait of 1\.5 s ran out/);
    } finally {
      await terminateSleepers(server.url);
      await sleepers.finished;
    }
  });

  test('long-running queries are counted', async () => {
    const sleepers = await startSleepers(server.url, 2, 3);
    try {
      await waitForActiveSleepers(server.url, 2);
      const probe = new PostgresProbe({ url: server.url, longQuerySeconds: 0.5, timeoutMs: 5000 });
      const outcome = await runGate(postgresSettings(server.url, { probe, thresholds: { longQueries: 0 }, samplesPerRound: 1, intervalMs: 800 }), systemClock, () => undefined);

      assert.equal(outcome.verdict, 'not-now');
      assert.equal(outcome.baseline.rounds[0]?.samples[0]?.metrics.longQueries, 2);
    } finally {
      await terminateSleepers(server.url);
      await sleepers.finished;
    }
  });

  test('transactions per second follow committed work', async () => {
    const probe = new PostgresProbe({ url: server.url, longQuerySeconds: 60, timeoutMs: 5000 });
    await probe.start();
    try {
      await withAdminClient(server.url, async (client) => {
        for (let index = 0; index < 300; index += 1) {
          await client.query('SELECT 1');
        }
      });
      // A backend flushes its counters to pg_stat_database when it exits; give that a moment.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const sample = await probe.takeSample(Date.now());

      assert.ok((sample.metrics.transactionsPerSecond ?? 0) > 50, `measured ${sample.metrics.transactionsPerSecond} transactions per second`);
    } finally {
      await probe.close();
    }
  });

  test('wrong password exits 1 and names the cause', async () => {
    const errors = mock.method(console, 'error', () => undefined);
    const logs = mock.method(console, 'log', () => undefined);
    const wrongUrl = `postgres://${server.user}:not-the-password@127.0.0.1:${server.port}/postgres`;
    try {
      const status = await main(['gate', '--postgres', wrongUrl, '--max-active', '5', '--samples', '1', '--interval-ms', '10']);
      const printed = [...errors.mock.calls, ...logs.mock.calls].map((call) => call.arguments.join(' ')).join('\n');

      assert.equal(status, 1);
      assert.match(printed, /password authentication failed/);
      assert.ok(!printed.includes('not-the-password'), 'the password is never printed');
    } finally {
      errors.mock.restore();
      logs.mock.restore();
    }
  });

  test('closed port on 127.0.0.1 exits 1', async () => {
    const errors = mock.method(console, 'error', () => undefined);
    const logs = mock.method(console, 'log', () => undefined);
    const closedPort = await findFreeLoopbackPort();
    const closedUrl = `postgres://${server.user}:${server.password}@127.0.0.1:${closedPort}/postgres`;
    try {
      const status = await main(['gate', '--postgres', closedUrl, '--max-active', '5', '--samples', '1', '--interval-ms', '10']);
      const printed = errors.mock.calls.map((call) => call.arguments.join(' ')).join('\n');

      assert.equal(status, 1);
      assert.match(printed, /connection refused/);
      assert.ok(!printed.includes(server.password));
    } finally {
      errors.mock.restore();
      logs.mock.restore();
    }
  });
});
