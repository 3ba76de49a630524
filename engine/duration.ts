import { invalidConfig } from './errors.ts';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;

/**
 * Parses a k6 duration into milliseconds: a string of number-unit parts (`"1m30s"`, `"500ms"`, `"1.5s"`)
 * or a number, which k6 reads as milliseconds. `where` names the option in the error, such as `scenario "web": duration`.
 */
export function parseDurationMs(value: unknown, where: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw invalidConfig(`${where}: ${value} is not a valid duration; use a non-negative number of milliseconds or a string such as "30s"`);
    return value;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidConfig(`${where}: ${JSON.stringify(value)} is not a valid duration; use a string such as "30s", "1m30s" or "500ms"`);
  }

  const text = value.trim();
  if (text === '0') return 0;
  if (text.startsWith('-')) throw invalidConfig(`${where}: "${value}" is negative; a duration must be zero or more, such as "30s"`);
  if (/^\d+(\.\d+)?$/.test(text)) throw invalidConfig(`${where}: "${value}" has no unit; write it with one, such as "${text}s" or "${text}ms"`);

  let totalMs = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (match === null) {
      throw invalidConfig(`${where}: "${value}" is not a valid duration (unexpected "${text.slice(start)}"); use number-unit parts such as "1m30s" with units ms, s, m or h`);
    }
    totalMs += Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
  }
  return totalMs;
}

/** Formats milliseconds the way k6 prints option durations: `30s`, `1m30s`, `500ms`, `1h0m0s`. */
export function formatOptionDuration(durationMs: number): string {
  if (durationMs < 1000) return `${Math.round(durationMs)}ms`;
  const hours = Math.floor(durationMs / 3_600_000);
  const minutes = Math.floor((durationMs % 3_600_000) / 60_000);
  const seconds = Math.round(((durationMs % 60_000) / 1000) * 1000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
