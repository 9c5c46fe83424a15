import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  birthdayDueAt,
  birthdayMonthDaysOn,
  capAllows,
  daysAtLocalHour,
  isBirthdayOn,
  isLeapYear,
  isQuietAt,
  localHour,
  quietHoursEnd,
  unansweredWinbacks,
} from '../../../shared/domain/messaging/schedule.js';
import { inQuietHours } from '../../../shared/domain/messaging/settings.js';
import { localDay } from '../../../shared/domain/time.js';

const QUIET = { from: 21, to: 8 };

describe('local hour and day of an instant', () => {
  it.each([
    // instant, zone, local hour (worked out by hand from the zone's offset that day)
    ['2026-03-14T01:00:00Z', 'Asia/Shanghai', 9], // UTC+8
    ['2026-03-14T16:00:00Z', 'America/Los_Angeles', 9], // PDT (UTC-7) since 8 March 2026
    ['2026-03-07T17:00:00Z', 'America/Los_Angeles', 9], // PST (UTC-8) before
    ['2026-03-14T03:30:00Z', 'Asia/Kolkata', 9], // UTC+5:30
    ['2026-03-14T03:15:00Z', 'Asia/Kathmandu', 9], // UTC+5:45
    ['2026-03-14T23:00:00Z', 'Pacific/Kiritimati', 13], // UTC+14
  ])('%s in %s is hour %i there', (instant, zone, hour) => {
    expect(localHour(new Date(instant), zone)).toBe(hour);
  });
});

describe('whose birthday it is', () => {
  it.each([
    ['1990-03-14', '2026-03-14', true],
    ['--03-14', '2026-03-14', true],
    ['1990-03-14', '2026-03-15', false],
    ['1990-03-15', '2026-03-14', false],
    // 29 February: on the 29th in leap years, on the 28th in the others, never twice.
    ['2000-02-29', '2024-02-29', true],
    ['2000-02-29', '2024-02-28', false],
    ['2000-02-29', '2025-02-28', true],
    ['2000-02-29', '2025-03-01', false],
    ['--02-29', '2100-02-28', true], // 2100 is not a leap year
    ['--02-29', '2000-02-28', false], // 2000 is
    ['1999-02-28', '2025-02-28', true],
  ])('born %s: birthday on %s is %s', (birthDate, day, expected) => {
    expect(isBirthdayOn(birthDate, day)).toBe(expected);
  });

  it('queries the 29 February index key on 28 February of common years only', () => {
    expect(birthdayMonthDaysOn('2025-02-28')).toEqual(['02-28', '02-29']);
    expect(birthdayMonthDaysOn('2024-02-28')).toEqual(['02-28']);
    expect(birthdayMonthDaysOn('2024-02-29')).toEqual(['02-29']);
    expect(birthdayMonthDaysOn('2026-03-14')).toEqual(['03-14']);
  });

  it('knows the leap years', () => {
    expect([1900, 2000, 2024, 2025, 2100].map(isLeapYear)).toEqual([false, true, true, false, false]);
  });

  it('greets Shanghai and Los Angeles each on their own birthday morning', () => {
    const shanghaiMorning = new Date('2026-03-14T01:00:00Z'); // 09:00 in Shanghai; 18:00 on 13 March in LA
    const laMorning = new Date('2026-03-14T16:00:00Z'); // 09:00 in LA; 00:00 on 15 March in Shanghai
    expect(birthdayDueAt('1990-03-14', 'Asia/Shanghai', shanghaiMorning, 9)).toBe(true);
    expect(birthdayDueAt('1990-03-14', 'America/Los_Angeles', shanghaiMorning, 9)).toBe(false);
    expect(birthdayDueAt('1990-03-14', 'America/Los_Angeles', laMorning, 9)).toBe(true);
    expect(birthdayDueAt('1990-03-14', 'Asia/Shanghai', laMorning, 9)).toBe(false);
    // One hour later is too late for both: the ledger is not the only thing keeping it to one run.
    expect(birthdayDueAt('1990-03-14', 'Asia/Shanghai', new Date('2026-03-14T02:00:00Z'), 9)).toBe(false);
  });

  it('lists the local days on which it is the greeting hour somewhere', () => {
    // 01:00 UTC: 09:00 only at UTC+8…+8:45, on the 14th.
    expect(daysAtLocalHour(new Date('2026-03-14T01:00:00Z'), 9)).toEqual(['2026-03-14']);
    // 20:00 UTC: 09:00 at UTC-11 (the 14th) and at UTC+13 (the 15th).
    expect(daysAtLocalHour(new Date('2026-03-14T20:00:00Z'), 9)).toEqual(['2026-03-14', '2026-03-15']);
  });

  const ZONES = [
    'UTC',
    'Asia/Shanghai',
    'America/Los_Angeles',
    'America/New_York',
    'Europe/Berlin',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'America/St_Johns',
    'Pacific/Chatham',
  ];

  it('never misses a due customer: their local day is among the days an hourly run queries', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 23 }),
        (when, zone, hour) => {
          // Align to the top of a UTC hour, as the schedule fires.
          const instant = new Date(Math.floor(when.getTime() / 3_600_000) * 3_600_000);
          const day = localDay(instant, zone);
          if (localHour(instant, zone) !== hour) return true;
          return daysAtLocalHour(instant, hour).includes(day);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('greets each customer in exactly one of the 24 hourly runs of their birthday (no DST day here)', () => {
    for (const zone of ZONES) {
      const runs = Array.from({ length: 72 }, (_, index) => new Date(Date.UTC(2026, 5, 13, index)));
      const due = runs.filter((instant) => birthdayDueAt('1990-06-14', zone, instant, 9));
      expect(due, zone).toHaveLength(1);
      expect(localDay(due[0] as Date, zone)).toBe('2026-06-14');
    }
  });
});

describe('quiet hours', () => {
  it.each([
    [20, false],
    [21, true],
    [23, true],
    [0, true],
    [7, true],
    [8, false],
    [12, false],
  ])('21→8: hour %i quiet is %s', (hour, quiet) => {
    expect(inQuietHours(hour, QUIET)).toBe(quiet);
  });

  it('handles a window inside one day, and none', () => {
    expect(inQuietHours(13, { from: 12, to: 14 })).toBe(true);
    expect(inQuietHours(14, { from: 12, to: 14 })).toBe(false);
    expect(inQuietHours(3, null)).toBe(false);
  });

  it.each([
    // now (UTC), zone, when the quiet hours end (UTC), worked out by hand
    ['2026-03-14T15:00:00Z', 'Asia/Shanghai', '2026-03-15T00:00:00.000Z'], // 23:00 → 08:00 next day
    ['2026-03-14T17:00:00Z', 'Asia/Shanghai', '2026-03-15T00:00:00.000Z'], // 01:00 → 08:00 same day
    ['2026-03-14T17:00:00Z', 'Asia/Kolkata', '2026-03-15T02:30:00.000Z'], // 22:30 IST → 08:00 IST
    // 22:00 PST on 7 March; clocks spring forward at 02:00 on the 8th: 08:00 PDT is 15:00 UTC.
    ['2026-03-08T06:00:00Z', 'America/Los_Angeles', '2026-03-08T15:00:00.000Z'],
    ['2026-03-14T12:00:00Z', 'Asia/Shanghai', '2026-03-14T12:00:00.000Z'], // 20:00: not quiet, now
  ])('at %s in %s, quiet hours end at %s', (now, zone, end) => {
    expect(quietHoursEnd(new Date(now), zone, QUIET).toISOString()).toBe(end);
  });

  it('always ends outside the quiet hours, within a day', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2040-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(
          'Asia/Shanghai',
          'America/Los_Angeles',
          'Asia/Kolkata',
          'Australia/Lord_Howe',
          'Europe/London',
        ),
        (now, zone) => {
          const end = quietHoursEnd(now, zone, QUIET);
          return (
            !isQuietAt(end, zone, QUIET) && end >= now && end.getTime() - now.getTime() <= 12 * 3_600_000
          );
        },
      ),
    );
  });
});

describe('frequency cap and sunset', () => {
  const now = new Date('2026-03-14T10:00:00Z');

  it('allows a marketing email only when the last one is at least the cap ago', () => {
    expect(capAllows(undefined, now, 7)).toBe(true);
    expect(capAllows('2026-03-07T10:00:00.000Z', now, 7)).toBe(true); // exactly 7 days
    expect(capAllows('2026-03-07T10:00:00.001Z', now, 7)).toBe(false);
    expect(capAllows('2026-03-14T09:00:00.000Z', now, 0)).toBe(true);
  });

  it('counts the win-backs sent since the last order', () => {
    const sends = ['2025-01-01T00:00:00Z', '2025-04-01T00:00:00Z', '2025-07-01T00:00:00Z'];
    expect(unansweredWinbacks(sends, undefined)).toBe(3);
    expect(unansweredWinbacks(sends, '2025-02-01T00:00:00Z')).toBe(2);
    expect(unansweredWinbacks(sends, '2025-08-01T00:00:00Z')).toBe(0);
    expect(unansweredWinbacks([], undefined)).toBe(0);
  });
});
