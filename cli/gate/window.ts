import { CronExpressionParser } from 'cron-parser';
import { DateTime, IANAZone } from 'luxon';

import { HerdUserError } from '../../lib/user-error.ts';

/** A daily quiet window in local wall-clock time, such as 01:00-05:00 in Europe/Berlin; it may cross midnight. */
export interface DailyWindow {
  kind: 'daily';
  /** The text as the user wrote it, for messages. */
  text: string;
  /** Minutes after local midnight when the window opens (0–1439). */
  startMinute: number;
  /** Minutes after local midnight when the window closes (1–1440); smaller than `startMinute` when it crosses midnight. */
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
  /** When a closed window opens next (epoch ms); missing when the cron expression has no later time. */
  opensAtMs?: number;
  sentence: string;
}

/** Checks that `zone` is an IANA time zone name that this Node.js build knows. */
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
    problems.push(`the end ${match[3]}:${match[4]} is not a time of day (00:01 to 24:00)`);
  }
  if (problems.length === 0 && startMinute === endMinute % 1440) {
    problems.push('the start and the end are the same time, so the window would be empty');
  }
  if (problems.length > 0) {
    throw new HerdUserError('GATE_WINDOW_INVALID', `--window "${text}" is invalid: ${problems.join('; ')}.`);
  }
  return { kind: 'daily', text: text.trim(), startMinute, endMinute, zone };
}

/** Parses a five- or six-field cron expression evaluated in `zone`; the window stays open `slackMinutes` after each time. */
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
  // Comparing the local time of day (not elapsed minutes since midnight) keeps the window on the wall clock
  // across daylight-saving changes: a 01:00-05:00 window lasts 3 hours on a spring-forward night and 5 on a fall-back night.
  const minuteOfDay = local.hour * 60 + local.minute + local.second / 60;
  const crossesMidnight = window.endMinute < window.startMinute;
  const isOpen = crossesMidnight
    ? minuteOfDay >= window.startMinute || minuteOfDay < window.endMinute
    : minuteOfDay >= window.startMinute && minuteOfDay < window.endMinute;
  const label = `Window ${window.text} (${window.zone})`;
  const localText = local.toFormat('yyyy-MM-dd HH:mm ZZZZ');

  if (isOpen) {
    const closesAt = nextWallClockTime(local, window.endMinute);
    return { isOpen, closesAtMs: closesAt.toMillis(), sentence: `${label} is open at ${localText}; it closes at ${closesAt.toFormat('HH:mm ZZZZ')}.` };
  }
  const opensAt = nextWallClockTime(local, window.startMinute);
  return { isOpen, opensAtMs: opensAt.toMillis(), sentence: `${label} is closed at ${localText}; it opens next at ${opensAt.toFormat('yyyy-MM-dd HH:mm ZZZZ')}.` };
}

/** The first instant after `local` whose wall-clock time is `minuteOfDay`; a time skipped by a spring-forward change moves to the first valid instant after it. */
function nextWallClockTime(local: DateTime, minuteOfDay: number): DateTime {
  const atTime = (day: DateTime): DateTime =>
    minuteOfDay === 1440
      ? day.startOf('day').plus({ days: 1 })
      : day.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second: 0, millisecond: 0 });
  const sameDay = atTime(local);
  return sameDay > local ? sameDay : atTime(local.startOf('day').plus({ days: 1 }));
}

function checkCronWindow(window: CronWindow, atMs: number): WindowCheck {
  // cron-parser's prev() returns times strictly before currentDate, at whole seconds, so 1 ms later counts a time equal to `atMs`.
  const schedule = CronExpressionParser.parse(window.expression, { tz: window.zone, currentDate: new Date(atMs + 1) });
  const slackMs = window.slackMinutes * 60_000;
  const label = `Cron window "${window.expression}" (${window.zone}, open ${window.slackMinutes} min after each time)`;
  const atText = DateTime.fromMillis(atMs, { zone: window.zone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');

  const previousMs = schedule.hasPrev() ? schedule.prev().toDate().getTime() : undefined;
  if (previousMs !== undefined && atMs - previousMs < slackMs) {
    const closesAt = DateTime.fromMillis(previousMs + slackMs, { zone: window.zone });
    return { isOpen: true, closesAtMs: closesAt.toMillis(), sentence: `${label} is open at ${atText}; it closes at ${closesAt.toFormat('HH:mm ZZZZ')}.` };
  }

  // NOTE: cron-parser 5 skips a time that a spring-forward change removes (02:30 on that night), so such a window stays closed that day.
  const after = CronExpressionParser.parse(window.expression, { tz: window.zone, currentDate: new Date(atMs) });
  if (!after.hasNext()) {
    return { isOpen: false, sentence: `${label} is closed at ${atText} and has no later time.` };
  }
  const opensAt = DateTime.fromMillis(after.next().toDate().getTime(), { zone: window.zone });
  return { isOpen: false, opensAtMs: opensAt.toMillis(), sentence: `${label} is closed at ${atText}; it opens next at ${opensAt.toFormat('yyyy-MM-dd HH:mm ZZZZ')}.` };
}
