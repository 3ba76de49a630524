import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';

/** The facts about one run that its numbers cannot show: `run.json` in the results folder. */
export interface RunInfo {
  scenario: string;
  eventFile: string;
  engine: { kind: 'k6' | 'builtin'; version: string };
  target: {
    url: string;
    kind: 'reference' | 'external';
    profile?: string;
    servers?: number;
    workersPerServer?: number;
    queueTimeoutMs?: number;
    /** How late the reference backend's hold timers fired, in ms: its drift from the model the plan simulates. */
    timerLag?: { count: number; meanMs: number; maxMs: number };
  };
  scale: number;
  gitRevision: string | null;
  host: string;
  startedAtUtc: string;
  endedAtUtc: string | null;
  exitCode: number | null;
  /** Reason the run ended early, when it did (a signal, a crashed engine). */
  interruption?: string;
  /** Database gate measurements from before the run, when the gate ran. */
  gateBaseline?: unknown;
}

/** Returns the checked-out commit, or null outside a git work tree. */
export function readGitRevision(cwd: string): string | null {
  const result = spawnSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', timeout: 5_000 });
  if (result.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', timeout: 5_000 });
  const suffix = dirty.status === 0 && dirty.stdout.trim() !== '' ? '-dirty' : '';
  return result.stdout.trim() + suffix;
}

/** Returns this machine's host name for run.json. */
export function readHostName(): string {
  return hostname();
}

/** Formats a time as a results folder name: `20261204T201500Z`. */
export function formatFolderTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
