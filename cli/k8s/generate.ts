// From flags to manifests: load the event, check the target and the rate, size the runners.

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadEvent } from '../../lib/event/index.ts';
import type { LoadedEvent } from '../../lib/event/types.ts';
import { ALLOW_HOSTS_ENV_VAR, assertAllowListValid, assertRateWithinCap, assertTargetAllowed, isLoopbackParsedHost, splitAllowHosts } from '../../lib/safety/index.ts';
import type { ParsedTarget } from '../../lib/safety/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';
import { checkTestRunName } from './flags.ts';
import type { K8sFlags } from './flags.ts';
import { buildScriptConfigMap, buildTestRun, renderManifests } from './manifests.ts';
import type { KubernetesObject, ScriptFile, TestRunSettings } from './manifests.ts';
import { computeEventPeakLoad } from './peak-load.ts';
import type { EventPeakLoad } from './peak-load.ts';
import { chooseParallelism, computeRunnerCapacity } from './sizing.ts';
import type { ParallelismChoice } from './sizing.ts';

/** Everything `herd k8s` produced, for printing and for tests. */
export interface K8sGeneration {
  settings: TestRunSettings;
  targetUrl: string;
  objects: KubernetesObject[];
  yaml: string;
  /** Output path of the YAML: `<out-dir>/<name>.yaml`. */
  manifestPath: string;
  peak: EventPeakLoad;
  /** The sizing from the plan; when `--parallelism N` was given, what auto would have chosen. */
  sizing: ParallelismChoice;
  warnings: string[];
}

/**
 * Builds the ConfigMap and TestRun for `flags`, reading the event, the built script and data
 * files. `environment` supplies `HERD_ALLOW_HOSTS`. Writes nothing. Throws HerdUserError for a
 * target that is loopback or not allowed, a peak above the rate cap without `--i-mean-it`, or a
 * missing script.
 */
export function generateK8sManifests(flags: K8sFlags, environment: Record<string, string | undefined>): K8sGeneration {
  const event = loadEvent(flags.eventPath);
  const { targetUrl, target } = checkTarget(flags, event, environment);
  const peak = computeEventPeakLoad(event, flags.scale, flags.maxIterationSeconds);
  assertRateWithinCap(peak.requestsPerSecond, { overridden: flags.rateCapOverridden });

  // Memory is sized for maxVUs: k6 grows toward it when the target slows down, which is the moment the test is for.
  const sizing = chooseParallelism({ requestsPerSecond: peak.requestsPerSecond, vus: peak.maxVUs }, computeRunnerCapacity(flags.runnerCpuCores, flags.runnerMemoryBytes));
  const parallelism = flags.parallelism === 'auto' ? sizing.parallelism : flags.parallelism;
  const warnings = collectWarnings(flags, sizing, parallelism);

  const settings = buildTestRunSettings(flags, event, { targetUrl, target }, parallelism);
  const objects = [buildScriptConfigMap(settings), buildTestRun(settings)];
  return {
    settings,
    targetUrl,
    objects,
    yaml: renderManifests(objects),
    manifestPath: join(flags.outDir, `${settings.name}.yaml`),
    peak,
    sizing,
    warnings,
  };
}

function buildTestRunSettings(flags: K8sFlags, event: LoadedEvent, checked: { targetUrl: string; target: ParsedTarget }, parallelism: number): TestRunSettings {
  const name = flags.name ?? checkTestRunName(`herd-${event.name.replace(/_/g, '-')}`, `the name derived from the event name "${event.name}" (pass --name)`);
  const scriptPath = flags.scriptPath ?? join('dist', `${event.name}.js`);
  return {
    name,
    namespace: flags.namespace,
    parallelism,
    script: readScriptFile(scriptPath, 'script', 'run herd build first, or pass --script'),
    dataFiles: flags.dataPaths.map((path) => readScriptFile(path, 'data file', 'check the --data path')),
    runner: {
      cpu: flags.runnerCpu,
      memory: flags.runnerMemory,
      image: flags.runnerImage,
      env: [
        { name: 'HERD_TARGET', value: checked.targetUrl },
        { name: 'HERD_SCALE', value: String(flags.scale) },
        { name: 'HERD_MAX_ITERATION_SECONDS', value: String(flags.maxIterationSeconds) },
        // The script repeats the allow check inside k6; the runners need only the target's host.
        { name: ALLOW_HOSTS_ENV_VAR, value: checked.target.host.canonical },
        ...flags.env,
      ],
      envFromSecrets: flags.envFromSecrets,
    },
    arguments: buildK6Arguments(name, flags.outputs),
    cleanup: flags.cleanup,
  };
}

function checkTarget(flags: K8sFlags, event: LoadedEvent, environment: Record<string, string | undefined>): { targetUrl: string; target: ParsedTarget } {
  const targetUrl = flags.targetUrl ?? event.target?.baseUrl;
  const source = flags.targetUrl !== undefined ? '--target' : `${flags.eventPath} target.baseUrl`;
  if (targetUrl === undefined) {
    throw new HerdUserError('K8S_TARGET_MISSING', `no target: ${flags.eventPath} has no target.baseUrl; pass --target with the URL the runner pods should load.`, 2);
  }

  const eventAllowHosts = event.target?.allow ?? [];
  const environmentAllowHosts = splitAllowHosts(environment[ALLOW_HOSTS_ENV_VAR]);
  assertAllowListValid(eventAllowHosts, `${flags.eventPath} target.allow`);
  assertAllowListValid(environmentAllowHosts, ALLOW_HOSTS_ENV_VAR);
  const target = assertTargetAllowed(targetUrl, { allowHosts: [...eventAllowHosts, ...environmentAllowHosts], source });

  if (isLoopbackParsedHost(target.host)) {
    throw new HerdUserError(
      'K8S_TARGET_LOOPBACK',
      `${source} "${targetUrl}" is loopback, and inside a runner pod loopback is the pod itself. ` +
        `Pass --target with the address the pods can reach (such as http://backend.staging.svc.cluster.local:8080) and allow that host in target.allow or ${ALLOW_HOSTS_ENV_VAR}.`,
      2,
    );
  }
  return { targetUrl, target };
}

function buildK6Arguments(name: string, outputs: string[]): string[] {
  // The testid tag separates this run's samples from others in a shared output such as Prometheus.
  const args = ['--tag', `testid=${name}`];
  for (const output of outputs) {
    args.push('--out', output);
  }
  return args;
}

function collectWarnings(flags: K8sFlags, sizing: ParallelismChoice, parallelism: number): string[] {
  const warnings: string[] = [];
  if (parallelism < sizing.parallelism) {
    warnings.push(
      `--parallelism ${parallelism} is below the ${sizing.parallelism} runners the plan needs (limited by ${sizing.limitedBy}); ` +
        'overloaded runners start iterations late and report latency that the target did not cause.',
    );
  }
  if (flags.cleanup === 'post' && flags.outputs.length === 0) {
    warnings.push('--cleanup post deletes the runner pods, and their logs with them, when the test finishes, and no --out is set: collect the logs before then or add an --out.');
  }
  return warnings;
}

function readScriptFile(path: string, fileKind: string, hint: string): ScriptFile {
  if (!existsSync(path)) {
    throw new HerdUserError('K8S_FILE_NOT_FOUND', `${fileKind} ${path} not found; ${hint}.`);
  }
  const fileName = basename(path);
  if (!/^[-._a-zA-Z0-9]+$/.test(fileName)) {
    throw new HerdUserError('K8S_FLAG_INVALID', `${fileKind} name "${fileName}" cannot be a ConfigMap key; rename it to letters, digits, -, _ and . only.`, 2);
  }
  return { fileName, content: readFileSync(path) };
}
