import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isHerdUserError } from '../../lib/user-error.ts';
import { checkWindow, parseCronWindow, parseDailyWindow } from '../../cli/gate/window.ts';

const at = (iso: string): number => Date.parse(iso);

function assertInvalid(build: () => unknown, pattern: RegExp): void {
  assert.throws(build, (error: unknown) => {
    assert.ok(isHerdUserError(error), 'a user error, so the CLI exits 1 without a stack trace');
    assert.equal(error.exitCode, 1);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('daily window', () => {
  const nightUtc = parseDailyWindow('01:00-05:00', 'UTC');

  test('open inside, closed at the end minute', () => {
    assert.equal(checkWindow(nightUtc, at('2026-06-01T00:59:59Z')).isOpen, false);
    assert.equal(checkWindow(nightUtc, at('2026-06-01T01:00:00Z')).isOpen, true);
    assert.equal(checkWindow(nightUtc, at('2026-06-01T04:59:59Z')).isOpen, true);
    assert.equal(checkWindow(nightUtc, at('2026-06-01T05:00:00Z')).isOpen, false);
  });

  test('open window reports its closing time', () => {
    const check = checkWindow(nightUtc, at('2026-06-01T02:00:00Z'));
    assert.equal(check.closesAtMs, at('2026-06-01T05:00:00Z'));
    assert.match(check.sentence, /is open/);
  });

  test('closed window reports the next opening', () => {
    assert.equal(checkWindow(nightUtc, at('2026-06-01T12:00:00Z')).opensAtMs, at('2026-06-02T01:00:00Z'));
    assert.equal(checkWindow(nightUtc, at('2026-06-01T00:30:00Z')).opensAtMs, at('2026-06-01T01:00:00Z'));
  });

  test('window across midnight', () => {
    const lateNight = parseDailyWindow('22:00-02:00', 'UTC');
    assert.equal(checkWindow(lateNight, at('2026-06-01T21:59:00Z')).isOpen, false);
    assert.equal(checkWindow(lateNight, at('2026-06-01T22:00:00Z')).isOpen, true);
    assert.equal(checkWindow(lateNight, at('2026-06-01T23:59:00Z')).isOpen, true);
    assert.equal(checkWindow(lateNight, at('2026-06-02T01:59:00Z')).isOpen, true);
    assert.equal(checkWindow(lateNight, at('2026-06-02T02:00:00Z')).isOpen, false);
    assert.equal(checkWindow(lateNight, at('2026-06-01T23:00:00Z')).closesAtMs, at('2026-06-02T02:00:00Z'));
  });

  test('window ending at 24:00 closes at midnight', () => {
    const evening = parseDailyWindow('20:00-24:00', 'UTC');
    assert.equal(checkWindow(evening, at('2026-06-01T23:59:00Z')).isOpen, true);
    assert.equal(checkWindow(evening, at('2026-06-02T00:00:00Z')).isOpen, false);
    assert.equal(checkWindow(evening, at('2026-06-01T21:00:00Z')).closesAtMs, at('2026-06-02T00:00:00Z'));
  });
});

describe('daily window across daylight-saving changes (Europe/Berlin, 2026)', () => {
  // Spring forward: 2026-03-29 at 01:00 UTC, 02:00 CET becomes 03:00 CEST.
  // Fall back: 2026-10-25 at 01:00 UTC, 03:00 CEST becomes 02:00 CET.
  const berlinNight = parseDailyWindow('01:00-05:00', 'Europe/Berlin');

  test('spring-forward night keeps wall-clock edges and lasts 3 hours', () => {
    assert.equal(checkWindow(berlinNight, at('2026-03-28T23:59:00Z')).isOpen, false);
    const opening = checkWindow(berlinNight, at('2026-03-29T00:00:00Z'));
    assert.equal(opening.isOpen, true);
    assert.equal(opening.closesAtMs, at('2026-03-29T03:00:00Z'), '05:00 CEST');
    assert.equal(checkWindow(berlinNight, at('2026-03-29T01:00:00Z')).isOpen, true, '03:00 CEST, right after the jump');
    assert.equal(checkWindow(berlinNight, at('2026-03-29T02:59:00Z')).isOpen, true);
    assert.equal(checkWindow(berlinNight, at('2026-03-29T03:00:00Z')).isOpen, false);
  });

  test('fall-back night keeps wall-clock edges and lasts 5 hours', () => {
    const opening = checkWindow(berlinNight, at('2026-10-24T23:00:00Z'));
    assert.equal(opening.isOpen, true, '01:00 CEST');
    assert.equal(opening.closesAtMs, at('2026-10-25T04:00:00Z'), '05:00 CET');
    assert.equal(checkWindow(berlinNight, at('2026-10-25T00:30:00Z')).isOpen, true, 'first 02:30');
    assert.equal(checkWindow(berlinNight, at('2026-10-25T01:30:00Z')).isOpen, true, 'second 02:30');
    assert.equal(checkWindow(berlinNight, at('2026-10-25T03:59:00Z')).isOpen, true);
    assert.equal(checkWindow(berlinNight, at('2026-10-25T04:00:00Z')).isOpen, false);
  });

  test('window across the skipped hour opens after the jump', () => {
    const acrossJump = parseDailyWindow('02:30-04:00', 'Europe/Berlin');
    const beforeJump = checkWindow(acrossJump, at('2026-03-29T00:59:00Z'));
    assert.equal(beforeJump.isOpen, false, '01:59 CET');
    assert.equal(beforeJump.opensAtMs, at('2026-03-29T01:00:00Z'), '03:00 CEST, the first instant after 02:30 CET');
    assert.equal(checkWindow(acrossJump, at('2026-03-29T01:00:00Z')).isOpen, true);
    assert.equal(checkWindow(acrossJump, at('2026-03-29T02:00:00Z')).isOpen, false, '04:00 CEST');
  });

  test('window inside the skipped hour stays shut that night', () => {
    const insideJump = parseDailyWindow('02:00-03:00', 'Europe/Berlin');
    const check = checkWindow(insideJump, at('2026-03-29T00:30:00Z'));
    assert.equal(check.isOpen, false);
    assert.equal(check.opensAtMs, at('2026-03-30T00:00:00Z'), '02:00 CEST the next night');
    assert.equal(checkWindow(insideJump, at('2026-03-29T01:00:00Z')).isOpen, false);
  });
});

describe('cron window', () => {
  test('open for the slack after each time', () => {
    const window = parseCronWindow('0 2 * * *', 60, 'UTC');
    assert.equal(checkWindow(window, at('2026-06-01T01:59:00Z')).isOpen, false);
    assert.equal(checkWindow(window, at('2026-06-01T02:00:00Z')).isOpen, true, 'the fire time itself');
    const inside = checkWindow(window, at('2026-06-01T02:30:00Z'));
    assert.equal(inside.isOpen, true);
    assert.equal(inside.closesAtMs, at('2026-06-01T03:00:00Z'));
    const after = checkWindow(window, at('2026-06-01T03:00:00Z'));
    assert.equal(after.isOpen, false);
    assert.equal(after.opensAtMs, at('2026-06-02T02:00:00Z'));
  });

  test('02:00 Berlin on the spring-forward night fires at 03:00 CEST', () => {
    const window = parseCronWindow('0 2 * * *', 60, 'Europe/Berlin');
    assert.equal(checkWindow(window, at('2026-03-29T00:30:00Z')).opensAtMs, at('2026-03-29T01:00:00Z'));
    assert.equal(checkWindow(window, at('2026-03-29T01:10:00Z')).isOpen, true);
    assert.equal(checkWindow(window, at('2026-03-29T02:00:00Z')).isOpen, false);
  });

  test('evaluated in the given zone', () => {
    const window = parseCronWindow('0 2 * * *', 30, 'America/New_York');
    assert.equal(checkWindow(window, at('2026-06-01T06:10:00Z')).isOpen, true, '02:10 EDT');
    assert.equal(checkWindow(window, at('2026-06-01T02:10:00Z')).isOpen, false, '22:10 EDT');
  });
});

describe('invalid windows', () => {
  test('malformed window text', () => assertInvalid(() => parseDailyWindow('1-5', 'UTC'), /--window "1-5" is invalid: write HH:MM-HH:MM/));
  test('hour out of range', () => assertInvalid(() => parseDailyWindow('25:00-05:00', 'UTC'), /start 25:00 is not a time of day/));
  test('minute out of range', () => assertInvalid(() => parseDailyWindow('01:00-05:61', 'UTC'), /end 05:61 is not a time of day/));
  test('empty window', () => assertInvalid(() => parseDailyWindow('03:00-03:00', 'UTC'), /same time/));
  test('unknown time zone', () => assertInvalid(() => parseDailyWindow('01:00-05:00', 'Europe/Atlantis'), /--tz "Europe\/Atlantis" is not a known IANA time zone/));
  test('invalid cron expression', () => assertInvalid(() => parseCronWindow('61 2 * * *', 60, 'UTC'), /--cron "61 2 \* \* \*" is invalid/));
  test('zero cron slack', () => assertInvalid(() => parseCronWindow('0 2 * * *', 0, 'UTC'), /--cron-slack-minutes 0 is invalid/));
});
