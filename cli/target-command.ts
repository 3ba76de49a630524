// `herd target`: serves the reference target on loopback until SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import { HerdUserError } from '../lib/user-error.ts';
import { parseFaultList, profiles, startTarget, validateTargetOptions, type OptionNames, type RunningTarget, type StartTargetOptions } from '../target/index.ts';

const usage = `Usage: herd target [options]

Serves a model of the live-event stack on loopback: a proxy queue that responds 503 after a
timeout, in front of servers of serial workers with per-route latencies. Prints one line with
the URL once it listens, and runs until SIGINT (Ctrl-C) or SIGTERM.

Options:
  --port N                     TCP port; 0 picks a free one (default 0)
  --host ADDRESS               loopback address to listen on: 127.0.0.1, ::1 or localhost (default 127.0.0.1)
  --profile NAME               ${Object.keys(profiles).join(' or ')} (default legacy)
  --servers N                  modelled servers behind the proxy (default 1)
  --workers-per-server N       requests one server processes at once (default: the profile's, 17 for legacy)
  --queue-timeout-ms N         time a request may wait in the proxy queue before a 503, in ms (default 5000)
  --token-lifetime-seconds N   lifetime of issued access tokens, in seconds (default 900)
  --seed N                     seed of the service-time draws (default 1)
  --max-connections N          connections accepted at once (default 50000)
  --faults LIST                shares of worker responses replaced by a fault, for client fault tests:
                               reset=S (TCP reset), slow-body=S (body sent one byte at a time),
                               garbage=S (bytes that are not HTTP), slow-body-interval-ms=N (default 10);
                               example: --faults reset=0.01,slow-body=0.01 (default none)
  -h, --help                   print this help`;

const flagNames: OptionNames = {
  host: '--host',
  port: '--port',
  profile: '--profile',
  servers: '--servers',
  queueTimeoutMs: '--queue-timeout-ms',
  workersPerServer: '--workers-per-server',
  seed: '--seed',
  tokenLifetimeSeconds: '--token-lifetime-seconds',
  maxConnections: '--max-connections',
  faults: '--faults',
};

type NumericOption = 'port' | 'servers' | 'queueTimeoutMs' | 'workersPerServer' | 'seed' | 'tokenLifetimeSeconds' | 'maxConnections';

const numericFlags: Record<string, NumericOption> = {
  port: 'port',
  servers: 'servers',
  'queue-timeout-ms': 'queueTimeoutMs',
  'workers-per-server': 'workersPerServer',
  seed: 'seed',
  'token-lifetime-seconds': 'tokenLifetimeSeconds',
  'max-connections': 'maxConnections',
};

/** Runs `herd target`; resolves with exit status 0 after a signal has stopped the target. */
export async function runCommand(args: string[]): Promise<number> {
  const parsed = parseTargetFlags(args);
  if (parsed === 'help') {
    console.log(usage);
    return 0;
  }

  // Validate before listening so that every bad flag is reported at once, named as the user typed it.
  const problems = [...parsed.problems, ...validateTargetOptions(parsed.options, flagNames).problems];
  if (problems.length > 0) {
    throw new HerdUserError('TARGET_FLAGS_INVALID', `invalid target options:\n  ${problems.join('\n  ')}`, 2);
  }
  // The signal handlers are installed before the URL line is printed, because a supervisor may send a signal as soon as it reads that line.
  const stopSignal = listenForStopSignal();
  let target: RunningTarget;
  try {
    target = await startTarget(parsed.options);
  } catch (error) {
    stopSignal.dispose();
    throw error;
  }
  console.log(`herd target listening on ${target.url} (${describeTarget(target)}, queue timeout ${target.profile.queueTimeoutMs} ms)`);

  const faultShares = Object.entries(target.faults).filter(([name, share]) => name !== 'slowBodyByteIntervalMs' && share > 0);
  if (faultShares.length > 0) {
    console.error(`herd target injects faults into worker responses: ${faultShares.map(([name, share]) => `${name} ${share}`).join(', ')}.`);
  }

  const signal = await stopSignal.received;
  await target.close();
  const stats = target.stats();
  let responseCount = 0;
  for (const byStatus of Object.values(stats.requestsTotal)) {
    for (const count of Object.values(byStatus)) {
      responseCount += count;
    }
  }
  console.error(`herd target stopped on ${signal}: ${responseCount} responses sent, ${stats.queueTimeoutsTotal} of them 503 after the queue timeout.`);
  return 0;
}

function describeTarget(target: RunningTarget): string {
  const workers = target.profile.workersPerServer;
  const serverPart = target.servers === 1 ? `1 server, ${workers} workers` : `${target.servers} servers, ${workers} workers each`;
  return `profile ${target.profile.name}, ${serverPart}`;
}

/** Parses the flags. A numeric flag that is not a number is left out of `options` and described in `problems`. */
function parseTargetFlags(args: string[]): { options: StartTargetOptions; problems: string[] } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: attachNegativeValues(args),
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        profile: { type: 'string' },
        faults: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.keys(numericFlags).map((flag) => [flag, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new HerdUserError('TARGET_FLAGS_INVALID', `${error.message}\nRun \`herd target --help\` for the list of options.`, 2);
    }
    throw error;
  }

  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) {
    return 'help';
  }

  const options: StartTargetOptions = {};
  if (typeof values.host === 'string') {
    options.host = values.host;
  }
  if (typeof values.profile === 'string') {
    options.profile = values.profile;
  }

  const problems: string[] = [];
  if (typeof values.faults === 'string') {
    const parsedFaults = parseFaultList(values.faults);
    options.faults = parsedFaults.faults;
    problems.push(...parsedFaults.problems);
  }
  for (const [flag, option] of Object.entries(numericFlags)) {
    const text = values[flag];
    if (typeof text !== 'string') {
      continue;
    }
    const value = parseDecimal(text);
    if (value === undefined) {
      problems.push(`--${flag} must be a number, got "${text}".`);
    } else {
      options[option] = value;
    }
  }
  return { options, problems };
}

/**
 * Joins `--servers -1` into `--servers=-1`. parseArgs reads a value that starts with a dash as a
 * missing value, but the error message should state that -1 is out of range.
 */
function attachNegativeValues(args: string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    const next = args[index + 1];
    if (arg.startsWith('--') && arg.slice(2) in numericFlags && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Parses a plain decimal such as `17`, `-1` or `0.5`; returns undefined for anything else, including `1e3` and `0x10`. */
function parseDecimal(text: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : undefined;
}

/** Starts listening for SIGINT and SIGTERM; `received` resolves with the first one, and `dispose` stops listening. */
function listenForStopSignal(): { received: Promise<NodeJS.Signals>; dispose: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const dispose = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      dispose();
      resolve(signal);
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { received, dispose };
}
