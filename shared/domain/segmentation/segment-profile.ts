// Segment profiles (细分群体特征分析): what the customers of one segment look like. Each shard
// accumulates a partial profile per segment; the coordinator merges the partials and finalises
// them once. Sums are kept as integers in fixed units (cents, thousandths of a day, millionths of
// a probability) because floating-point addition is not associative: with integer sums, merging
// shard partials in whatever order they arrive gives bit-identical profiles.
import {
  DEFAULT_SUMMARY_OPTIONS,
  emptySummary,
  medianOf,
  mergeSummaries,
  summarizeValues,
  type ValueSummary,
} from './quintiles.js';

/** What a profile needs to know about one customer. */
export interface ProfileCustomer {
  /** Total spend (the RFM monetary value). */
  readonly monetary: number;
  /** Number of orders. */
  readonly frequency: number;
  /** Days since the last order; `null` for a customer without orders. */
  readonly recencyDays: number | null;
  readonly churnProbability?: number | null;
  readonly clv?: number | null;
  readonly gender?: string | null;
  /** Age in whole years; see `ageOn`. */
  readonly age?: number | null;
  /** Region or country code; free text is counted as given, so normalise it first. */
  readonly region?: string | null;
}

/** A running sum of a figure that not every customer has. */
export interface PartialMean {
  readonly count: number;
  /** Sum in integer units (see the unit of each field). */
  readonly total: number;
}

/** A mergeable partial profile. Plain JSON. */
export interface SegmentProfilePartial {
  readonly size: number;
  /** Total spend in cents. */
  readonly spendCents: number;
  /** Spend distribution, for the median. */
  readonly spend: ValueSummary;
  /** Orders, summed. */
  readonly orders: number;
  /** Recency in thousandths of a day, over customers with orders. */
  readonly recency: PartialMean;
  /** Churn probability in millionths. */
  readonly churn: PartialMean;
  /** CLV in cents. */
  readonly clv: PartialMean;
  readonly gender: Readonly<Record<string, number>>;
  readonly ageBand: Readonly<Record<string, number>>;
  readonly region: Readonly<Record<string, number>>;
}

/** A count and its share of the segment. */
export interface Share {
  readonly count: number;
  readonly share: number;
}

/** A finalised segment profile. Averages are `null` when no customer of the segment has the figure. */
export interface SegmentProfile {
  readonly size: number;
  /** Share of the whole population in this segment. */
  readonly shareOfPopulation: number;
  readonly spend: {
    readonly total: number;
    readonly average: number | null;
    readonly median: number | null;
    /** False when the spend summary fell back to the sketch: the median is then within 1 %. */
    readonly medianExact: boolean;
  };
  readonly averageFrequency: number | null;
  readonly averageRecencyDays: number | null;
  readonly averageChurnProbability: number | null;
  readonly averageClv: number | null;
  readonly gender: Readonly<Record<string, Share>>;
  readonly ageBand: Readonly<Record<string, Share>>;
  readonly region: Readonly<Record<string, Share>>;
}

/** The key for customers who did not give a value. */
export const UNKNOWN = 'unknown';

/** Age bands of the profiles, youngest first. */
export const AGE_BANDS = ['<18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

const CENTS = 100;
const MILLI = 1000;
const MICRO = 1_000_000;

/** The spend summary: cents, with the default sketch fallback (median within 1 %). */
const SPEND_OPTIONS = { ...DEFAULT_SUMMARY_OPTIONS, resolution: 0.01 };

/** The age band of an age in years, or `unknown`. */
export function ageBandFor(age: number | null | undefined): AgeBand | typeof UNKNOWN {
  if (age == null || !Number.isFinite(age) || age < 0) return UNKNOWN;
  if (age < 18) return '<18';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  if (age < 65) return '55-64';
  return '65+';
}

/**
 * Age in whole years on `asOf` (`YYYY-MM-DD…`) of someone born on `birthDate` (`YYYY-MM-DD`);
 * `null` when the birth year is not known (`--MM-DD`) or a date does not parse.
 */
export function ageOn(birthDate: string, asOf: string): number | null {
  const birth = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  const today = /^(\d{4})-(\d{2})-(\d{2})/.exec(asOf);
  if (!birth || !today) return null;
  const [by, bm, bd] = birth.slice(1).map(Number) as [number, number, number];
  const [ty, tm, td] = today.slice(1).map(Number) as [number, number, number];
  const hadBirthday = tm > bm || (tm === bm && td >= bd);
  const age = ty - by - (hadBirthday ? 0 : 1);
  return age >= 0 ? age : null;
}

/** A profile of no customers (the identity of `mergeProfiles`). */
export function emptyProfile(): SegmentProfilePartial {
  return {
    size: 0,
    spendCents: 0,
    spend: emptySummary(SPEND_OPTIONS),
    orders: 0,
    recency: { count: 0, total: 0 },
    churn: { count: 0, total: 0 },
    clv: { count: 0, total: 0 },
    gender: {},
    ageBand: {},
    region: {},
  };
}

const toUnits = (value: number, scale: number) => Math.round(value * scale) + 0;

function key(value: string | null | undefined): string {
  return value == null || value === '' ? UNKNOWN : value;
}

function addMean(mean: PartialMean, value: number | null | undefined, scale: number): PartialMean {
  return value == null || !Number.isFinite(value)
    ? mean
    : { count: mean.count + 1, total: mean.total + toUnits(value, scale) };
}

// Counts go through a Map and come out with Object.fromEntries, so that a value such as
// `__proto__` is counted like any other instead of reaching the object's prototype.
function addCounts(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const sum = new Map(Object.entries(a));
  for (const [name, count] of Object.entries(b)) sum.set(name, (sum.get(name) ?? 0) + count);
  return Object.fromEntries(sum);
}

function bump(counts: Map<string, number>, name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

/**
 * The partial profile of a batch of customers, built in one pass. Prefer it to repeated
 * `addCustomer` for a whole shard: each `addCustomer` copies the spend summary.
 */
export function profileOf(customers: Iterable<ProfileCustomer>): SegmentProfilePartial {
  const spends: number[] = [];
  let size = 0;
  let spendCents = 0;
  let orders = 0;
  let recency: PartialMean = { count: 0, total: 0 };
  let churn: PartialMean = { count: 0, total: 0 };
  let clv: PartialMean = { count: 0, total: 0 };
  const gender = new Map<string, number>();
  const ageBand = new Map<string, number>();
  const region = new Map<string, number>();
  for (const customer of customers) {
    if (!Number.isFinite(customer.monetary))
      throw new RangeError(`monetary must be a finite number, got ${customer.monetary}`);
    if (!(Number.isInteger(customer.frequency) && customer.frequency >= 0)) {
      throw new RangeError(`frequency must be a whole number ≥ 0, got ${customer.frequency}`);
    }
    size++;
    spends.push(customer.monetary);
    spendCents += toUnits(customer.monetary, CENTS);
    orders += customer.frequency;
    recency = addMean(recency, customer.recencyDays, MILLI);
    churn = addMean(churn, customer.churnProbability, MICRO);
    clv = addMean(clv, customer.clv, CENTS);
    bump(gender, key(customer.gender));
    bump(ageBand, ageBandFor(customer.age));
    bump(region, key(customer.region));
  }
  return {
    size,
    spendCents,
    spend: summarizeValues(spends, SPEND_OPTIONS),
    orders,
    recency,
    churn,
    clv,
    gender: Object.fromEntries(gender),
    ageBand: Object.fromEntries(ageBand),
    region: Object.fromEntries(region),
  };
}

/** The profile with one more customer. */
export function addCustomer(
  profile: SegmentProfilePartial,
  customer: ProfileCustomer,
): SegmentProfilePartial {
  return mergeProfiles(profile, profileOf([customer]));
}

/** Two partial profiles combined. Commutative and associative (integer sums, exact summaries). */
export function mergeProfiles(a: SegmentProfilePartial, b: SegmentProfilePartial): SegmentProfilePartial {
  const mean = (x: PartialMean, y: PartialMean) => ({ count: x.count + y.count, total: x.total + y.total });
  return {
    size: a.size + b.size,
    spendCents: a.spendCents + b.spendCents,
    spend: mergeSummaries(a.spend, b.spend),
    orders: a.orders + b.orders,
    recency: mean(a.recency, b.recency),
    churn: mean(a.churn, b.churn),
    clv: mean(a.clv, b.clv),
    gender: addCounts(a.gender, b.gender),
    ageBand: addCounts(a.ageBand, b.ageBand),
    region: addCounts(a.region, b.region),
  };
}

function shares(counts: Readonly<Record<string, number>>, size: number): Record<string, Share> {
  // Keys sorted so that the stored JSON is the same however the partials were merged.
  return Object.fromEntries(
    Object.keys(counts)
      .sort()
      .map((name) => {
        const count = counts[name] ?? 0;
        return [name, { count, share: size > 0 ? count / size : 0 }];
      }),
  );
}

const average = (mean: PartialMean, scale: number) =>
  mean.count > 0 ? mean.total / scale / mean.count : null;

/** The finished profile of a segment within a population of `populationSize` customers. */
export function finalizeProfile(profile: SegmentProfilePartial, populationSize: number): SegmentProfile {
  return {
    size: profile.size,
    shareOfPopulation: populationSize > 0 ? profile.size / populationSize : 0,
    spend: {
      total: profile.spendCents / CENTS,
      average: profile.size > 0 ? profile.spendCents / CENTS / profile.size : null,
      median: medianOf(profile.spend),
      medianExact: profile.spend.kind === 'exact',
    },
    averageFrequency: profile.size > 0 ? profile.orders / profile.size : null,
    averageRecencyDays: average(profile.recency, MILLI),
    averageChurnProbability: average(profile.churn, MICRO),
    averageClv: average(profile.clv, CENTS),
    gender: shares(profile.gender, profile.size),
    ageBand: shares(profile.ageBand, profile.size),
    region: shares(profile.region, profile.size),
  };
}
