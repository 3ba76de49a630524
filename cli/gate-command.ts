import { parseArgs } from 'node:util';

import { HerdUserError } from '../lib/user-error.ts';
import { writeBaseline } from './gate/baseline.ts';
import { createShiftedClock, systemClock } from './gate/clock.ts';
import { CommandProbe } from './gate/command-probe.ts';
import { parseDurationMs } from './gate/duration.ts';
import type { Thresholds } from './gate/hysteresis.ts';
import { PostgresProbe } from './gate/postgres-probe.ts';
import type { LoadProbe } from './gate/probe.ts';
import { PrometheusProbe } from './gate/prometheus-probe.ts';
import { runGate } from './gate/run-gate.ts';
import type { GateSettings } from './gate/run-gate.ts';
import { parseCronWindow, parseDailyWindow } from './gate/window.ts';
import type { QuietWindow } from './gate/window.ts';

const USAGE = `Usage: herd gate [window] [probe] [thresholds] [sampling] [--baseline-out FILE]

Decides whether a herd test may start now. Exit status: 0 go, 75 not now (outside the
window, or the database stayed busy until --wait ran out), 1 the probe or a flag failed.

Window (omit for any time):
  --window HH:MM-HH:MM       daily quiet window on the local wall clock; may cross midnight (22:00-04:00)
  --cron "EXPR"              quiet window that opens each time the cron expression fires (env:NAME reads it from NAME)
  --cron-slack-minutes N     how long a cron window stays open, in minutes (default 60)
  --tz ZONE                  IANA time zone of the window (default UTC)

Probe (at most one; omit to check only the window; no probe has a default host).
A value written env:NAME is read from the environment variable NAME, which keeps secrets off the command line:
  --postgres URL             PostgreSQL: active backends, transactions per second, long-running queries
  --prometheus URL --query Q Prometheus instant query that returns one number
  --command "CMD"            shell command that prints one number

Thresholds (a probe needs at least one; a sample at or under the maximum is quiet):
  --max-active N             maximum active client backends (PostgreSQL)
  --max-tps N                maximum transactions per second (PostgreSQL)
  --max-long-queries N       maximum queries active longer than --long-query-seconds (PostgreSQL)
  --long-query-seconds S     age at which an active query counts as long-running (default 60)
  --max-value N              maximum of the Prometheus or command value
  --resume-fraction F        after a busy round, go only at or under F × each maximum (default 0.8)

Sampling:
  --samples N                samples per round (default 5)
  --interval-ms N            pause before each sample, in ms (default 1000)
  --wait DURATION            keep re-sampling a busy database this long, e.g. 10m (default 0: one round)
  --timeout-ms N             limit for one probe connection, query or command, in ms (default 10000)

Output:
  --baseline-out FILE        write what was measured (times, samples, thresholds, verdict) as JSON
  --now ISO                  judge the window as if the time were ISO (for tests and dry runs)`;

const OPTIONS = {
  window: { type: 'string' },
  tz: { type: 'string', default: 'UTC' },
  cron: { type: 'string' },
  'cron-slack-minutes': { type: 'string', default: '60' },
  postgres: { type: 'string' },
  prometheus: { type: 'string' },
  query: { type: 'string' },
  command: { type: 'string' },
  'max-active': { type: 'string' },
  'max-tps': { type: 'string' },
  'max-long-queries': { type: 'string' },
  'long-query-seconds': { type: 'string', default: '60' },
  'max-value': { type: 'string' },
  'resume-fraction': { type: 'string', default: '0.8' },
  samples: { type: 'string', default: '5' },
  'interval-ms': { type: 'string', default: '1000' },
  wait: { type: 'string', default: '0s' },
  'timeout-ms': { type: 'string', default: '10000' },
  'baseline-out': { type: 'string' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type GateFlags = ReturnType<typeof parseFlags>;

function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HerdUserError('GATE_FLAG_INVALID', `${reason}\n\n${USAGE}`);
  }
}

/** Runs `herd gate` and returns 0 (go), 75 (not now) or 1 (probe failed). Invalid flags throw a `HerdUserError` (exit 1). */
export async function runCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args);
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }

  const settings = buildSettings(flags);
  const clock = flags.now === undefined ? systemClock : createShiftedClock(parseNowMs(flags.now));
  const outcome = await runGate(settings, clock, (sentence) => console.log(sentence));
  if (flags['baseline-out'] !== undefined) {
    writeBaseline(flags['baseline-out'], outcome.baseline);
    console.log(`Wrote the gate baseline to ${flags['baseline-out']}.`);
  }
  if (outcome.verdict === 'probe-failed') {
    console.error(`herd gate: ${outcome.baseline.reason}`);
  }
  return outcome.exitCode;
}

function buildSettings(flags: GateFlags): GateSettings {
  const thresholds = readThresholds(flags);
  const probe = buildProbe(flags);
  assertThresholdsFitProbe(probe, thresholds);
  return {
    window: buildWindow(flags),
    probe,
    thresholds,
    resumeFraction: readFraction(flags['resume-fraction']),
    samplesPerRound: readNumber('--samples', flags.samples, { integer: true, minimum: 1 }),
    intervalMs: readNumber('--interval-ms', flags['interval-ms'], { integer: true, minimum: 1 }),
    waitMs: parseDurationMs(flags.wait, '--wait'),
  };
}

function buildWindow(flags: GateFlags): QuietWindow | undefined {
  // A cron expression contains spaces, so HERD_GATE_ARGS (split on whitespace) can carry it only as env:NAME.
  const cron = resolveEnvReference('--cron', flags.cron);
  if (flags.window !== undefined && cron !== undefined) {
    throw new HerdUserError('GATE_FLAG_INVALID', 'Give either --window or --cron, not both.');
  }
  if (flags.window !== undefined) {
    return parseDailyWindow(flags.window, flags.tz);
  }
  if (cron !== undefined) {
    return parseCronWindow(cron, readNumber('--cron-slack-minutes', flags['cron-slack-minutes'], { minimum: 0 }), flags.tz);
  }
  return undefined;
}

/**
 * Reads `env:NAME` as the value of the environment variable NAME, so a secret URL stays out of the command line
 * (where `ps` shows it) and out of HERD_GATE_ARGS. Any other text comes back unchanged.
 */
function resolveEnvReference(flag: string, value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith('env:')) {
    return value;
  }
  const name = value.slice('env:'.length);
  const resolved = process.env[name];
  if (resolved === undefined || resolved.trim() === '') {
    throw new HerdUserError('GATE_FLAG_INVALID', `${flag} ${value}: the environment variable ${name} is not set or empty; set it (for example from a CI secret) or pass the value itself.`);
  }
  return resolved;
}

function buildProbe(rawFlags: GateFlags): LoadProbe | undefined {
  const flags = {
    ...rawFlags,
    postgres: resolveEnvReference('--postgres', rawFlags.postgres),
    prometheus: resolveEnvReference('--prometheus', rawFlags.prometheus),
    query: resolveEnvReference('--query', rawFlags.query),
    command: resolveEnvReference('--command', rawFlags.command),
  };
  const given = [flags.postgres, flags.prometheus, flags.command].filter((value) => value !== undefined);
  if (given.length > 1) {
    throw new HerdUserError('GATE_FLAG_INVALID', 'Give at most one probe: --postgres, --prometheus or --command.');
  }
  if (flags.query !== undefined && flags.prometheus === undefined) {
    throw new HerdUserError('GATE_FLAG_INVALID', '--query needs --prometheus URL.');
  }
  const timeoutMs = readNumber('--timeout-ms', flags['timeout-ms'], { integer: true, minimum: 1 });
  if (flags.postgres !== undefined) {
    const longQuerySeconds = readNumber('--long-query-seconds', flags['long-query-seconds'], { minimum: 0 });
    return new PostgresProbe({ url: flags.postgres, longQuerySeconds, timeoutMs });
  }
  if (flags.prometheus !== undefined) {
    if (flags.query === undefined || flags.query.trim() === '') {
      throw new HerdUserError('GATE_FLAG_INVALID', '--prometheus needs --query with a PromQL expression that returns one number.');
    }
    return new PrometheusProbe({ url: flags.prometheus, query: flags.query, timeoutMs });
  }
  if (flags.command !== undefined) {
    return new CommandProbe({ command: flags.command, timeoutMs });
  }
  return undefined;
}

function readThresholds(flags: GateFlags): Thresholds {
  const thresholds: Thresholds = {};
  const entries = [
    ['--max-active', 'activeBackends', flags['max-active']],
    ['--max-tps', 'transactionsPerSecond', flags['max-tps']],
    ['--max-long-queries', 'longQueries', flags['max-long-queries']],
    ['--max-value', 'value', flags['max-value']],
  ] as const;
  for (const [flag, metric, text] of entries) {
    if (text !== undefined) {
      thresholds[metric] = readNumber(flag, text, { minimum: 0 });
    }
  }
  return thresholds;
}

function assertThresholdsFitProbe(probe: LoadProbe | undefined, thresholds: Thresholds): void {
  const names = Object.keys(thresholds);
  if (probe === undefined) {
    if (names.length > 0) {
      throw new HerdUserError('GATE_FLAG_INVALID', 'A --max-… threshold was given without a probe: add --postgres, --prometheus or --command.');
    }
    return;
  }
  const postgresMetrics = ['activeBackends', 'transactionsPerSecond', 'longQueries'];
  const fitting = probe.kind === 'postgres' ? names.filter((name) => postgresMetrics.includes(name)) : names.filter((name) => name === 'value');
  if (fitting.length !== names.length || fitting.length === 0) {
    const expected = probe.kind === 'postgres' ? 'at least one of --max-active, --max-tps and --max-long-queries (and not --max-value)' : '--max-value (the --max-active, --max-tps and --max-long-queries thresholds are for --postgres)';
    throw new HerdUserError('GATE_FLAG_INVALID', `The ${probe.kind} probe needs ${expected}.`);
  }
}

function readNumber(flag: string, text: string, rules: { integer?: boolean; minimum: number }): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < rules.minimum || (rules.integer === true && !Number.isInteger(value))) {
    const kind = rules.integer === true ? 'an integer' : 'a number';
    throw new HerdUserError('GATE_FLAG_INVALID', `${flag} "${text}" is invalid: give ${kind} of at least ${rules.minimum}.`);
  }
  return value;
}

function readFraction(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new HerdUserError('GATE_FLAG_INVALID', `--resume-fraction "${text}" is invalid: give a number above 0 and at most 1, for example 0.8.`);
  }
  return value;
}

function parseNowMs(text: string): number {
  const value = Date.parse(text);
  if (Number.isNaN(value)) {
    throw new HerdUserError('GATE_FLAG_INVALID', `--now "${text}" is not an ISO 8601 time: write for example 2026-03-29T00:30:00Z.`);
  }
  return value;
}
