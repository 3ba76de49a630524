// `herd plan`: the capacity question on paper. Reads an event, plans stages and VUs per
// platform, and prints the demand, the fleet's sustainable rate and a prediction against the
// reference target.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { HerdUserError } from '../lib/user-error.ts';
import { profiles } from '../target/profiles.ts';
import { buildPlanReport, type PlanSettings } from './plan/build-plan.ts';
import { loadEventForPlan } from './plan/load-event.ts';
import { formatPlanText } from './plan/print-text.ts';
import { renderPlanSvg } from './plan/svg.ts';
import { buildWhatIfRows } from './plan/what-if.ts';

const DEFAULT_EVENT = 'scenarios/live-event.yaml';

const usage = `Usage: herd plan [event.yaml] [options]

Plans an event without sending any traffic: the arrival curve, k6 ramping-arrival-rate stages
and VUs per platform, requests per user, peak users/s and requests/s, requests in flight at the
peak (Little's law), servers needed, what a fleet sustains before its proxy queue times out,
and a prediction of a run against the reference target: the peak as a steady state of its
proxy queue, and the run simulated request by request (admitted users, 503 share, time to
admit). The event defaults to ${DEFAULT_EVENT}.

Options:
  --scale F                    multiply the event's user count by F (default 1)
  --servers N                  fleet size for the queue model and the prediction (default: the servers needed)
  --concurrency-per-server N   requests one server serves at once (default: the profile's, 17 for legacy)
  --profile NAME               reference target profile for the prediction: ${Object.keys(profiles).join(' or ')} (default legacy)
  --max-shape-error F          allowed stage shape error as a fraction of the peak rate (default 0.01)
  --max-stages N               stage cap per platform (default 200)
  --queue-timeout-ms N         the target's proxy queue timeout for the prediction (default: the profile's, 5000)
  --simulate                   simulate the run against the reference target even above 400,000 requests (1 to 3 µs each)
  --no-simulate                leave the run simulation out (plan.json then has no prediction)
  --json FILE                  write the plan as JSON (plan.json), with a per-second timeline
  --svg FILE                   write λ(t) and N(t) as an SVG chart
  --what-if                    compare staggered waves, trimmed mobile bundles and more concurrency per server
  --no-chart                   leave the terminal charts out
  -h, --help                   print this help`;

interface PlanFlags {
  eventPath: string;
  settings: Omit<PlanSettings, 'eventFile'>;
  jsonPath?: string;
  svgPath?: string;
  whatIf: boolean;
  charts: boolean;
}

/** Runs `herd plan`; returns 0 after printing the plan. */
export async function runCommand(args: string[]): Promise<number> {
  const flags = parsePlanFlags(args);
  if (flags === 'help') {
    console.log(usage);
    return 0;
  }

  const event = loadEventForPlan(flags.eventPath);
  const settings: PlanSettings = { ...flags.settings, eventFile: flags.eventPath };
  const report = buildPlanReport(event, settings);
  if (flags.whatIf) {
    report.whatIf = buildWhatIfRows(event, settings, report);
  }

  console.log(formatPlanText(report, { charts: flags.charts }));
  if (flags.jsonPath !== undefined) {
    writeOutput(flags.jsonPath, `${JSON.stringify(report, null, 2)}\n`, '--json');
    console.log(`\nwrote ${flags.jsonPath}`);
  }
  if (flags.svgPath !== undefined) {
    writeOutput(flags.svgPath, renderPlanSvg(report), '--svg');
    console.log(`${flags.jsonPath === undefined ? '\n' : ''}wrote ${flags.svgPath}`);
  }
  return 0;
}

function writeOutput(path: string, text: string, flag: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new HerdUserError('PLAN_OUTPUT_FAILED', `${flag} ${path}: the file cannot be written (${code}); choose a writable path`);
  }
}

/** Parses and checks the flags, collecting every problem before reporting them together. */
function parsePlanFlags(args: string[]): PlanFlags | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        scale: { type: 'string' },
        servers: { type: 'string' },
        'concurrency-per-server': { type: 'string' },
        profile: { type: 'string' },
        'max-shape-error': { type: 'string' },
        'max-stages': { type: 'string' },
        'queue-timeout-ms': { type: 'string' },
        simulate: { type: 'boolean' },
        'no-simulate': { type: 'boolean' },
        json: { type: 'string' },
        svg: { type: 'string' },
        'what-if': { type: 'boolean' },
        'no-chart': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new HerdUserError('PLAN_FLAGS_INVALID', `${(error as Error).message}\n\n${usage}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    return 'help';
  }

  const problems: string[] = [];
  const readNumber = (flag: string, text: string | undefined, rule: (value: number) => boolean, ruleText: string): number | undefined => {
    if (text === undefined) {
      return undefined;
    }
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || !rule(value)) {
      problems.push(`--${flag} must be ${ruleText}, got "${text}"`);
      return undefined;
    }
    return value;
  };
  const isWholePositive = (value: number): boolean => Number.isInteger(value) && value >= 1;

  const scale = readNumber('scale', values.scale, (value) => value > 0, 'a number greater than 0');
  const servers = readNumber('servers', values.servers, isWholePositive, 'a whole number of at least 1');
  const concurrencyPerServer = readNumber('concurrency-per-server', values['concurrency-per-server'], isWholePositive, 'a whole number of at least 1');
  const maxShapeErrorFraction = readNumber('max-shape-error', values['max-shape-error'], (value) => value > 0 && value < 1, 'a fraction between 0 and 1, such as 0.01');
  const maxStages = readNumber('max-stages', values['max-stages'], (value) => Number.isInteger(value) && value >= 2, 'a whole number of at least 2');
  const queueTimeoutMs = readNumber('queue-timeout-ms', values['queue-timeout-ms'], isWholePositive, 'a whole number of milliseconds of at least 1');
  const profileName = values.profile ?? 'legacy';
  const profile = profiles[profileName];
  if (values.simulate === true && values['no-simulate'] === true) {
    problems.push('--simulate and --no-simulate contradict each other; give one of them');
  }
  let simulate: PlanSettings['simulate'] = 'auto';
  if (values.simulate === true) {
    simulate = 'always';
  } else if (values['no-simulate'] === true) {
    simulate = 'never';
  }
  if (profile === undefined) {
    problems.push(`--profile must be ${Object.keys(profiles).join(' or ')}, got "${profileName}"`);
  }
  if (positionals.length > 1) {
    problems.push(`expected at most one event file, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  if (problems.length > 0) {
    throw new HerdUserError('PLAN_FLAGS_INVALID', `invalid plan options:\n  ${problems.join('\n  ')}`, 2);
  }

  return {
    eventPath: positionals[0] ?? DEFAULT_EVENT,
    settings: {
      scale,
      servers,
      concurrencyPerServer,
      maxShapeErrorFraction,
      maxStages,
      // The target started with these overrides is the one the simulation must model.
      profile: { ...profile!, ...(concurrencyPerServer === undefined ? {} : { workersPerServer: concurrencyPerServer }), ...(queueTimeoutMs === undefined ? {} : { queueTimeoutMs }) },
      simulate,
    },
    jsonPath: values.json,
    svgPath: values.svg,
    whatIf: values['what-if'] === true,
    charts: values['no-chart'] !== true,
  };
}
