import { isHerdUserError } from '../../lib/user-error.ts';
import type { BaselineRound, GateBaseline, GateVerdict } from './baseline.ts';
import type { GateClock } from './clock.ts';
import { formatNumber, judgeRound } from './hysteresis.ts';
import type { Thresholds } from './hysteresis.ts';
import { METRIC_LABELS } from './probe.ts';
import type { LoadProbe, LoadSample, MetricName } from './probe.ts';
import { checkWindow } from './window.ts';
import type { QuietWindow } from './window.ts';

/** Everything the gate decides on, built by the CLI from its flags. */
export interface GateSettings {
  window?: QuietWindow;
  probe?: LoadProbe;
  thresholds: Thresholds;
  /** After a busy round, later rounds must stay at or under `threshold × resumeFraction` (0 < fraction ≤ 1). */
  resumeFraction: number;
  samplesPerRound: number;
  /** Pause before each sample (ms). */
  intervalMs: number;
  /** How long to keep re-sampling a busy database before returning not now (ms). 0 means one round. */
  waitMs: number;
}

/** The verdict, its process exit status and the baseline to record. */
export interface GateOutcome {
  verdict: GateVerdict;
  exitCode: 0 | 1 | 75;
  baseline: GateBaseline;
}

/** Exit status for each verdict: 75 is EX_TEMPFAIL from sysexits.h, "try again later". */
export const EXIT_CODES: Record<GateVerdict, 0 | 1 | 75> = { go: 0, 'not-now': 75, 'probe-failed': 1 };

/** Verdict of a gate phase and its reason. */
interface PhaseResult {
  verdict: GateVerdict;
  reason: string;
}

/**
 * Decides whether a herd test may start now: checks the quiet window, then samples the probe in rounds
 * until a round is quiet (go), the wait or the window runs out (not now), or the probe fails.
 * `log` receives one sentence per step. A probe failure becomes the `probe-failed` verdict, never go.
 */
export async function runGate(settings: GateSettings, clock: GateClock, log: (sentence: string) => void): Promise<GateOutcome> {
  const startedMs = clock.nowMs();
  const rounds: BaselineRound[] = [];
  let windowRecord: GateBaseline['window'];
  const finish = ({ verdict, reason }: PhaseResult): GateOutcome => {
    log(`Gate verdict: ${VERDICT_WORDS[verdict]}. ${reason}`);
    const baseline = buildBaseline(settings, { startedMs, finishedMs: clock.nowMs(), verdict, reason, window: windowRecord, rounds });
    return { verdict, exitCode: EXIT_CODES[verdict], baseline };
  };

  // Phase 1: the quiet window.
  let windowClosesAtMs = Number.POSITIVE_INFINITY;
  if (settings.window !== undefined) {
    const check = checkWindow(settings.window, startedMs);
    windowRecord = { description: check.sentence, isOpen: check.isOpen };
    log(check.sentence);
    if (!check.isOpen) {
      return finish({ verdict: 'not-now', reason: 'The quiet window is closed.' });
    }
    windowClosesAtMs = check.closesAtMs ?? windowClosesAtMs;
  }
  if (settings.probe === undefined) {
    const reason = settings.window === undefined ? 'No window and no probe were given, so there was nothing to check.' : 'No probe was given, so only the window was checked.';
    return finish({ verdict: 'go', reason });
  }

  // Phase 2: sample in rounds until one is quiet or the time runs out.
  const probe = settings.probe;
  try {
    log(`Measuring ${probe.description}: ${countOf(settings.samplesPerRound, 'sample')} per round, ${settings.intervalMs} ms apart.`);
    await probe.start();
    return finish(await sampleUntilQuiet(probe, settings, clock, log, { startedMs, windowClosesAtMs, rounds }));
  } catch (error) {
    if (!isHerdUserError(error)) {
      throw error;
    }
    return finish({ verdict: 'probe-failed', reason: error.message });
  } finally {
    await probe.close();
  }
}

const VERDICT_WORDS: Record<GateVerdict, string> = { go: 'go', 'not-now': 'not now', 'probe-failed': 'probe failed' };

/**
 * Takes rounds until one is quiet, appending each to `rounds`. It stops when another round could not end
 * before the wait runs out or the window closes, so the number of rounds is at most waitMs / roundMs + 1.
 */
async function sampleUntilQuiet(
  probe: LoadProbe,
  settings: GateSettings,
  clock: GateClock,
  log: (sentence: string) => void,
  limits: { startedMs: number; windowClosesAtMs: number; rounds: BaselineRound[] },
): Promise<PhaseResult> {
  const roundMs = settings.samplesPerRound * settings.intervalMs;
  const waitEndsMs = limits.startedMs + settings.waitMs;
  const deadlineMs = Math.min(waitEndsMs, limits.windowClosesAtMs);
  const maxRounds = Math.floor(settings.waitMs / roundMs) + 1;
  let hasBeenOver = false;

  for (let roundNumber = 1; roundNumber <= maxRounds; roundNumber += 1) {
    const round = await takeRound(probe, settings, clock, hasBeenOver);
    limits.rounds.push(round);
    log(`Round ${roundNumber}: ${describeSamples(round, settings.thresholds)}`);
    if (round.isQuiet) {
      return { verdict: 'go', reason: `Round ${roundNumber} was quiet: every sample was at or under its limit.` };
    }
    hasBeenOver = true;
    log(`Round ${roundNumber} was busy: ${round.violations.join('; ')}.`);

    if (clock.nowMs() + roundMs > deadlineMs) {
      break;
    }
    log(`Waiting: the next round must stay at or under ${formatNumber(settings.resumeFraction * 100)}% of each threshold.`);
  }

  const limitText = limits.windowClosesAtMs < waitEndsMs ? 'the quiet window closes before another round could end' : `the wait of ${formatNumber(settings.waitMs / 1000)} s ran out`;
  return { verdict: 'not-now', reason: `The database stayed busy through ${countOf(limits.rounds.length, 'round')}, and ${limitText}.` };
}

function buildBaseline(
  settings: GateSettings,
  result: { startedMs: number; finishedMs: number; verdict: GateVerdict; reason: string; window: GateBaseline['window']; rounds: BaselineRound[] },
): GateBaseline {
  return {
    schemaVersion: 1,
    startedAt: new Date(result.startedMs).toISOString(),
    finishedAt: new Date(result.finishedMs).toISOString(),
    verdict: result.verdict,
    reason: result.reason,
    ...(result.window === undefined ? {} : { window: result.window }),
    ...(settings.probe === undefined ? {} : { probe: { kind: settings.probe.kind, description: settings.probe.description } }),
    thresholds: settings.thresholds,
    resumeFraction: settings.resumeFraction,
    samplesPerRound: settings.samplesPerRound,
    intervalMs: settings.intervalMs,
    waitMs: settings.waitMs,
    rounds: result.rounds,
  };
}

async function takeRound(probe: LoadProbe, settings: GateSettings, clock: GateClock, hasBeenOver: boolean): Promise<BaselineRound> {
  const startedAt = new Date(clock.nowMs()).toISOString();
  const samples: LoadSample[] = [];
  for (let index = 0; index < settings.samplesPerRound; index += 1) {
    await clock.sleep(settings.intervalMs);
    samples.push(await probe.takeSample(clock.nowMs()));
  }
  const decision = judgeRound(samples, settings.thresholds, hasBeenOver, settings.resumeFraction);
  return {
    startedAt,
    samples: samples.map((sample) => ({ at: new Date(sample.atMs).toISOString(), metrics: sample.metrics })),
    limits: decision.limits,
    isQuiet: decision.isQuiet,
    violations: decision.violations,
  };
}

/** Describes, in one sentence, the range of each metric over a round and its limit. */
function describeSamples(round: BaselineRound, thresholds: Thresholds): string {
  const names = new Set<MetricName>();
  for (const sample of round.samples) {
    for (const name of Object.keys(sample.metrics) as MetricName[]) {
      names.add(name);
    }
  }
  const parts = [...names].map((name) => {
    const values = round.samples.map((sample) => sample.metrics[name]).filter((value): value is number => value !== undefined);
    const low = formatNumber(Math.min(...values));
    const high = formatNumber(Math.max(...values));
    const range = low === high ? low : `${low} to ${high}`;
    const limit = round.limits[name];
    const limitText = thresholds[name] === undefined || limit === undefined ? 'not judged' : `limit ${formatNumber(limit)}`;
    return `${METRIC_LABELS[name]} ${range} (${limitText})`;
  });
  return `${countOf(round.samples.length, 'sample')}: ${parts.join(', ')}.`;
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
