// When a message may go out: whose birthday it is at an instant in their own time zone, quiet
// hours, the frequency cap, the win-back cooldown and sunset. Pure: instants and time zones in,
// answers out (the clock is the caller's).
import { localDay } from '../time.js';
import { inQuietHours, type QuietHours } from './settings.js';

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** The local hour (0–23) of an instant in a time zone. */
export function localHour(instant: Date, timeZone: string): number {
  let format = hourFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit' });
    hourFormats.set(timeZone, format);
  }
  return Number(format.formatToParts(instant).find((part) => part.type === 'hour')?.value ?? 0);
}

export const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * Whether a birth date (`YYYY-MM-DD` or `--MM-DD`) is celebrated on a local day `YYYY-MM-DD`:
 * its month and day match, and a 29 February birthday is celebrated on 28 February in years
 * without a 29th.
 */
export function isBirthdayOn(birthDate: string, day: string): boolean {
  const birthday = birthDate.slice(-5);
  const monthDay = day.slice(5);
  if (birthday === monthDay) return true;
  return birthday === '02-29' && monthDay === '02-28' && !isLeapYear(Number(day.slice(0, 4)));
}

/** The birthday month-days (`MM-DD`, the `byBirthday` index keys) celebrated on a local day. */
export function birthdayMonthDaysOn(day: string): string[] {
  const monthDay = day.slice(5);
  return monthDay === '02-28' && !isLeapYear(Number(day.slice(0, 4))) ? ['02-28', '02-29'] : [monthDay];
}

const QUARTER_HOUR = 15 * 60_000;
/** Every UTC offset in use lies in [-12 h, +14 h], on a 15-minute grid. */
const OFFSETS = Array.from(
  { length: (26 * 60) / 15 + 1 },
  (_, index) => -12 * 3_600_000 + index * QUARTER_HOUR,
);

/**
 * The local days, anywhere on Earth, on which it is `hour` o'clock at this instant (one or two
 * days): the only birthdays an hourly run at this instant can be due for.
 */
export function daysAtLocalHour(instant: Date, hour: number): string[] {
  const days = new Set<string>();
  for (const offset of OFFSETS) {
    const wall = new Date(instant.getTime() + offset);
    if (wall.getUTCHours() === hour) days.add(wall.toISOString().slice(0, 10));
  }
  return [...days].sort();
}

/**
 * Whether a birthday greeting is due at an instant for a customer in `timeZone`: it is the
 * greeting hour there, on their birthday.
 */
export function birthdayDueAt(
  birthDate: string,
  timeZone: string,
  instant: Date,
  greetingHour: number,
): boolean {
  return (
    localHour(instant, timeZone) === greetingHour && isBirthdayOn(birthDate, localDay(instant, timeZone))
  );
}

/** Whether the instant falls in the customer's quiet hours. */
export function isQuietAt(instant: Date, timeZone: string, quiet: QuietHours | null): boolean {
  return inQuietHours(localHour(instant, timeZone), quiet);
}

/**
 * The first instant at or after `instant` outside the quiet hours (on the quarter-hour grid every
 * time zone's hours start on, so it is DST-safe): when a deferred message may go out.
 */
export function quietHoursEnd(instant: Date, timeZone: string, quiet: QuietHours | null): Date {
  if (!isQuietAt(instant, timeZone, quiet)) return instant;
  let candidate = Math.ceil(instant.getTime() / QUARTER_HOUR) * QUARTER_HOUR;
  for (let step = 0; step < 4 * 48; step++, candidate += QUARTER_HOUR) {
    if (!isQuietAt(new Date(candidate), timeZone, quiet)) return new Date(candidate);
  }
  throw new RangeError('quiet hours never end'); // unreachable: the settings refuse from === to covering all day
}

const DAY = 86_400_000;

/** Whether the last marketing email (if any) lies at least `capDays` before `now`. */
export function capAllows(lastMarketingAt: string | undefined, now: Date, capDays: number): boolean {
  return !lastMarketingAt || Date.parse(lastMarketingAt) <= now.getTime() - capDays * DAY;
}

/** The ISO instant before which a previous message no longer counts against a window of `days`. */
export const windowStart = (now: Date, days: number): string =>
  new Date(now.getTime() - days * DAY).toISOString();

/**
 * Win-back emails that got no answer: those sent after the customer's last order (all of them if
 * they never ordered since). An order resets the count.
 */
export function unansweredWinbacks(winbackSends: readonly string[], lastOrderAt: string | undefined): number {
  if (!lastOrderAt) return winbackSends.length;
  const lastOrder = Date.parse(lastOrderAt);
  return winbackSends.filter((sentAt) => Date.parse(sentAt) > lastOrder).length;
}
