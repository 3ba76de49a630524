import pg from 'pg';

import { HerdUserError } from '../../lib/user-error.ts';
import { maskUrlPassword, readUrlPassword, redactSecrets } from './mask-url.ts';
import type { LoadProbe, LoadSample } from './probe.ts';

/** Settings of the PostgreSQL probe. */
export interface PostgresProbeOptions {
  /** Connection URL such as `postgres://user:password@db.internal:5432/app`, which must name a host. */
  url: string;
  /** A query counts as long-running once it has been active this long (seconds). */
  longQuerySeconds: number;
  /** Limit for connecting and for each statistics query (ms). */
  timeoutMs: number;
}

interface CounterReading {
  transactions: number;
  serverEpochSeconds: number;
}

// One statement per sample, so the gate adds exactly one transaction to pg_stat_database per sample.
// Only client backends count as active: autovacuum and replication processes are not the application's load.
// NOTE: without superuser or the pg_monitor role, PostgreSQL hides the state of other users' sessions, so they do not count.
const SAMPLE_SQL = `
SELECT
  (SELECT count(*) FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid())::int AS active_backends,
  (SELECT count(*) FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()
       AND clock_timestamp() - query_start > make_interval(secs => $1::double precision))::int AS long_queries,
  (SELECT coalesce(sum(xact_commit + xact_rollback), 0) FROM pg_stat_database)::float8 AS transactions,
  extract(epoch FROM clock_timestamp())::float8 AS server_epoch_seconds`;

/** Reads active backends, transactions per second and long-running queries from a PostgreSQL server through `pg`. */
export class PostgresProbe implements LoadProbe {
  readonly kind = 'postgres';
  readonly description: string;
  readonly #options: PostgresProbeOptions;
  readonly #secrets: string[];
  #client: pg.Client | undefined;
  #lastReading: CounterReading | undefined;
  #connectionError: Error | undefined;

  constructor(options: PostgresProbeOptions) {
    assertNamesHost(options.url);
    this.#options = options;
    this.description = `PostgreSQL at ${maskUrlPassword(options.url)}`;
    const password = readUrlPassword(options.url);
    this.#secrets = [password, encodeURIComponent(password)];
  }

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.url,
      connectionTimeoutMillis: this.#options.timeoutMs,
      query_timeout: this.#options.timeoutMs,
      application_name: 'herd-gate',
    });
    // A server that drops the connection emits 'error' on the client, which would crash the process unhandled.
    // The next query then rejects, and its message names the connection error stored here.
    client.on('error', (error) => {
      this.#connectionError = error;
    });
    this.#client = client;
    try {
      await client.connect();
    } catch (error) {
      throw this.#probeError('could not connect', error);
    }
    this.#lastReading = await this.#readCounters();
  }

  async takeSample(atMs: number): Promise<LoadSample> {
    const previous = this.#lastReading;
    const row = await this.#query();
    const reading = { transactions: row.transactions, serverEpochSeconds: row.server_epoch_seconds };
    this.#lastReading = reading;

    const metrics: LoadSample['metrics'] = { activeBackends: row.active_backends, longQueries: row.long_queries };
    if (previous !== undefined) {
      const elapsedSeconds = reading.serverEpochSeconds - previous.serverEpochSeconds;
      // Subtract the one transaction of the sampling statement itself.
      const otherTransactions = Math.max(0, reading.transactions - previous.transactions - 1);
      metrics.transactionsPerSecond = elapsedSeconds > 0 ? otherTransactions / elapsedSeconds : 0;
    }
    return { atMs, metrics };
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) {
      // Ending a connection that already broke rejects, and then there is nothing left to release.
      await client.end().catch(() => undefined);
    }
  }

  async #readCounters(): Promise<CounterReading> {
    const row = await this.#query();
    return { transactions: row.transactions, serverEpochSeconds: row.server_epoch_seconds };
  }

  async #query(): Promise<{ active_backends: number; long_queries: number; transactions: number; server_epoch_seconds: number }> {
    if (this.#client === undefined) {
      throw new HerdUserError('GATE_PROBE_FAILED', `${this.description}: the probe is not connected (start() was not called or failed).`);
    }
    try {
      const result = await this.#client.query(SAMPLE_SQL, [this.#options.longQuerySeconds]);
      return result.rows[0];
    } catch (error) {
      throw this.#probeError('the statistics query failed', this.#connectionError ?? error);
    }
  }

  #probeError(what: string, error: unknown): HerdUserError {
    const reason = redactSecrets(describePgError(error), this.#secrets);
    return new HerdUserError('GATE_PROBE_FAILED', `PostgreSQL probe failed: ${what} to ${maskUrlPassword(this.#options.url)}: ${reason}.`);
  }
}

/** Rejects a URL that leaves the host to pg's defaults (PGHOST or localhost), so the gate never picks a server by itself. */
function assertNamesHost(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HerdUserError('GATE_FLAG_INVALID', '--postgres is not a URL: write postgres://USER:PASSWORD@HOST:PORT/DATABASE, or postgres:///DATABASE?host=/socket/dir&user=USER for a unix socket.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new HerdUserError('GATE_FLAG_INVALID', `--postgres ${maskUrlPassword(url)} has the scheme "${parsed.protocol}": write postgres://USER:PASSWORD@HOST:PORT/DATABASE.`);
  }
  if (parsed.hostname === '' && (parsed.searchParams.get('host') ?? '') === '') {
    throw new HerdUserError('GATE_FLAG_INVALID', `--postgres ${maskUrlPassword(url)} names no host: the gate never picks a default server, so write the host (or ?host=/socket/dir) in the URL.`);
  }
}

/** Turns a pg or socket error into a short reason that names the cause. */
function describePgError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const code = (error as { code?: unknown }).code;
  if (code === '28P01') {
    return `password authentication failed (${error.message}); check the user and password in the URL`;
  }
  if (code === 'ECONNREFUSED') {
    return `connection refused (${error.message}); check the host and port, and that the server is running`;
  }
  if (code === 'ENOTFOUND') {
    return `host not found (${error.message})`;
  }
  if (/timeout/i.test(error.message)) {
    return `timed out (${error.message})`;
  }
  return typeof code === 'string' ? `${error.message} (code ${code})` : error.message;
}
