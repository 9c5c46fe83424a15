// Business-local calendar days. Aggregates (dailySpend, dailyOrders), birthdays and schedules are
// reckoned in the business's time zone, never in UTC: an order at 23:30 in Shanghai belongs to
// that Shanghai day. Pure: no I/O; the time zone is a parameter.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function toEpoch(iso: string): number {
  const epoch = Date.parse(iso);
  if (Number.isNaN(epoch)) throw new RangeError(`not an ISO 8601 time: ${iso}`);
  return epoch;
}

/**
 * The calendar day `YYYY-MM-DD` of an instant in a time zone:
 * `localDay('2024-03-01T16:30:00Z', 'Asia/Shanghai')` is `2024-03-02`.
 */
export function localDay(iso: string | Date, timeZone: string): string {
  const epoch = typeof iso === 'string' ? toEpoch(iso) : iso.getTime();
  // Asking Intl is slow and imports ask about the same hours again and again: the zone's offset
  // is remembered per quarter hour of UTC, unless it changes within that quarter hour.
  const quarter = Math.floor(epoch / QUARTER_HOUR);
  const key = `${timeZone} ${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const start = offsetAt(quarter * QUARTER_HOUR, timeZone);
    const end = offsetAt((quarter + 1) * QUARTER_HOUR - 1000, timeZone);
    offset = start === end ? start : null;
    if (offsets.size > 50_000) offsets.clear();
    offsets.set(key, offset);
  }
  if (offset === null) {
    const clock = wallClock(epoch, timeZone);
    return `${pad(clock.year, 4)}-${pad(clock.month)}-${pad(clock.day)}`;
  }
  return new Date(epoch + offset).toISOString().slice(0, 10);
}

const QUARTER_HOUR = 15 * 60_000;
const offsets = new Map<string, number | null>();

/** Offset of the time zone from UTC at an instant, in milliseconds (Shanghai: +8 h). */
function offsetAt(epochMs: number, timeZone: string): number {
  const c = wallClock(epochMs, timeZone);
  const asUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Whether `YYYY-MM-DD` is a real calendar date. */
export function isCalendarDate(day: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return false;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, date));
  return check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === date;
}

/**
 * The instant (UTC ISO string) at which a business-local day begins:
 * `startOfLocalDay('2024-03-02', 'Asia/Shanghai')` is `2024-03-01T16:00:00.000Z`. On a day that
 * starts inside a daylight-saving gap, the first existing instant of that day.
 */
export function startOfLocalDay(day: string, timeZone: string): string {
  if (!isCalendarDate(day)) throw new RangeError(`not a YYYY-MM-DD date: ${day}`);
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, date);
  // Two rounds settle the offset around a transition; then step forward out of a gap if needed.
  let epoch = wall - offsetAt(wall, timeZone);
  epoch = wall - offsetAt(epoch, timeZone);
  while (localDay(new Date(epoch), timeZone) < day) epoch += 15 * 60_000;
  return new Date(epoch).toISOString();
}
