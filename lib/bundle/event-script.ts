// The k6 side of an event file as a whole script: options with one ramping-arrival-rate scenario
// per platform, the iteration function that plays one arriving user, and handleSummary. A
// scenario file only imports its event and re-exports these; the build inlines the event.
//
// Environment variables:
// - HERD_TARGET: the backend's base URL. Default: the event's target.baseUrl.
// - HERD_SCALE: multiplies the user count. Default: 1.
// - HERD_MAX_ITERATION_SECONDS: the longest a user may take against an overloaded target, which
//   sizes maxVUs. Default: 6 s for each request that waits on the one before it.
// - HERD_RESULTS_DIR: a folder that also gets summary.txt and summary.json.
import { Rate, Trend } from 'k6/metrics';
import type { LoadedEvent } from '../event/types.ts';
import { textSummary, type SummaryData, type SummaryMetric } from '../report/index.ts';
import { buildEventOptions, usersByPlatform, type EventOptions } from './event-options.ts';
import { playBundle } from './play.ts';
import { openUserPool } from './user-pool.ts';

/** The exports of a scenario file for k6: `options`, `playUser` (the scenarios' `exec`) and `handleSummary`. */
export interface EventScript {
  options: EventOptions;
  playUser: () => Promise<void>;
  handleSummary: (data: SummaryData) => Record<string, string>;
}

/**
 * Creates the script of an event. Call it in the init context, because it reads __ENV and
 * creates the metrics `herd_admitted` (Rate) and `herd_time_to_admit` (Trend, ms), both tagged by platform.
 */
export function createEventScript(event: LoadedEvent): EventScript {
  /** Share of users who got every essential response, tagged by platform. */
  const admitted = new Rate('herd_admitted');
  /** Ms from a user's arrival to their last essential response, for admitted users only. */
  const timeToAdmit = new Trend('herd_time_to_admit', true);

  const baseUrl = readBaseUrl(event);

  const scale = readPositiveNumber('HERD_SCALE', '0.02') ?? 1;
  // k6 runs this init code once with __VU 0 to read the options, then again in every VU, where
  // the options are not read. Planning stages took about 21 ms per platform in Node without its
  // JIT (an estimate of k6's interpreter), which thousands of VUs would pay again for nothing.
  const options = isOptionsContext()
    ? buildEventOptions(event, { scale, maxIterationSeconds: readPositiveNumber('HERD_MAX_ITERATION_SECONDS', '30') })
    : undefined;

  const userPool = openUserPool(event, options === undefined ? usersByPlatform(event, scale) : plannedUsersByPlatform(options));

  /** Plays one arriving user: the bundle of the platform named by the scenario's HERD_PLATFORM. */
  async function playUser(): Promise<void> {
    // Read the per-iteration globals before the first await; everything per user stays in locals.
    const platform = __ENV.HERD_PLATFORM;
    const userId = `${platform}-${__VU}-${__ITER}`;
    const spec = event.platforms[platform];
    if (spec === undefined) {
      throw new Error(`HERD_PLATFORM is "${platform}", but the event has the platforms ${Object.keys(event.platforms).join(', ')}`);
    }
    const poolRow = userPool === undefined ? {} : userPool.rowForCurrentUser(platform);

    const result = await playBundle(spec.bundle, {
      baseUrl,
      platform,
      // A refresh token made up per user, so that no credential is ever stored in a file.
      // Pool columns come last, so a pool can supply its own userId.
      variables: { ...(event.vars ?? {}), refreshToken: `refresh-${userId}`, userId, platform, ...poolRow },
    });
    admitted.add(result.admitted, { platform });
    if (result.admitted) {
      timeToAdmit.add(result.timeToAdmitMs, { platform });
    }
  }

  return { options: options ?? skippedOptions(event, scale), playUser, handleSummary };
}

/** Prints k6's end-of-test summary and, with HERD_RESULTS_DIR, writes summary.txt and summary.json there. */
function handleSummary(runData: SummaryData): Record<string, string> {
  const data = withDroppedIterations(runData);
  const text = textSummary(data, { indent: ' ', enableColors: false });
  const outputs: Record<string, string> = { stdout: `\n${text}\n` };
  const resultsDir = __ENV.HERD_RESULTS_DIR;
  if (resultsDir !== undefined && resultsDir !== '') {
    outputs[`${resultsDir}/summary.txt`] = `${text}\n`;
    outputs[`${resultsDir}/summary.json`] = `${JSON.stringify(data, null, 2)}\n`;
  }
  return outputs;
}

/**
 * Adds `dropped_iterations` at zero when no arrival was dropped. k6 lists a metric only once it has
 * a sample, but "did the generator start every user?" is the first question a herd test answers,
 * so the summary states the zero too.
 */
function withDroppedIterations(data: SummaryData): SummaryData {
  if (data.metrics.dropped_iterations !== undefined) {
    return data;
  }
  const dropped: SummaryMetric = { type: 'counter', contains: 'default', values: { count: 0, rate: 0 } };
  return { ...data, metrics: { ...data.metrics, dropped_iterations: dropped } };
}

function readBaseUrl(event: LoadedEvent): string {
  const url = __ENV.HERD_TARGET || (event.target && event.target.baseUrl);
  if (url === undefined || url === '') {
    throw new Error(`no target: set HERD_TARGET to the backend's base URL, for example http://127.0.0.1:8080, or give target.baseUrl in the event file`);
  }
  // A URL without a scheme would fail on every request of a run minutes long, so it fails here at once.
  if (!/^https?:\/\/[^/\s]+/.test(url)) {
    throw new Error(`HERD_TARGET must be a base URL such as http://127.0.0.1:8080, got "${url}"`);
  }
  return url.replace(/\/+$/, '');
}

function isOptionsContext(): boolean {
  return typeof __VU !== 'number' || __VU === 0;
}

/** Options exported by a VU's own init run, which k6 does not read: no scenarios, the user counts only. */
function skippedOptions(event: LoadedEvent, scale: number): EventOptions {
  return { scenarios: {}, thresholds: {}, herd: { event: event.name, scale, users: Math.round(event.users * scale), platforms: {} } };
}

function plannedUsersByPlatform(options: EventOptions): Record<string, number> {
  const users: Record<string, number> = {};
  for (const [platform, plan] of Object.entries(options.herd.platforms)) {
    users[platform] = plan.users;
  }
  return users;
}

function readPositiveNumber(name: string, example: string): number | undefined {
  const text = __ENV[name];
  if (text === undefined || text === '') {
    return undefined;
  }
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) {
    throw new Error(`${name} must be a number greater than 0, such as ${example}, got "${text}"`);
  }
  return value;
}
