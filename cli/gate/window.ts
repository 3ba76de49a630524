import { CronExpressionParser } from 'cron-parser';
import { DateTime, IANAZone } from 'luxon';

import { HerdUserError } from '../../lib/user-error.ts';

// Upper bound on next() calls per check: a cron expression firing every second needs 86,400 over a one-day slack.
const MAX_CRON_STEPS = 100_000;

/** A daily quiet window in local wall-clock time, such as 01:00-05:00 in Europe/Berlin. It may cross midnight. */
export interface DailyWindow {
  kind: 'daily';
  /** The text as the user wrote it, for messages. */
  text: string;
  /** Minutes after local midnight when the window opens (0–1439). */
  startMinute: number;
  /** Minutes after local midnight when the window closes (0–1440), smaller than `startMinute` when it crosses midnight. */
  endMinute: number;
  /** IANA time zone name. */
  zone: string;
}

/** A quiet window that opens at each time a cron expression fires and stays open for `slackMinutes`. */
export interface CronWindow {
  kind: 'cron';
  expression: string;
  slackMinutes: number;
  zone: string;
}

/** The quiet window the gate checks before it measures anything. */
export type QuietWindow = DailyWindow | CronWindow;

/** Whether the window is open at one instant, with the next change and a sentence for the log. */
export interface WindowCheck {
  isOpen: boolean;
  /** When an open window closes (epoch ms). */
  closesAtMs?: number;
  /** When a closed window opens next (epoch ms), missing when the cron expression has no later time. */
  opensAtMs?: number;
  sentence: string;
}

/** Checks that `zone` is an IANA time zone name available in this Node.js build. */
export function assertValidZone(zone: string): void {
  if (!IANAZone.isValidZone(zone)) {
    throw new HerdUserError('GATE_WINDOW_INVALID', `--tz "${zone}" is not a known IANA time zone: write a name such as Europe/Berlin, America/New_York or UTC.`);
  }
}

/** Parses `HH:MM-HH:MM` (24-hour clock, end may be 24:00) into a daily window in `zone`. */
export function parseDailyWindow(text: string, zone: string): DailyWindow {
  assertValidZone(zone);
  const match = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (match === null) {
    throw new HerdUserError('GATE_WINDOW_INVALID', `--window "${text}" is invalid: write HH:MM-HH:MM on a 24-hour clock, for example 01:00-05:00 or 22:30-02:00.`);
  }

  const [startHour, startMinuteOfHour, endHour, endMinuteOfHour] = match.slice(1).map(Number) as [number, number, number, number];
  const startMinute = startHour * 60 + startMinuteOfHour;
  const endMinute = endHour * 60 + endMinuteOfHour;
  const problems: string[] = [];
  if (startHour > 23 || startMinuteOfHour > 59) {
    problems.push(`the start ${match[1]}:${match[2]} is not a time of day (00:00 to 23:59)`);
  }
  if (endMinuteOfHour > 59 || endMinute > 1440) {
    problems.push(`the end ${match[3]}:${match[4]} is not a time of day (00:00 to 24:00)`);
  }
  if (problems.length === 0 && startMinute === endMinute % 1440) {
    problems.push('the start and the end are the same time, so the window would be empty');
  }
  if (problems.length > 0) {
    throw new HerdUserError('GATE_WINDOW_INVALID', `--window "${text}" is invalid: ${problems.join('; ')}.`);
  }
  return { kind: 'daily', text: text.trim(), startMinute, endMinute, zone };
}

/** Parses a five- or six-field cron expression evaluated in `zone`. The window stays open `slackMinutes` after each time. */
export function parseCronWindow(expression: string, slackMinutes: number, zone: string): CronWindow {
  assertValidZone(zone);
  if (!Number.isFinite(slackMinutes) || slackMinutes <= 0) {
    throw new HerdUserError('GATE_WINDOW_INVALID', `--cron-slack-minutes ${slackMinutes} is invalid: give a positive number of minutes, for example 60.`);
  }
  try {
    CronExpressionParser.parse(expression, { tz: zone, strict: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HerdUserError('GATE_WINDOW_INVALID', `--cron "${expression}" is invalid (${reason}): write five fields, minute hour day-of-month month day-of-week, for example "0 2 * * *".`);
  }
  return { kind: 'cron', expression, slackMinutes, zone };
}

/** Checks whether `window` is open at `atMs` (epoch ms). */
export function checkWindow(window: QuietWindow, atMs: number): WindowCheck {
  return window.kind === 'daily' ? checkDailyWindow(window, atMs) : checkCronWindow(window, atMs);
}

function checkDailyWindow(window: DailyWindow, atMs: number): WindowCheck {
  const local = DateTime.fromMillis(atMs, { zone: window.zone });
  const isOpen = isDailyWindowOpen(window, local);
  const label = `Window ${window.text} (${window.zone})`;
  const localText = local.toFormat('yyyy-MM-dd HH:mm ZZZZ');

  if (isOpen) {
    const closesAt = nextWallClockTime(local, window.endMinute);
    return { isOpen, closesAtMs: closesAt.toMillis(), sentence: `${label} is open at ${localText}; it closes at ${closesAt.toFormat('HH:mm ZZZZ')}.` };
  }
  const opensAt = nextOpening(window, local);
  return { isOpen, opensAtMs: opensAt.toMillis(), sentence: `${label} is closed at ${localText}; it opens next at ${opensAt.toFormat('yyyy-MM-dd HH:mm ZZZZ')}.` };
}

function isDailyWindowOpen(window: DailyWindow, local: DateTime): boolean {
  // Comparing the local time of day (not elapsed minutes since midnight) keeps the window on the wall clock
  // across daylight-saving changes: a 01:00-05:00 window lasts 3 hours on a spring-forward night and 5 on a fall-back night.
  const minuteOfDay = local.hour * 60 + local.minute + local.second / 60;
  const crossesMidnight = window.endMinute < window.startMinute;
  return crossesMidnight
    ? minuteOfDay >= window.startMinute || minuteOfDay < window.endMinute
    : minuteOfDay >= window.startMinute && minuteOfDay < window.endMinute;
}

/** Finds the next instant the window is open. That is its start time, unless the window lies inside a skipped spring-forward hour and stays shut that night. */
function nextOpening(window: DailyWindow, local: DateTime): DateTime {
  let candidate = nextWallClockTime(local, window.startMinute);
  for (let attempt = 0; attempt < 3 && !isDailyWindowOpen(window, candidate); attempt += 1) {
    candidate = nextWallClockTime(candidate, window.startMinute);
  }
  return candidate;
}

/** Returns the first instant after `local` whose wall-clock time is `minuteOfDay`, or the end of the gap when a spring-forward change skips that time. */
function nextWallClockTime(local: DateTime, minuteOfDay: number): DateTime {
  const atTime = (day: DateTime): DateTime =>
    minuteOfDay === 1440
      ? day.startOf('day').plus({ days: 1 })
      : day.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second: 0, millisecond: 0 });
  const sameDay = atTime(local);
  const candidate = sameDay > local ? sameDay : atTime(local.startOf('day').plus({ days: 1 }));
  if (minuteOfDay === 1440 || candidate.hour * 60 + candidate.minute === minuteOfDay) {
    return candidate;
  }

  // The time was skipped by a spring-forward change and luxon moved it forward by the gap (02:30 became 03:30).
  // Step back to the end of the gap, the first instant whose wall-clock time is past the requested one.
  let firstValid = candidate;
  for (let step = 0; step < 180; step += 1) {
    const earlier = firstValid.minus({ minutes: 1 });
    if (earlier <= local || earlier.hour * 60 + earlier.minute < minuteOfDay) {
      break;
    }
    firstValid = earlier;
  }
  return firstValid;
}

function checkCronWindow(window: CronWindow, atMs: number): WindowCheck {
  const slackMs = window.slackMinutes * 60_000;
  const label = `Cron window "${window.expression}" (${window.zone}, open ${window.slackMinutes} min after each time)`;
  const atText = DateTime.fromMillis(atMs, { zone: window.zone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');

  // Walk forward with next() from one slack before `atMs`. In cron-parser 5, next() moves a time that a
  // spring-forward change skips (02:00 on that night) to the first valid instant, but prev() drops it.
  // Using next() alone keeps "open" and "opens next" consistent.
  const schedule = CronExpressionParser.parse(window.expression, { tz: window.zone, currentDate: new Date(atMs - slackMs) });
  let latestFireMs: number | undefined;
  let upcomingFireMs: number | undefined;
  for (let step = 0; step < MAX_CRON_STEPS && schedule.hasNext(); step += 1) {
    const fireMs = schedule.next().toDate().getTime();
    if (fireMs > atMs) {
      upcomingFireMs = fireMs;
      break;
    }
    latestFireMs = fireMs;
  }

  if (latestFireMs !== undefined && atMs - latestFireMs < slackMs) {
    const closesAt = DateTime.fromMillis(latestFireMs + slackMs, { zone: window.zone });
    return { isOpen: true, closesAtMs: closesAt.toMillis(), sentence: `${label} is open at ${atText}; it closes at ${closesAt.toFormat('HH:mm ZZZZ')}.` };
  }
  if (upcomingFireMs === undefined) {
    return { isOpen: false, sentence: `${label} is closed at ${atText} and has no later time.` };
  }
  const opensAt = DateTime.fromMillis(upcomingFireMs, { zone: window.zone });
  return { isOpen: false, opensAtMs: opensAt.toMillis(), sentence: `${label} is closed at ${atText}; it opens next at ${opensAt.toFormat('yyyy-MM-dd HH:mm ZZZZ')}.` };
}
