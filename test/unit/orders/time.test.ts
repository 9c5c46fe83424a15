import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, localDay, startOfLocalDay } from '../../../shared/domain/time.js';

describe('localDay', () => {
  it.each([
    ['2024-03-01T16:30:00Z', 'Asia/Shanghai', '2024-03-02'],
    ['2024-03-01T15:59:59.999Z', 'Asia/Shanghai', '2024-03-01'],
    ['2024-03-01T16:00:00Z', 'Asia/Shanghai', '2024-03-02'],
    ['2024-03-02T00:30:00+08:00', 'UTC', '2024-03-01'],
    ['2024-03-10T06:59:00Z', 'America/New_York', '2024-03-10'], // 01:59 EST, the night clocks spring forward
    ['2024-11-03T05:30:00Z', 'America/New_York', '2024-11-03'], // 01:30 EDT, the first of two 01:30s
    ['2024-01-01T10:00:00Z', 'Pacific/Kiritimati', '2024-01-02'], // UTC+14
    ['2024-01-01T10:00:00Z', 'Pacific/Pago_Pago', '2023-12-31'], // UTC−11
    ['1997-01-01T00:00:00Z', 'UTC', '1997-01-01'],
  ])('%s in %s is %s', (iso, zone, day) => {
    expect(localDay(iso, zone)).toBe(day);
  });

  it('agrees with Intl for any instant and zone, odd historical offsets and transitions included', () => {
    const zones = [
      'Asia/Shanghai',
      'America/New_York',
      'Europe/Amsterdam',
      'Africa/Monrovia',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1900-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        (epoch, zone) => {
          const reference = new Intl.DateTimeFormat('en-CA', {
            timeZone: zone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
          });
          expect(localDay(new Date(epoch), zone)).toBe(reference.format(new Date(epoch)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses what is not a time', () => {
    expect(() => localDay('yesterday', 'UTC')).toThrow(RangeError);
  });
});

describe('startOfLocalDay', () => {
  it.each([
    ['2024-03-02', 'Asia/Shanghai', '2024-03-01T16:00:00.000Z'],
    ['2024-03-02', 'UTC', '2024-03-02T00:00:00.000Z'],
    ['2024-03-10', 'America/New_York', '2024-03-10T05:00:00.000Z'], // still EST at midnight
    ['2024-03-11', 'America/New_York', '2024-03-11T04:00:00.000Z'], // EDT
    ['2024-09-08', 'America/Santiago', '2024-09-08T04:00:00.000Z'], // midnight does not exist: 01:00 −03
    ['1997-01-01', 'Asia/Shanghai', '1996-12-31T16:00:00.000Z'],
  ])('%s in %s starts at %s', (day, zone, iso) => {
    expect(startOfLocalDay(day, zone)).toBe(iso);
  });

  it('refuses dates that do not exist', () => {
    expect(() => startOfLocalDay('2023-02-29', 'UTC')).toThrow(RangeError);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2024-13-01')).toBe(false);
  });

  const zones = [
    'UTC',
    'Asia/Shanghai',
    'America/New_York',
    'Europe/London',
    'Australia/Lord_Howe',
    'America/Santiago',
  ];
  it('is the first instant of that day in that zone, for any day and zone', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-02T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(...zones),
        (date, zone) => {
          const day = date.toISOString().slice(0, 10);
          const start = startOfLocalDay(day, zone);
          expect(localDay(start, zone)).toBe(day);
          expect(localDay(new Date(Date.parse(start) - 1), zone) < day).toBe(true);
        },
      ),
    );
  });
});
