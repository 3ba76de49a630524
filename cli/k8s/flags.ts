// The flags of `herd k8s`, parsed and checked before any file is read.

import { parseArgs } from 'node:util';
import { HerdUserError } from '../../lib/user-error.ts';
import { isSensitiveParameterName } from '../../lib/safety/index.ts';
import { parseQuantity } from './sizing.ts';

/** Usage text of `herd k8s`. */
export const K8S_USAGE = `Usage: herd k8s [event.yaml] [options]

Writes a k6-operator TestRun and a ConfigMap holding the built script, for kubectl apply.
Nothing here contacts a cluster.

Options:
  --target URL             base URL the runners load (default: the event's target.baseUrl); must be
                           in the event's target.allow or HERD_ALLOW_HOSTS
  --scale F                multiply the event's user count by F (default 1)
  --max-iteration-seconds S
                           longest one user's bundle may take against an overloaded target; sizes
                           the scenario's maxVUs and so the runners' memory (default 30)
  --parallelism N|auto     runner pods; auto sizes them from the plan (default auto)
  --runner-cpu Q           CPU per runner, a Kubernetes quantity (default 2)
  --runner-memory Q        memory per runner, a Kubernetes quantity (default 4Gi)
  --runner-image IMAGE     k6 image for the runners (default: the operator's)
  --script FILE            built script (default dist/<event name>.js; run herd build first)
  --data FILE              extra file for the ConfigMap, next to the script (repeatable)
  --name NAME              TestRun name (default herd-<event name>)
  --namespace NS           namespace of both objects (default: the kubectl context's)
  --env K=V                environment variable for every runner (repeatable)
  --env-from-secret NAME   Secret whose keys become runner environment variables (repeatable)
  --out OUTPUT             k6 output for every runner, as in k6 run --out (repeatable)
  --cleanup post           delete the runner pods when the test finishes
  --out-dir DIR            where to write the manifest (default deploy/k8s/generated)
  --i-mean-it              allow a planned peak above the safety cap of requests/s
  -h, --help               show this text`;

/** Parsed flags of `herd k8s`. */
export interface K8sFlags {
  eventPath: string;
  targetUrl?: string;
  scale: number;
  /** Passed to the runners as HERD_MAX_ITERATION_SECONDS; sizes maxVUs. */
  maxIterationSeconds: number;
  /** A runner count, or `auto` to size it from the plan. */
  parallelism: number | 'auto';
  runnerCpu: string;
  runnerCpuCores: number;
  runnerMemory: string;
  runnerMemoryBytes: number;
  runnerImage?: string;
  scriptPath?: string;
  dataPaths: string[];
  name?: string;
  namespace?: string;
  env: Array<{ name: string; value: string }>;
  envFromSecrets: string[];
  outputs: string[];
  cleanup?: 'post';
  outDir: string;
  rateCapOverridden: boolean;
  help: boolean;
}

/** Environment variables that `herd k8s` sets itself from its flags. */
export const RESERVED_ENV_NAMES = ['HERD_TARGET', 'HERD_SCALE', 'HERD_ALLOW_HOSTS', 'HERD_MAX_ITERATION_SECONDS'];

/** Default of --max-iteration-seconds, the same as the live-event scenario's default for HERD_MAX_ITERATION_SECONDS. */
export const DEFAULT_MAX_ITERATION_SECONDS = 30;

const DEFAULT_EVENT_PATH = 'scenarios/live-event.yaml';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PARALLELISM = 10000;

/**
 * Longest TestRun name accepted. The operator names Jobs and pods after the TestRun with
 * suffixes such as `-initializer` and `-<index>`, and a Job name must also fit in a 63-character
 * label value. NOTE: 50 leaves room for the suffixes seen in k6 operator v1.6.0; not checked
 * against every operator version.
 */
export const MAX_TESTRUN_NAME_LENGTH = 50;

/** Parses `herd k8s` arguments. Throws HerdUserError with exit status 2 for any invalid flag. */
export function parseK8sFlags(args: string[]): K8sFlags {
  const { values, positionals } = parseFlagsOrThrow(args);
  if (positionals.length > 1) {
    throw usageError(`expected at most one event file, got ${positionals.length}: ${positionals.join(' ')}`);
  }

  const runnerCpu = values['runner-cpu'] ?? '2';
  const runnerMemory = values['runner-memory'] ?? '4Gi';
  const flags: K8sFlags = {
    eventPath: positionals[0] ?? DEFAULT_EVENT_PATH,
    targetUrl: values.target,
    scale: parsePositiveNumber('--scale', values.scale, 1),
    maxIterationSeconds: parsePositiveNumber('--max-iteration-seconds', values['max-iteration-seconds'], DEFAULT_MAX_ITERATION_SECONDS),
    parallelism: parseParallelism(values.parallelism),
    runnerCpu,
    runnerCpuCores: parseQuantity(runnerCpu, '--runner-cpu'),
    runnerMemory,
    runnerMemoryBytes: parseQuantity(runnerMemory, '--runner-memory'),
    runnerImage: values['runner-image'],
    scriptPath: values.script,
    dataPaths: values.data ?? [],
    name: values.name,
    namespace: values.namespace,
    env: (values.env ?? []).map(parseEnvPair),
    envFromSecrets: (values['env-from-secret'] ?? []).map(checkSecretName),
    outputs: (values.out ?? []).map(checkOutput),
    cleanup: parseCleanup(values.cleanup),
    outDir: values['out-dir'] ?? 'deploy/k8s/generated',
    rateCapOverridden: values['i-mean-it'] ?? false,
    help: values.help ?? false,
  };
  if (flags.name !== undefined) {
    checkTestRunName(flags.name, '--name');
  }
  if (flags.namespace !== undefined) {
    checkDnsName(flags.namespace, '--namespace', 63);
  }
  checkDuplicateEnv(flags.env);
  return flags;
}

/** Checks a TestRun name: an RFC 1123 label of at most MAX_TESTRUN_NAME_LENGTH characters. */
export function checkTestRunName(name: string, source: string): string {
  if (name.length > MAX_TESTRUN_NAME_LENGTH) {
    throw usageError(`${source} "${name}" is ${name.length} characters long; at most ${MAX_TESTRUN_NAME_LENGTH} leave room for the names the operator derives from it.`);
  }
  return checkDnsName(name, source, MAX_TESTRUN_NAME_LENGTH);
}

function parseFlagsOrThrow(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        target: { type: 'string' },
        scale: { type: 'string' },
        'max-iteration-seconds': { type: 'string' },
        parallelism: { type: 'string' },
        'runner-cpu': { type: 'string' },
        'runner-memory': { type: 'string' },
        'runner-image': { type: 'string' },
        script: { type: 'string' },
        data: { type: 'string', multiple: true },
        name: { type: 'string' },
        namespace: { type: 'string' },
        env: { type: 'string', multiple: true },
        'env-from-secret': { type: 'string', multiple: true },
        out: { type: 'string', multiple: true },
        cleanup: { type: 'string' },
        'out-dir': { type: 'string' },
        'i-mean-it': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw usageError(`${error.message}. Run herd k8s --help for the options.`);
    }
    throw error;
  }
}

function parsePositiveNumber(flag: string, text: string | undefined, defaultValue: number): number {
  if (text === undefined) {
    return defaultValue;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw usageError(`${flag} "${text}" is invalid; expected a number greater than 0, such as 0.5 or 2.`);
  }
  return value;
}

function parseParallelism(text: string | undefined): number | 'auto' {
  if (text === undefined || text === 'auto') {
    return 'auto';
  }
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_PARALLELISM) {
    throw usageError(`--parallelism "${text}" is invalid; expected auto or a whole number from 1 to ${MAX_PARALLELISM}.`);
  }
  return Number(text);
}

function parseCleanup(text: string | undefined): 'post' | undefined {
  if (text === undefined) {
    return undefined;
  }
  if (text !== 'post') {
    throw usageError(`--cleanup "${text}" is invalid; the k6 operator supports only "post" (delete the pods after the test).`);
  }
  return 'post';
}

function parseEnvPair(pair: string): { name: string; value: string } {
  const equals = pair.indexOf('=');
  const name = equals === -1 ? pair : pair.slice(0, equals);
  if (equals === -1 || !ENV_NAME.test(name)) {
    throw usageError(`--env "${pair}" is invalid; expected NAME=VALUE with a name of letters, digits and _, such as --env REGION=eu.`);
  }
  if (RESERVED_ENV_NAMES.indexOf(name) !== -1) {
    throw usageError(`--env ${name} is set by herd k8s itself; use --target, --scale and --max-iteration-seconds, and list extra hosts in the event's target.allow.`);
  }
  if (isSensitiveParameterName(name)) {
    throw usageError(
      `--env ${name} looks like a credential, and TestRun environment values are stored in plain text. Put it in a Secret and pass --env-from-secret SECRET_NAME.`,
    );
  }
  return { name, value: pair.slice(equals + 1) };
}

function checkDuplicateEnv(env: Array<{ name: string }>): void {
  const seen = new Set<string>();
  for (const { name } of env) {
    if (seen.has(name)) {
      throw usageError(`--env ${name} is given twice; keep one.`);
    }
    seen.add(name);
  }
}

function checkOutput(output: string): string {
  // The operator appends `arguments` to the k6 command line split at spaces, so a value cannot contain any.
  if (output === '' || /[\s'"]/.test(output)) {
    throw usageError(`--out "${output}" is invalid; expected one k6 output without spaces or quotes, such as experimental-prometheus-rw.`);
  }
  return output;
}

function checkDnsName(name: string, source: string, maxLength: number): string {
  if (name.length > maxLength || !DNS_LABEL.test(name)) {
    throw usageError(`${source} "${name}" is invalid; expected lowercase letters, digits and -, starting and ending with a letter or digit, at most ${maxLength} characters.`);
  }
  return name;
}

function checkSecretName(name: string): string {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw usageError(`--env-from-secret "${name}" is invalid; expected a Secret name of lowercase letters, digits, - and ., at most 253 characters.`);
  }
  return name;
}

function usageError(message: string): HerdUserError {
  return new HerdUserError('K8S_FLAG_INVALID', message, 2);
}
