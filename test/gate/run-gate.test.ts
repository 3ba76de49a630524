import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HerdUserError } from '../../lib/user-error.ts';
import type { GateClock } from '../../cli/gate/clock.ts';
import type { LoadProbe, LoadSample } from '../../cli/gate/probe.ts';
import { runGate } from '../../cli/gate/run-gate.ts';
import type { GateSettings } from '../../cli/gate/run-gate.ts';
import { parseDailyWindow } from '../../cli/gate/window.ts';

/** Creates a clock whose sleep advances time at once, so minutes of waiting take no real time. */
function createFakeClock(startIso: string): GateClock {
  let nowMs = Date.parse(startIso);
  return {
    nowMs: () => nowMs,
    sleep: async (durationMs) => {
      nowMs += durationMs;
    },
  };
}

/** Creates a probe that returns the scripted values in order and repeats the last one. */
function createScriptedProbe(values: number[], failAt?: number): LoadProbe & { closed: boolean; sampleCount: number } {
  return {
    kind: 'command',
    description: 'a scripted probe',
    closed: false,
    sampleCount: 0,
    async start() {},
    async takeSample(atMs: number): Promise<LoadSample> {
      this.sampleCount += 1;
      if (this.sampleCount === failAt) {
        throw new HerdUserError('GATE_PROBE_FAILED', 'scripted failure');
      }
      const value = values[Math.min(this.sampleCount - 1, values.length - 1)] ?? 0;
      return { atMs, metrics: { value } };
    },
    async close() {
      this.closed = true;
    },
  };
}

function settingsWith(probe: LoadProbe, overrides: Partial<GateSettings> = {}): GateSettings {
  return { probe, thresholds: { value: 10 }, resumeFraction: 0.5, samplesPerRound: 3, intervalMs: 1000, waitMs: 60_000, ...overrides };
}

test('quiet first round goes at once', async () => {
  const probe = createScriptedProbe([1, 2, 10]);
  const outcome = await runGate(settingsWith(probe), createFakeClock('2026-06-01T02:00:00Z'), () => undefined);
  assert.equal(outcome.verdict, 'go');
  assert.equal(outcome.baseline.rounds.length, 1);
  assert.equal(probe.sampleCount, 3);
  assert.equal(probe.closed, true);
});

test('hysteresis needs the resume level', async () => {
  // Round 1 is busy (12), round 2 sits under the maximum but over the resume level 5, round 3 is under 5.
  const probe = createScriptedProbe([1, 12, 1, 8, 8, 8, 4, 4, 4]);
  const outcome = await runGate(settingsWith(probe), createFakeClock('2026-06-01T02:00:00Z'), () => undefined);
  assert.equal(outcome.verdict, 'go');
  assert.deepEqual(outcome.baseline.rounds.map((round) => round.isQuiet), [false, false, true]);
  assert.equal(outcome.baseline.rounds[1]?.limits.value, 5);
});

test('wait runs out with bounded rounds', async () => {
  const probe = createScriptedProbe([50]);
  const outcome = await runGate(settingsWith(probe, { waitMs: 10_000 }), createFakeClock('2026-06-01T02:00:00Z'), () => undefined);
  assert.equal(outcome.verdict, 'not-now');
  assert.equal(outcome.exitCode, 75);
  assert.equal(outcome.baseline.rounds.length, 3, 'rounds of 3 s fit three times into a 10 s wait');
  assert.match(outcome.baseline.reason, /the wait of 10 s ran out/);
});

test('zero wait takes one round', async () => {
  const probe = createScriptedProbe([50]);
  const outcome = await runGate(settingsWith(probe, { waitMs: 0 }), createFakeClock('2026-06-01T02:00:00Z'), () => undefined);
  assert.equal(outcome.verdict, 'not-now');
  assert.equal(outcome.baseline.rounds.length, 1);
});

test('window closing ends the wait', async () => {
  const probe = createScriptedProbe([50]);
  const window = parseDailyWindow('01:00-02:00', 'UTC');
  const outcome = await runGate(settingsWith(probe, { window, waitMs: 3_600_000 }), createFakeClock('2026-06-01T01:59:50Z'), () => undefined);
  assert.equal(outcome.verdict, 'not-now');
  assert.equal(outcome.baseline.rounds.length, 3, 'rounds end at 01:59:53, :56 and :59, and the next would pass 02:00');
  assert.match(outcome.baseline.reason, /quiet window closes/);
});

test('closed window never starts the probe', async () => {
  const probe = createScriptedProbe([0]);
  const window = parseDailyWindow('01:00-02:00', 'UTC');
  const outcome = await runGate(settingsWith(probe, { window }), createFakeClock('2026-06-01T12:00:00Z'), () => undefined);
  assert.equal(outcome.verdict, 'not-now');
  assert.equal(probe.sampleCount, 0);
  assert.equal(outcome.baseline.window?.isOpen, false);
});

test('probe failure is never go', async () => {
  const probe = createScriptedProbe([0], 2);
  const outcome = await runGate(settingsWith(probe), createFakeClock('2026-06-01T02:00:00Z'), () => undefined);
  assert.equal(outcome.verdict, 'probe-failed');
  assert.equal(outcome.exitCode, 1);
  assert.equal(outcome.baseline.reason, 'scripted failure');
  assert.equal(probe.closed, true);
});

test('verdict is logged as a sentence', async () => {
  const lines: string[] = [];
  await runGate(settingsWith(createScriptedProbe([3])), createFakeClock('2026-06-01T02:00:00Z'), (line) => lines.push(line));
  assert.match(lines.join('\n'), /Round 1: 3 samples: load value 3 \(limit 10\)\./);
  assert.match(lines.at(-1) ?? '', /^Gate verdict: go\./);
});
