// EventBridge Scheduler cron expressions — `cron(minutes hours day-of-month month day-of-week year)`
// — evaluated in a time zone, for the local scheduler. Supports `*`, `?`, lists, ranges, steps and
// names (JAN, MON); day-of-week 1–7 is SUN–SAT as on AWS. `L`, `W` and `#` are refused.

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

type Field = Set<number> | 'any';

function parseField(text: string, min: number, max: number, names: string[] = [], nameBase = 1): Field {
  if (text === '*' || text === '?') return 'any';
  if (/[LW#]/.test(text)) throw new Error(`cron field "${text}": L, W and # are not supported locally`);
  const values = new Set<number>();
  const toNumber = (token: string) => {
    const index = names.indexOf(token.toUpperCase());
    const value = index >= 0 ? index + nameBase : Number(token);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`cron value "${token}" out of ${min}-${max}`);
    return value;
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    if (!Number.isInteger(step) || step < 1) throw new Error(`cron step "${stepText}" is invalid`);
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(toNumber)
          : [toNumber(range), stepText ? max : toNumber(range)];
    for (let value = from as number; value <= (to as number); value += step) values.add(value);
  }
  return values;
}

export interface Cron {
  matches(date: Date, timeZone: string): boolean;
}

export function parseCron(expression: string): Cron {
  const inner = /^cron\((.+)\)$/.exec(expression.trim())?.[1];
  const parts = inner?.trim().split(/\s+/);
  if (!parts || parts.length !== 6)
    throw new Error(`"${expression}" is not cron(min hour dom month dow year)`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = [
    parseField(parts[0] as string, 0, 59),
    parseField(parts[1] as string, 0, 23),
    parseField(parts[2] as string, 1, 31),
    parseField(parts[3] as string, 1, 12, MONTHS),
    parseField(parts[4] as string, 1, 7, DAYS),
    parseField(parts[5] as string, 1970, 2199),
  ];
  const has = (field: Field, value: number) => field === 'any' || field.has(value);
  return {
    matches(date, timeZone) {
      const fields = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', {
          timeZone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          weekday: 'short',
        })
          .formatToParts(date)
          .map((part) => [part.type, part.value]),
      );
      const weekday = DAYS.indexOf(String(fields.weekday).toUpperCase()) + 1;
      return (
        has(minute, Number(fields.minute)) &&
        has(hour, Number(fields.hour)) &&
        has(dayOfMonth, Number(fields.day)) &&
        has(month, Number(fields.month)) &&
        has(dayOfWeek, weekday) &&
        has(year, Number(fields.year))
      );
    },
  };
}
