import { readFileSync } from 'node:fs';
import { isHerdUserError } from '../lib/user-error.ts';

/** A subcommand module: parses its own arguments and returns the process exit status. */
export interface CommandModule {
  runCommand(args: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

// Subcommands load lazily so that `herd target` does not pay for esbuild or the engine.
const commands: Record<string, CommandEntry> = {
  run: { summary: 'run a k6 script with the built-in engine (flags as `k6 run`)', load: () => import('./run-command.ts') },
  target: { summary: 'serve the reference backend on loopback', load: () => import('./target-command.ts') },
  plan: { summary: 'plan an event: arrival curve, stages, VUs and servers', load: () => import('./plan-command.ts') },
  build: { summary: 'compile scenarios/*.ts into self-contained k6 scripts in dist/', load: () => import('./build-command.ts') },
  validate: { summary: 'check event and bundle files against the schema, with positions', load: () => import('./validate-command.ts') },
  'import-har': { summary: 'turn a HAR capture into a bundle file, scrubbed of secrets', load: () => import('./import-har-command.ts') },
  new: { summary: 'scaffold an event with its bundles and scenario entry (herd new event NAME)', load: () => import('./new-command.ts') },
  'herd-test': { summary: 'plan, build, run against a target and write a results folder', load: () => import('./herd-test-command.ts') },
  report: { summary: 'rebuild a run folder\'s report (HTML, time series, JUnit), or build one from k6 output', load: () => import('./report-command.ts') },
  compare: { summary: 'compare two runs side by side; exit 1 on a regression beyond the tolerance', load: () => import('./compare-command.ts') },
  gate: { summary: 'decide whether the database is quiet enough to start a herd test (0 go, 75 not now, 1 failed)', load: () => import('./gate-command.ts') },
  k8s: { summary: 'write a k6-operator TestRun and script ConfigMap for kubectl apply (contacts no cluster)', load: () => import('./k8s-command.ts') },
};

function formatUsage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return ['Usage: herd <command> [options]', '', 'Commands:', ...lines, '', 'Run `herd <command> --help` for the options of one command.'].join('\n');
}

/** Dispatches `herd <command> …` and returns the exit status; user errors print without a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(formatUsage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(`k6-herd ${manifest.version} on Node.js ${process.version}`);
    return 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    console.error(`herd: unknown command "${name}".\n\n${formatUsage()}`);
    return 2;
  }

  try {
    const module = await entry.load();
    return await module.runCommand(joinNegativeValues(rest));
  } catch (error) {
    if (isHerdUserError(error)) {
      console.error(`herd ${name}: ${error.message}`);
      return error.exitCode;
    }
    if (isArgumentParseError(error)) {
      console.error(`herd ${name}: ${error.message}\nRun \`herd ${name} --help\` for the list of options.`);
      return 2;
    }
    throw error;
  }
}

/**
 * Joins `--flag -1` into `--flag=-1`. parseArgs takes a value that starts with a dash for another
 * flag and calls it ambiguous, so `--scale -1` would miss the command's own check of the number.
 * No herd flag is a dash followed by a digit, so nothing else is changed.
 */
export function joinNegativeValues(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    const next = args[index + 1];
    if (/^--[a-z][a-z0-9-]*$/.test(arg) && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Tells whether `error` comes from node:util parseArgs (an unknown flag, a missing value). */
function isArgumentParseError(error: unknown): error is Error {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS_');
}
