import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadEvent } from '../lib/event/index.ts';
import { ALLOW_HOSTS_ENV_VAR, assertRateWithinCap, assertTargetAllowed, isLoopbackParsedHost, splitAllowHosts } from '../lib/safety/index.ts';
import { HerdUserError } from '../lib/user-error.ts';
import { chooseEngine, type EngineChoice } from './herd-test/engine-choice.ts';
import { formatFolderTime, readGitRevision, readHostName, type RunInfo } from './herd-test/run-info.ts';
import { startReferenceTarget, type TargetHandle, type TargetTimerLag } from './herd-test/reference-target.ts';
import { checkPrediction, formatPredictionCheck } from './herd-test/prediction-check.ts';
import { assertTargetReachable } from './herd-test/target-preflight.ts';
import { profiles, type TargetProfile } from '../target/profiles.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const herdCliPath = join(projectRoot, 'bin', 'herd.js');

const usage = `Usage: herd herd-test [event.yaml] [options]

Plans, builds and runs an event against a target, then writes results/<UTC time>-<event>/.

Options:
  --scale F           multiply the event's user count by F (default 1; make herd-test uses 0.04)
  --target URL        send the load to this base URL instead of starting the reference backend
  --profile NAME      reference backend profile: legacy or high-concurrency (default legacy)
  --servers N         reference backend servers, 17 workers each in the legacy profile (default 1)
  --workers-per-server N  reference backend workers per server (default: the profile's, 17 for legacy)
  --queue-timeout-ms N    reference backend proxy queue timeout in ms (default: the profile's, 5000)
  --k6 PATH           run with this k6 binary (default: k6 on PATH, else the built-in engine)
  --gate              run \`herd gate\` first with the arguments in HERD_GATE_ARGS; exit 75 when it says not now
  --i-mean-it         allow a planned peak above 1,000 requests/s against a target that is not on loopback
  --results-dir DIR   parent folder for the run folder (default results)
  --quiet             no progress output from the engine
`;

interface HerdTestOptions {
  eventPath: string;
  scale: number;
  targetUrl: string | undefined;
  profile: string;
  servers: number;
  workersPerServer: number | undefined;
  queueTimeoutMs: number | undefined;
  k6: string | undefined;
  gate: boolean;
  rateCapOverridden: boolean;
  resultsRoot: string;
  quiet: boolean;
}

function parsePositiveNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new HerdUserError('BAD_FLAG', `${flag} must be a positive number, got "${text}".`, 2);
  }
  return value;
}

function parseWholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = parsePositiveNumber(flag, text, 0);
  if (!Number.isInteger(value)) {
    throw new HerdUserError('BAD_FLAG', `${flag} must be a whole number, got "${text}".`, 2);
  }
  return value;
}

function parseOptions(args: string[]): HerdTestOptions | undefined {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      scale: { type: 'string' },
      target: { type: 'string' },
      profile: { type: 'string', default: 'legacy' },
      servers: { type: 'string' },
      'workers-per-server': { type: 'string' },
      'queue-timeout-ms': { type: 'string' },
      k6: { type: 'string' },
      gate: { type: 'boolean', default: false },
      'i-mean-it': { type: 'boolean', default: false },
      'results-dir': { type: 'string', default: 'results' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  if (positionals.length > 1) {
    throw new HerdUserError('BAD_FLAG', `herd-test takes one event file, got ${positionals.length}: ${positionals.join(', ')}.`, 2);
  }
  const servers = parseWholeNumber('--servers', values.servers) ?? 1;
  const workersPerServer = parseWholeNumber('--workers-per-server', values['workers-per-server']);
  const queueTimeoutMs = parseWholeNumber('--queue-timeout-ms', values['queue-timeout-ms']);
  return {
    eventPath: resolve(positionals[0] ?? join(projectRoot, 'scenarios', 'live-event.yaml')),
    scale: parsePositiveNumber('--scale', values.scale, 1),
    targetUrl: values.target,
    profile: values.profile,
    servers,
    workersPerServer,
    queueTimeoutMs,
    k6: values.k6 ?? process.env.K6,
    gate: values.gate || process.env.GATE === '1',
    rateCapOverridden: values['i-mean-it'],
    resultsRoot: resolve(values['results-dir']),
    quiet: values.quiet,
  };
}

/** Finds the scenario script that imports this event file: same folder, same name, `.ts`. */
function scenarioEntryFor(eventPath: string): string {
  if (!existsSync(eventPath)) {
    throw new HerdUserError('EVENT_NOT_FOUND', `event file ${eventPath} does not exist. Pass the path of an event YAML file, for example scenarios/live-event.yaml.`);
  }
  const entry = join(dirname(eventPath), `${basename(eventPath, extname(eventPath))}.ts`);
  if (!existsSync(entry)) {
    throw new HerdUserError('SCENARIO_NOT_FOUND', `no scenario script ${entry} imports event file ${eventPath}. Each event needs a scenario beside it with the same name and a .ts ending (copy scenarios/live-event.ts).`);
  }
  return entry;
}

/** Runs a herd CLI subcommand as a child process and returns its exit status. */
function runHerdStep(args: string[]): number {
  const result = spawnSync(process.execPath, [herdCliPath, ...args], { stdio: 'inherit' });
  return result.status ?? 1;
}

export async function runCommand(args: string[]): Promise<number> {
  const options = parseOptions(args);
  if (options === undefined) return 0;

  const entry = scenarioEntryFor(options.eventPath);
  // A remote target must be allowed, and its planned peak stays under the cap unless --i-mean-it.
  // Loopback targets run on this machine, so neither check applies to them.
  let isRemoteTarget = false;
  if (options.targetUrl !== undefined) {
    const event = loadEvent(options.eventPath);
    const allowHosts = [...(event.target?.allow ?? []), ...splitAllowHosts(process.env[ALLOW_HOSTS_ENV_VAR])];
    const target = assertTargetAllowed(options.targetUrl, { allowHosts, source: '--target' });
    isRemoteTarget = !isLoopbackParsedHost(target.host);
    await assertTargetReachable(options.targetUrl);
  }
  // A broken --k6 is found before anything is planned or written.
  const engine = chooseEngine(options.k6, herdCliPath);
  const scenarioName = basename(entry, '.ts');
  const startedAt = new Date();
  const runDir = join(options.resultsRoot, `${formatFolderTime(startedAt)}-${scenarioName}`);
  if (existsSync(options.resultsRoot) && !statSync(options.resultsRoot).isDirectory()) {
    throw new HerdUserError('BAD_FLAG', `--results-dir ${options.resultsRoot} is a file, not a folder. Name a folder for the run folders, such as results.`);
  }
  mkdirSync(runDir, { recursive: true });

  if (options.gate) {
    const gateArgs = (process.env.HERD_GATE_ARGS ?? '').split(/\s+/).filter((word) => word !== '');
    const gateStatus = runHerdStep(['gate', ...gateArgs, '--baseline-out', join(runDir, 'gate-baseline.json')]);
    if (gateStatus !== 0) {
      console.error(`herd-test: the database gate returned ${gateStatus === 75 ? 'not now (75)' : `exit status ${gateStatus}`}; the herd test did not start. Its measurements are in ${runDir}.`);
      return gateStatus;
    }
  }

  const outDir = join(projectRoot, 'dist');
  const buildStatus = runHerdStep(['build', entry, '--out-dir', outDir]);
  if (buildStatus !== 0) return buildStatus;
  const scriptPath = join(outDir, `${scenarioName}.js`);

  const planStatus = runHerdStep(['plan', options.eventPath, '--scale', String(options.scale), '--servers', String(options.servers), '--profile', options.profile,
    ...(options.workersPerServer === undefined ? [] : ['--concurrency-per-server', String(options.workersPerServer)]),
    ...(options.queueTimeoutMs === undefined ? [] : ['--queue-timeout-ms', String(options.queueTimeoutMs)]),
    // The run itself takes far longer than its simulation, so the prediction is always worth having.
    ...(options.targetUrl === undefined ? ['--simulate'] : []), '--no-chart', '--json', join(runDir, 'plan.json')]);
  if (planStatus !== 0) {
    console.error('herd-test: planning failed, so plan.json is missing; the run goes on.');
  } else if (isRemoteTarget) {
    try {
      assertRateWithinCap(readPlannedPeakRequestsPerSecond(join(runDir, 'plan.json')), { overridden: options.rateCapOverridden });
    } catch (error) {
      // Nothing was sent, so a folder holding only the plan would pass for an empty run.
      rmSync(runDir, { recursive: true, force: true });
      throw error;
    }
  }

  const target = options.targetUrl === undefined
    ? await startReferenceTarget({
      profile: options.profile,
      servers: options.servers,
      workersPerServer: options.workersPerServer,
      queueTimeoutMs: options.queueTimeoutMs,
      metricsCsvPath: join(runDir, 'target-metrics.csv'),
    })
    : undefined;
  const targetUrl = target?.url ?? options.targetUrl ?? '';
  const runInfo: RunInfo = {
    scenario: scenarioName,
    eventFile: options.eventPath,
    engine: { kind: engine.kind, version: engine.version },
    target: target === undefined
      ? { url: targetUrl, kind: 'external' }
      : {
        url: targetUrl,
        kind: 'reference',
        profile: options.profile,
        servers: options.servers,
        workersPerServer: options.workersPerServer ?? profiles[options.profile]?.workersPerServer,
        queueTimeoutMs: options.queueTimeoutMs ?? profiles[options.profile]?.queueTimeoutMs,
      },
    scale: options.scale,
    gitRevision: readGitRevision(projectRoot),
    host: readHostName(),
    startedAtUtc: startedAt.toISOString(),
    endedAtUtc: null,
    exitCode: null,
  };
  writeRunInfo(runDir, runInfo);

  console.log(`herd-test: ${scenarioName} at scale ${options.scale} with ${engine.kind === 'k6' ? engine.version : 'the built-in engine'} against ${targetUrl}; results in ${runDir}`);
  const outcome = await runEngine(engine, scriptPath, runDir, targetUrl, options).finally(() => {
    if (target !== undefined) runInfo.target.timerLag = target.timerLag();
    return stopTarget(target);
  });
  warnIfTargetLagged(runInfo.target.timerLag);

  runInfo.endedAtUtc = new Date().toISOString();
  runInfo.exitCode = outcome.exitCode;
  if (outcome.interruption !== undefined) runInfo.interruption = outcome.interruption;
  writeRunInfo(runDir, runInfo);
  if (target !== undefined) await comparePrediction(runDir, options, runInfo.target.timerLag ?? null);

  const reportStatus = runHerdStep(['report', runDir]);
  if (reportStatus !== 0) console.error(`herd-test: building the report failed (exit ${reportStatus}); the raw results are in ${runDir}.`);
  console.log(`herd-test: results written to ${runDir}`);
  return outcome.exitCode;
}

/** Prints and writes the run beside its simulation; a failure here costs the comparison, never the run's results. */
async function comparePrediction(runDir: string, options: HerdTestOptions, targetTimerLag: TargetTimerLag | null): Promise<void> {
  const baseProfile = profiles[options.profile];
  if (baseProfile === undefined) return;
  const profile: TargetProfile = {
    ...baseProfile,
    ...(options.workersPerServer === undefined ? {} : { workersPerServer: options.workersPerServer }),
    ...(options.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: options.queueTimeoutMs }),
  };
  try {
    const check = await checkPrediction({ runDir, eventPath: options.eventPath, scale: options.scale, servers: options.servers, profile, targetTimerLag });
    if (check !== undefined) console.log(formatPredictionCheck(check));
  } catch (error) {
    console.error(`herd-test: comparing the run with its prediction failed, so prediction-check.json is missing: ${(error as Error).message}`);
  }
}

// Most legacy service times are 20 to 150 ms, so a mean lag above 5 ms shifts them by a tenth or more.
const TIMER_LAG_WARNING_MS = 5;

/**
 * Warns when the reference backend's hold timers fired late. A late timer delays a response and
 * lets the queue's timeout win races it should lose. The run may then measure more 503s than the
 * plan's simulation, which assumes punctual timers, so the gap is the machine's, not the model's.
 */
function warnIfTargetLagged(timerLag: TargetTimerLag | undefined): void {
  if (timerLag === undefined || timerLag.meanMs <= TIMER_LAG_WARNING_MS) return;
  console.error(
    `herd-test: the reference backend's timers fired ${timerLag.meanMs.toFixed(1)} ms late on average (at most ${timerLag.maxMs.toFixed(0)} ms) because the machine was busy, ` +
      'so this run may measure more 503s than plan.json predicts. Run with fewer other processes for a closer comparison.',
  );
}

function readPlannedPeakRequestsPerSecond(planPath: string): number {
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as { total?: { peakRequestsPerSecond?: number } };
  return plan.total?.peakRequestsPerSecond ?? Number.NaN;
}

function writeRunInfo(runDir: string, runInfo: RunInfo): void {
  const baselinePath = join(runDir, 'gate-baseline.json');
  if (existsSync(baselinePath) && runInfo.gateBaseline === undefined) {
    runInfo.gateBaseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as unknown;
  }
  writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(runInfo, null, 2)}\n`);
}

async function stopTarget(target: TargetHandle | undefined): Promise<void> {
  if (target !== undefined) await target.close();
}

interface EngineOutcome {
  exitCode: number;
  interruption?: string;
}

/**
 * Runs the engine as a child process in its own process group. A Ctrl-C then reaches it once,
 * forwarded by this process, so it stops gracefully and still writes its summary. A second
 * Ctrl-C is forwarded too and stops it at once, as in k6.
 */
function runEngine(engine: EngineChoice, scriptPath: string, runDir: string, targetUrl: string, options: HerdTestOptions): Promise<EngineOutcome> {
  const runArgs = [
    ...engine.leadingArgs,
    'run',
    '-e', `HERD_TARGET=${targetUrl}`,
    '-e', `HERD_SCALE=${options.scale}`,
    '-e', `HERD_RESULTS_DIR=${runDir}`,
    '--out', `csv=${join(runDir, 'samples.csv')}`,
    ...(options.quiet ? ['--quiet'] : []),
    scriptPath,
  ];
  const child = spawn(engine.command, runArgs, { stdio: 'inherit', detached: true });
  let interruption: string | undefined;
  const forward = (signal: NodeJS.Signals): void => {
    interruption = `stopped by ${signal}`;
    if (child.pid !== undefined) process.kill(child.pid, signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);

  return new Promise((resolvePromise) => {
    child.on('error', (error) => {
      interruption = `the engine could not start: ${error.message}`;
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (signal !== null && interruption === undefined) interruption = `the engine was killed by ${signal}`;
      resolvePromise({ exitCode: code ?? 1, ...(interruption === undefined ? {} : { interruption }) });
    });
  });
}
