// Business KPIs from compact per-customer data: cohort retention by first-order month, the
// repeat-purchase rate, average CLV and acquisition cost per channel. Each shard builds a
// `KpiPartial`; partials merge by adding counts (integers, so any merge order gives the same
// result); the coordinator turns the merged partial into figures.

/** What the KPIs need to know about one customer. Months are `YYYY-MM`. */
export interface KpiCustomer {
  /** Month of the first order; `null` for a customer without orders. */
  readonly firstOrderMonth: string | null;
  /** Months with at least one order (duplicates and months before the first order are ignored). */
  readonly activeMonths: readonly string[];
  readonly orderCount: number;
  readonly clv?: number | null;
  /** Where the customer came from; `unknown` when not recorded. */
  readonly acquisitionChannel?: string | null;
}

/** One first-order cohort: its size and, per month offset k, how many of it ordered in month k. */
export interface CohortPartial {
  readonly size: number;
  /** `active[k]`: customers of the cohort with an order k months after their first-order month. */
  readonly active: readonly number[];
}

/** Mergeable KPI counts. Plain JSON. */
export interface KpiPartial {
  /** All customers seen, buyers or not. */
  readonly customers: number;
  /** Customers with at least one order. */
  readonly buyers: number;
  /** Customers with at least two orders. */
  readonly repeatBuyers: number;
  /** Customers with a CLV, and their CLV summed in cents. */
  readonly clv: { readonly count: number; readonly totalCents: number };
  /** Cohorts by first-order month. */
  readonly cohorts: Readonly<Record<string, CohortPartial>>;
  /** New customers (first order) by month, then by acquisition channel. */
  readonly newCustomers: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Retention of one cohort. */
export interface CohortRetentionRow {
  readonly cohort: string;
  readonly size: number;
  /** `active[k]`: customers of the cohort who ordered in month cohort + k, for k = 0 … as-of month. */
  readonly active: readonly number[];
  /** `retention[k] = active[k] / size`; `retention[0]` is 1 by definition. */
  readonly retention: readonly number[];
}

/** Acquisition cost of one channel (or of all channels together). */
export interface CacFigure {
  /** Acquisition spend; `null` when no cost was given for the channel. */
  readonly cost: number | null;
  readonly newCustomers: number;
  /** cost / new customers; `null` when the cost is unknown or the channel acquired nobody. */
  readonly cac: number | null;
}

export interface CacReport {
  readonly byChannel: Readonly<Record<string, CacFigure>>;
  /** Blended: all costs given over all new customers counted. */
  readonly total: CacFigure;
}

/** The key for customers without an acquisition channel. */
export const UNKNOWN_CHANNEL = 'unknown';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Months since year 0, so that month arithmetic is integer subtraction. */
function monthIndex(month: string, field = 'month'): number {
  const match = MONTH.exec(month);
  if (!match) throw new RangeError(`${field} must be a month as YYYY-MM, got ${month}`);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

/** The `YYYY-MM` of an ISO 8601 date or timestamp, as written (no time-zone conversion). */
export function monthOf(date: string): string {
  const month = date.slice(0, 7);
  monthIndex(month, 'date');
  return month;
}

/** Whole months from `from` to `to` (`2024-01` → `2024-03` is 2). */
export function monthsBetween(from: string, to: string): number {
  return monthIndex(to, 'to') - monthIndex(from, 'from');
}

/** No customers (the identity of `mergeKpiPartials`). */
export function emptyKpiPartial(): KpiPartial {
  return {
    customers: 0,
    buyers: 0,
    repeatBuyers: 0,
    clv: { count: 0, totalCents: 0 },
    cohorts: {},
    newCustomers: {},
  };
}

function addArrays(a: readonly number[], b: readonly number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, k) => (a[k] ?? 0) + (b[k] ?? 0));
}

// Maps in, Object.fromEntries out: a channel named `__proto__` is counted like any other.
function mergeRecords<T>(
  a: Readonly<Record<string, T>>,
  b: Readonly<Record<string, T>>,
  combine: (x: T, y: T) => T,
): Record<string, T> {
  const merged = new Map(Object.entries(a));
  for (const [name, value] of Object.entries(b)) {
    const existing = merged.get(name);
    merged.set(name, existing === undefined ? value : combine(existing, value));
  }
  return sortedRecord(merged);
}

/** Keys sorted, so that equal partials serialise to the same JSON however they were merged. */
function sortedRecord<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  return Object.fromEntries([...map].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

const addNumbers = (x: number, y: number) => x + y;

/** Two partials combined. Commutative and associative. */
export function mergeKpiPartials(a: KpiPartial, b: KpiPartial): KpiPartial {
  return {
    customers: a.customers + b.customers,
    buyers: a.buyers + b.buyers,
    repeatBuyers: a.repeatBuyers + b.repeatBuyers,
    clv: { count: a.clv.count + b.clv.count, totalCents: a.clv.totalCents + b.clv.totalCents },
    cohorts: mergeRecords(a.cohorts, b.cohorts, (x, y) => ({
      size: x.size + y.size,
      active: addArrays(x.active, y.active),
    })),
    newCustomers: mergeRecords(a.newCustomers, b.newCustomers, (x, y) => mergeRecords(x, y, addNumbers)),
  };
}

/**
 * The partial of a batch of customers (a shard, or a page of one), built in one pass with
 * mutable maps; `addCustomerToKpis` in a loop would copy the cohort table for every customer.
 */
export function kpiPartialOf(customers: Iterable<KpiCustomer>): KpiPartial {
  let count = 0;
  let buyers = 0;
  let repeatBuyers = 0;
  const clv = { count: 0, totalCents: 0 };
  const cohorts = new Map<string, { size: number; active: number[] }>();
  const newCustomers = new Map<string, Map<string, number>>();
  for (const customer of customers) {
    if (!(Number.isInteger(customer.orderCount) && customer.orderCount >= 0)) {
      throw new RangeError(`orderCount must be a whole number ≥ 0, got ${customer.orderCount}`);
    }
    count++;
    if (customer.clv != null && Number.isFinite(customer.clv)) {
      clv.count++;
      clv.totalCents += Math.round(customer.clv * 100) + 0;
    }
    const first = customer.firstOrderMonth;
    if (first === null || customer.orderCount === 0) continue;
    buyers++;
    if (customer.orderCount >= 2) repeatBuyers++;
    const start = monthIndex(first, 'firstOrderMonth');
    // The first-order month is active by definition, whether or not the caller listed it.
    const offsets = new Set([0]);
    for (const month of customer.activeMonths) {
      const offset = monthIndex(month, 'activeMonths') - start;
      if (offset >= 0) offsets.add(offset);
    }
    const cohort = cohorts.get(first) ?? { size: 0, active: [] };
    cohort.size++;
    for (const offset of offsets) {
      while (cohort.active.length <= offset) cohort.active.push(0);
      cohort.active[offset] = (cohort.active[offset] ?? 0) + 1;
    }
    cohorts.set(first, cohort);
    const channel = customer.acquisitionChannel || UNKNOWN_CHANNEL;
    const byChannel = newCustomers.get(first) ?? new Map<string, number>();
    byChannel.set(channel, (byChannel.get(channel) ?? 0) + 1);
    newCustomers.set(first, byChannel);
  }
  return {
    customers: count,
    buyers,
    repeatBuyers,
    clv,
    cohorts: sortedRecord(cohorts),
    newCustomers: sortedRecord(
      new Map([...newCustomers].map(([month, byChannel]) => [month, sortedRecord(byChannel)])),
    ),
  };
}

/** The partial with one more customer. */
export function addCustomerToKpis(partial: KpiPartial, customer: KpiCustomer): KpiPartial {
  return mergeKpiPartials(partial, kpiPartialOf([customer]));
}

/**
 * Retention by first-order cohort up to `asOfMonth`: for each cohort (oldest first) the share of
 * its customers with an order in each later month. Months after `asOfMonth` are left out (not yet
 * observed), and so are cohorts after it.
 */
export function cohortRetention(partial: KpiPartial, asOfMonth: string): CohortRetentionRow[] {
  const end = monthIndex(asOfMonth, 'asOfMonth');
  return Object.keys(partial.cohorts)
    .filter((cohort) => monthIndex(cohort) <= end)
    .sort()
    .map((cohort) => {
      const { size, active: counts } = partial.cohorts[cohort] as CohortPartial;
      const active = Array.from({ length: end - monthIndex(cohort) + 1 }, (_, k) => counts[k] ?? 0);
      return { cohort, size, active, retention: active.map((n) => (size > 0 ? n / size : 0)) };
    });
}

/** Share of buyers with at least two orders; `null` without buyers. */
export function repeatPurchaseRate(partial: KpiPartial): number | null {
  return partial.buyers > 0 ? partial.repeatBuyers / partial.buyers : null;
}

/** Mean CLV over customers with a CLV; `null` when none has one. */
export function averageClv(partial: KpiPartial): number | null {
  return partial.clv.count > 0 ? partial.clv.totalCents / 100 / partial.clv.count : null;
}

/** New customers per acquisition channel whose first order fell in `fromMonth` … `toMonth` (inclusive). */
export function newCustomersByChannel(
  partial: KpiPartial,
  fromMonth: string,
  toMonth: string,
): Record<string, number> {
  const from = monthIndex(fromMonth, 'fromMonth');
  const to = monthIndex(toMonth, 'toMonth');
  let counts: Record<string, number> = {};
  for (const [month, byChannel] of Object.entries(partial.newCustomers)) {
    const index = monthIndex(month);
    if (index >= from && index <= to) counts = mergeRecords(counts, byChannel, addNumbers);
  }
  return counts;
}

/**
 * Customer acquisition cost per channel: the channel's acquisition spend over the new customers
 * it brought in the same period. A channel appears when it has a cost or new customers.
 */
export function cacByChannel(
  costs: Readonly<Record<string, number>>,
  newCustomers: Readonly<Record<string, number>>,
): CacReport {
  const channels = [...new Set([...Object.keys(costs), ...Object.keys(newCustomers)])].sort();
  const figure = (cost: number | null, customers: number): CacFigure => ({
    cost,
    newCustomers: customers,
    cac: cost !== null && customers > 0 ? cost / customers : null,
  });
  const byChannel = Object.fromEntries(
    channels.map((channel) => [
      channel,
      figure(Object.hasOwn(costs, channel) ? (costs[channel] ?? null) : null, newCustomers[channel] ?? 0),
    ]),
  );
  const totalCost = Object.values(costs).reduce((sum, cost) => sum + cost, 0);
  const totalCustomers = Object.values(newCustomers).reduce((sum, n) => sum + n, 0);
  return { byChannel, total: figure(Object.keys(costs).length > 0 ? totalCost : null, totalCustomers) };
}

/**
 * The classic customer retention rate of a period, CRR = (E − N) / S: customers at the end (E)
 * minus those acquired during the period (N), over customers at the start (S); `null` when S is 0.
 */
export function customerRetentionRate(counts: {
  readonly atStart: number;
  readonly atEnd: number;
  readonly acquired: number;
}): number | null {
  return counts.atStart > 0 ? (counts.atEnd - counts.acquired) / counts.atStart : null;
}
