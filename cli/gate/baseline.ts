import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import type { LoadSample } from './probe.ts';
import type { Thresholds } from './hysteresis.ts';

/** The gate's outcome: `go` (exit 0), `not-now` (exit 75) or `probe-failed` (exit 1). */
export type GateVerdict = 'go' | 'not-now' | 'probe-failed';

/** One round of samples and how it was judged. */
export interface BaselineRound {
  startedAt: string;
  samples: Array<{ at: string; metrics: LoadSample['metrics'] }>;
  limits: Thresholds;
  isQuiet: boolean;
  violations: string[];
}

/**
 * Measurements the gate took before a run, written by `--baseline-out` and copied into run.json as `gateBaseline`.
 * Times are ISO 8601 UTC, and URLs have their passwords masked.
 */
export interface GateBaseline {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  verdict: GateVerdict;
  /** One sentence with the reason for the verdict. */
  reason: string;
  window?: { description: string; isOpen: boolean };
  probe?: { kind: string; description: string };
  thresholds: Thresholds;
  resumeFraction: number;
  samplesPerRound: number;
  intervalMs: number;
  waitMs: number;
  rounds: BaselineRound[];
}

/** Writes the baseline as pretty JSON, creating the parent folder. */
export function writeBaseline(path: string, baseline: GateBaseline): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`);
}
