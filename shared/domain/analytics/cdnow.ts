// Per-customer calibration summaries (x, t_x, T, zbar) from a raw purchase log, built the way the
// CDNOW benchmark builds them (shared/data/cdnow/README.md; Fader, Hardie & Lee 2005):
//   - purchases by one customer on the same day are one transaction (amounts added);
//   - the first transaction is the customer's birth and is not counted in x;
//   - x counts the repeat transactions up to and including the calibration end;
//   - t_x and T are measured from the birth, in units of `unitDays` days (7: weeks);
//   - zbar is the mean value of the repeat transactions only.
// Generic over any log of {customerId, date, amount}; the CDNOW text format has a parser here too.
// Pure: no I/O (the caller reads the file).

/** One purchase line of a raw log. */
export interface Transaction {
  readonly customerId: string;
  /** Calendar day of the purchase, `YYYY-MM-DD`. */
  readonly date: string;
  readonly amount: number;
}

/** A customer's calibration summary. */
export interface CustomerSummary {
  readonly customerId: string;
  /** Day of the first transaction, `YYYY-MM-DD`. */
  readonly birth: string;
  /** Repeat transactions (distinct purchase days after the birth) up to the calibration end. */
  readonly x: number;
  /** Time from the birth to the last repeat transaction, in units (0 when x = 0). */
  readonly tx: number;
  /** Time from the birth to the calibration end, in units. */
  readonly T: number;
  /** Mean value of the repeat transactions (0 when x = 0). */
  readonly zbar: number;
  /** Value of the first transaction (the birth day's purchases added). */
  readonly firstAmount: number;
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` calendar date; RangeError for anything else. */
export function dayNumber(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const time = Date.UTC(year, month - 1, day);
    const check = new Date(time);
    // Date.UTC rolls 1997-02-30 over to March; reject instead of silently moving the purchase.
    if (check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day) {
      return time / MS_PER_DAY;
    }
  }
  throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
}

/** Purchase days of each customer: customerId → (day number → merged amount), in input order. */
function mergeSameDay(transactions: Iterable<Transaction>): Map<string, Map<number, number>> {
  const customers = new Map<string, Map<number, number>>();
  for (const { customerId, date, amount } of transactions) {
    if (!Number.isFinite(amount))
      throw new RangeError(`amount must be finite, got ${amount} (${customerId} ${date})`);
    const day = dayNumber(date);
    let days = customers.get(customerId);
    if (!days) {
      days = new Map();
      customers.set(customerId, days);
    }
    days.set(day, (days.get(day) ?? 0) + amount);
  }
  return customers;
}

/**
 * Builds each customer's calibration summary from raw transactions, as described in the file header.
 * Customers whose first purchase falls after `calibrationEnd` are left out (they were not yet born);
 * purchases after `calibrationEnd` are ignored. Customers are returned in order of first appearance.
 *
 * @param calibrationEnd last day of the calibration period, inclusive (`YYYY-MM-DD`)
 * @param unitDays length of the time unit in days (7: t_x and T in weeks, as in CDNOW)
 */
export function summarize(
  transactions: Iterable<Transaction>,
  calibrationEnd: string,
  unitDays = 7,
): CustomerSummary[] {
  if (!(unitDays > 0)) throw new RangeError(`unitDays must be > 0, got ${unitDays}`);
  const end = dayNumber(calibrationEnd);
  const summaries: CustomerSummary[] = [];
  for (const [customerId, days] of mergeSameDay(transactions)) {
    const calibrationDays = [...days.keys()].filter((day) => day <= end).sort((u, v) => u - v);
    const birth = calibrationDays[0];
    if (birth === undefined) continue;
    const repeats = calibrationDays.slice(1);
    const last = repeats.at(-1) ?? birth;
    const repeatValue = repeats.reduce((sum, day) => sum + (days.get(day) as number), 0);
    summaries.push({
      customerId,
      birth: new Date(birth * MS_PER_DAY).toISOString().slice(0, 10),
      x: repeats.length,
      tx: (last - birth) / unitDays,
      T: (end - birth) / unitDays,
      zbar: repeats.length > 0 ? repeatValue / repeats.length : 0,
      firstAmount: days.get(birth) as number,
    });
  }
  return summaries;
}

/**
 * Transactions (distinct purchase days, same-day purchases merged as in {@link summarize}) per customer
 * in the period (after, through]: e.g. the holdout-period repeat purchases when `after` is the
 * calibration end. Customers without any are absent from the map.
 */
export function countTransactionsInPeriod(
  transactions: Iterable<Transaction>,
  after: string,
  through: string,
): Map<string, number> {
  const from = dayNumber(after);
  const to = dayNumber(through);
  const counts = new Map<string, number>();
  for (const [customerId, days] of mergeSameDay(transactions)) {
    let count = 0;
    for (const day of days.keys()) if (day > from && day <= to) count++;
    if (count > 0) counts.set(customerId, count);
  }
  return counts;
}

/**
 * Parses the CDNOW raw log (`master_id sample_id YYYYMMDD number_of_cds dollar_value`, whitespace
 * separated, one purchase per line). The customer id is the sample id without leading zeros, which is
 * the `ID` column of the published summary CSV. Blank lines are skipped; anything else malformed is a
 * RangeError naming the line.
 */
export function parseCdnowLog(text: string): Transaction[] {
  const transactions: Transaction[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === '') return;
    const [, sampleId, ymd, , dollars] = fields;
    if (
      fields.length !== 5 ||
      !sampleId ||
      !/^\d+$/.test(sampleId) ||
      !ymd ||
      !/^\d{8}$/.test(ymd) ||
      !Number.isFinite(Number(dollars))
    ) {
      throw new RangeError(`CDNOW log line ${index + 1} is malformed: ${line}`);
    }
    transactions.push({
      customerId: String(Number(sampleId)),
      date: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
      amount: Number(dollars),
    });
  });
  return transactions;
}
