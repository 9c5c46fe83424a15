// What the nightly analytics know about one customer on a given day, derived from the compact
// aggregates on the profile (shared/domain/customer-activity.ts) using only the days up to and
// including `asOf`: that is what makes `--as-of` compute a past date as it was.
//
// Purchases are counted per business-local day, as the CDNOW benchmark does: several orders on one
// day are one transaction for the models (x counts repeat purchase *days*), while RFM frequency and
// the lifecycle rules count orders. Pure: no I/O.
import type { DailyMap } from '../customer-activity.js';

export interface ActivityMaps {
  readonly dailySpend?: DailyMap;
  readonly dailyOrders?: DailyMap;
}

export interface CustomerFacts {
  /** First and last purchase day up to asOf (`YYYY-MM-DD`), null without a purchase. */
  readonly firstDay: string | null;
  readonly lastDay: string | null;
  /** Orders placed up to asOf (RFM frequency, lifecycle). */
  readonly orders: number;
  /** Purchase days up to asOf (transactions for the models): x + 1 for a buyer. */
  readonly purchaseDays: number;
  /** Repeat purchase days (BG/NBD x). */
  readonly x: number;
  /** Days from the first to the last purchase day (BG/NBD t_x, in days). */
  readonly txDays: number;
  /** Days from the first purchase day to asOf (BG/NBD T, in days). */
  readonly TDays: number;
  /** Days from the last purchase day to asOf (RFM recency); null without a purchase. */
  readonly recencyDays: number | null;
  /** Net spend up to asOf, never below 0 (RFM monetary). */
  readonly monetary: number;
  /** Mean value of the repeat purchase days (Gamma-Gamma zbar), 0 when x = 0. */
  readonly zbar: number;
  /** Spend in the trailing membership window ending at asOf (inclusive). */
  readonly trailingSpend: number;
  /** Purchase days within the last `recentDays` (the CLV fallback's frequency). */
  readonly recentPurchaseDays: number;
  /** `YYYY-MM` months with a purchase, ascending. */
  readonly activeMonths: readonly string[];
}

export const DAY_MS = 86_400_000;
const dayCache = new Map<string, number>();

/** Days since 1970-01-01 of a `YYYY-MM-DD` day, cached: the same few thousand days recur millions of times. */
export function dayIndex(day: string): number {
  let index = dayCache.get(day);
  if (index === undefined) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    if (!match) throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
    index = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
    if (dayCache.size > 100_000) dayCache.clear();
    dayCache.set(day, index);
  }
  return index;
}

/** The day `days` after (or before, when negative) a `YYYY-MM-DD` day. */
export function addDays(day: string, days: number): string {
  return new Date((dayIndex(day) + days) * DAY_MS).toISOString().slice(0, 10);
}

const NO_FACTS: CustomerFacts = {
  firstDay: null,
  lastDay: null,
  orders: 0,
  purchaseDays: 0,
  x: 0,
  txDays: 0,
  TDays: 0,
  recencyDays: null,
  monetary: 0,
  zbar: 0,
  trailingSpend: 0,
  recentPurchaseDays: 0,
  activeMonths: [],
};

/** Cents, so sums do not depend on the order of the days. */
const cents = (value: number) => Math.round(value * 100);

/**
 * The customer's facts on `asOf` (inclusive). A purchase day is a day with an order or a spend
 * entry (zero-value orders are purchases); days after `asOf` are ignored.
 *
 * @param windowDays membership window: spend on days in (asOf − windowDays, asOf]
 * @param recentDays the CLV fallback's look-back for recent purchase days
 */
export function customerFacts(
  activity: ActivityMaps,
  asOf: string,
  windowDays: number,
  recentDays = 365,
): CustomerFacts {
  const spend = activity.dailySpend ?? {};
  const ordersByDay = activity.dailyOrders ?? {};
  const days = new Set<string>();
  for (const [day, count] of Object.entries(ordersByDay)) if (day <= asOf && count > 0) days.add(day);
  for (const day of Object.keys(spend)) if (day <= asOf) days.add(day);
  if (days.size === 0) return NO_FACTS;

  const sorted = [...days].sort();
  const firstDay = sorted[0] as string;
  const lastDay = sorted[sorted.length - 1] as string;
  const end = dayIndex(asOf);
  const first = dayIndex(firstDay);
  const windowStart = end - windowDays;
  const recentStart = end - recentDays;
  let orders = 0;
  let totalCents = 0;
  let repeatCents = 0;
  let trailingCents = 0;
  let recent = 0;
  const months: string[] = [];
  for (const day of sorted) {
    const index = dayIndex(day);
    const dayCents = cents(spend[day] ?? 0);
    // A day with spend but no order count (an aggregate written before order counts existed) is one order.
    orders += Math.max(1, Math.round(ordersByDay[day] ?? 0));
    totalCents += dayCents;
    if (day !== firstDay) repeatCents += dayCents;
    if (index > windowStart) trailingCents += dayCents;
    if (index > recentStart) recent++;
    const month = day.slice(0, 7);
    if (months[months.length - 1] !== month) months.push(month);
  }
  const x = sorted.length - 1;
  return {
    firstDay,
    lastDay,
    orders,
    purchaseDays: sorted.length,
    x,
    txDays: dayIndex(lastDay) - first,
    TDays: end - first,
    recencyDays: end - dayIndex(lastDay),
    monetary: Math.max(0, totalCents) / 100,
    zbar: x > 0 ? repeatCents / 100 / x : 0,
    trailingSpend: trailingCents / 100,
    recentPurchaseDays: recent,
    activeMonths: months,
  };
}
