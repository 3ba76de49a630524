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

/**
 * Decides whether a herd test may start now: checks the quiet window, then samples the probe in rounds
 * until a round is quiet (go), the wait or the window runs out (not now), or the probe fails.
 * `log` receives one sentence per step. A probe failure becomes the `probe-failed` verdict, never go.
 */
export async function runGate(settings: GateSettings, clock: GateClock, log: (sentence: string) => void): Promise<GateOutcome> {
  const startedMs = clock.nowMs();
  const rounds: BaselineRound[] = [];
  const finish = (verdict: GateVerdict, reason: string, windowOpen?: boolean, windowSentence?: string): GateOutcome => {
    log(`Gate verdict: ${verdict === 'go' ? 'go' : verdict === 'not-now' ? 'not now' : 'probe failed'}. ${reason}`);
    const baseline: GateBaseline = {
      schemaVersion: 1,
      startedAt: new Date(startedMs).toISOString(),
      finishedAt: new Date(clock.nowMs()).toISOString(),
      verdict,
      reason,
      ...(windowSentence === undefined ? {} : { window: { description: windowSentence, isOpen: windowOpen ?? false } }),
      ...(settings.probe === undefined ? {} : { probe: { kind: settings.probe.kind, description: settings.probe.description } }),
      thresholds: settings.thresholds,
      resumeFraction: settings.resumeFraction,
      samplesPerRound: settings.samplesPerRound,
      intervalMs: settings.intervalMs,
      waitMs: settings.waitMs,
      rounds,
    };
    return { verdict, exitCode: EXIT_CODES[verdict], baseline };
  };

  // Phase 1: the quiet window.
  let windowClosesAtMs = Number.POSITIVE_INFINITY;
  let windowSentence: string | undefined;
  if (settings.window !== undefined) {
    const check = checkWindow(settings.window, startedMs);
    windowSentence = check.sentence;
    log(check.sentence);
    if (!check.isOpen) {
      return finish('not-now', 'The quiet window is closed.', false, windowSentence);
    }
    windowClosesAtMs = check.closesAtMs ?? windowClosesAtMs;
  }
  const probe = settings.probe;
  if (probe === undefined) {
    return finish('go', settings.window === undefined ? 'No window and no probe were given, so there was nothing to check.' : 'No probe was given, so only the window was checked.', true, windowSentence);
  }

  // Phase 2: sample in rounds until one is quiet or the time runs out.
  try {
    log(`Measuring ${probe.description}: ${settings.samplesPerRound} samples per round, ${settings.intervalMs} ms apart.`);
    await probe.start();
    const roundMs = settings.samplesPerRound * settings.intervalMs;
    const deadlineMs = Math.min(startedMs + settings.waitMs, windowClosesAtMs);
    let hasBeenOver = false;
    for (let roundNumber = 1; ; roundNumber += 1) {
      const round = await takeRound(probe, settings, clock, hasBeenOver);
      rounds.push(round);
      log(`Round ${roundNumber}: ${describeSamples(round, settings.thresholds)}`);
      if (round.isQuiet) {
        return finish('go', `Round ${roundNumber} was quiet: every sample was at or under its limit.`, true, windowSentence);
      }
      hasBeenOver = true;
      log(`Round ${roundNumber} was busy: ${round.violations.join('; ')}.`);

      const nowMs = clock.nowMs();
      if (nowMs + roundMs > deadlineMs) {
        const limitText = windowClosesAtMs <= startedMs + settings.waitMs ? 'the quiet window closes before another round could end' : `the wait of ${formatNumber(settings.waitMs / 1000)} s ran out`;
        return finish('not-now', `The database stayed busy through ${roundNumber} round(s) and ${limitText}.`, true, windowSentence);
      }
      log(`Waiting: the next round must stay at or under ${formatNumber(settings.resumeFraction * 100)}% of each threshold.`);
    }
  } catch (error) {
    if (!isHerdUserError(error)) {
      throw error;
    }
    return finish('probe-failed', error.message, true, windowSentence);
  } finally {
    await probe.close();
  }
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
  return `${round.samples.length} samples: ${parts.join(', ')}.`;
}
