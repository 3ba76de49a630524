import { HerdUserError } from '../../lib/user-error.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `90s`, `10m` or `1h30m` into milliseconds.
 * `flag` names the option in the error message, for example `--wait`.
 */
export function parseDurationMs(text: string, flag: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const joined = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || joined !== trimmed) {
    throw new HerdUserError('GATE_FLAG_INVALID', `${flag} "${text}" is not a duration: write a number with a unit (ms, s, m or h), for example 90s, 10m or 1h30m.`);
  }

  let totalMs = 0;
  for (const [, amount, unit] of parts) {
    totalMs += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Math.round(totalMs);
}
