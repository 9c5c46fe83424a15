// The facts segment rules test, derived from a stored profile (profile fields, the aggregates of
// customer-activity.ts, the nightly scores of customer-scores.ts, the feedback and complaint
// counters) on a business-local date. Pure. Stored attributes are read defensively: a profile
// written before a feature existed simply lacks the fact, it never breaks a list.

import { CONSENT_CHANNELS, type ProfileFields } from './customer.js';
import type { CustomerScores } from './customer-scores.js';
import type { SegmentFacts } from './segment-rules.js';
import { ageBandFor, ageOn } from './segmentation/segment-profile.js';
import { localDay } from './time.js';

/** A profile as stored: the record plus whatever features keep on it, all optional here. */
export type StoredProfile = ProfileFields & {
  id: string;
  createdAt?: string;
  scores?: CustomerScores;
  orderCount?: number;
  totalSpend?: number;
  firstOrderAt?: string;
  lastOrderAt?: string;
  dailyOrders?: Record<string, number>;
  categoryCounts?: Record<string, number>;
  lastNps?: number;
  openComplaints?: number;
} & Record<string, unknown>;

const DAY_MS = 86_400_000;

// `localDay` asks Intl for the wall clock (tens of µs); a list reads three instants per customer.
// Every real time zone's offset is a multiple of 15 minutes, so all instants of a 15-minute UTC
// bucket fall on the same local day: one Intl call per bucket, remembered (bounded).
const BUCKET_MS = 15 * 60_000;
const dayOfBucket = new Map<string, Map<number, string>>();

/** `localDay` of an ISO instant, memoised per time zone and 15-minute bucket. */
export function cachedLocalDay(iso: string, timeZone: string): string {
  const epoch = Date.parse(iso);
  if (Number.isNaN(epoch)) return localDay(iso, timeZone); // let it say what is wrong
  const bucket = Math.floor(epoch / BUCKET_MS);
  let days = dayOfBucket.get(timeZone);
  if (!days || days.size >= 100_000) {
    days = new Map();
    dayOfBucket.set(timeZone, days);
  }
  let day = days.get(bucket);
  if (day === undefined) {
    day = localDay(new Date(bucket * BUCKET_MS), timeZone);
    days.set(bucket, day);
  }
  return day;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Whole days from `from` to `to`, both `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

const dayNumber = (day: string) =>
  Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / DAY_MS;

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * Days from `asOf` to the next birthday (0 = today). A 29 February birthday falls on 28 February
 * in common years, as the birthday greetings do.
 */
export function daysUntilBirthday(birthDate: string, asOf: string): number | undefined {
  const match = /(\d{2})-(\d{2})$/.exec(birthDate);
  if (!match) return undefined;
  const month = Number(match[1]);
  const day = Number(match[2]);
  const year = Number(asOf.slice(0, 4));
  const on = (y: number) => {
    const d = month === 2 && day === 29 && !isLeap(y) ? 28 : day;
    return `${y}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  };
  const thisYear = on(year);
  return thisYear >= asOf ? daysBetween(asOf, thisYear) : daysBetween(asOf, on(year + 1));
}

/** The last business-local day with an order on or before `asOf`. */
function lastOrderDay(profile: StoredProfile, asOf: string, timeZone: string): string | undefined {
  const last = str(profile.lastOrderAt);
  if (last) {
    const day = cachedLocalDay(last, timeZone);
    if (day <= asOf) return day;
  }
  // The list is made for an earlier date than the last order: the daily map knows the days before.
  // ISO days sort as text.
  return Object.keys(profile.dailyOrders ?? {})
    .filter((day) => day <= asOf)
    .sort()
    .at(-1);
}

/** The facts rules test about a customer on the business-local date `asOf` (`YYYY-MM-DD`). */
export function segmentFacts(profile: StoredProfile, asOf: string, timeZone: string): SegmentFacts {
  const scores = profile.scores;
  const birthDate = str(profile.birthDate);
  const age = birthDate ? (ageOn(birthDate, asOf) ?? undefined) : undefined;
  const birthMonth = birthDate ? Number(birthDate.slice(-5, -3)) : undefined;
  const lastDay = lastOrderDay(profile, asOf, timeZone);
  const firstOrderAt = str(profile.firstOrderAt);
  const createdAt = str(profile.createdAt);
  const pAlive = num(scores?.churn?.pAlive);
  return {
    city: str(profile.address?.city),
    region: str(profile.address?.region),
    country: str(profile.address?.country),
    gender: str(profile.gender),
    age,
    ageBand: age === undefined ? undefined : ageBandFor(age),
    language: str(profile.language),
    acquisitionChannel: str(profile.acquisitionChannel),
    tags: Array.isArray(profile.tags) ? profile.tags.filter((tag) => typeof tag === 'string') : [],
    consent: CONSENT_CHANNELS.filter((channel) => profile.consent?.[channel]?.granted === true),
    rfmSegment: str(scores?.rfm?.segment),
    recencyScore: num(scores?.rfm?.r),
    frequencyScore: num(scores?.rfm?.f),
    monetaryScore: num(scores?.rfm?.m),
    tier: str(scores?.tier),
    membership: str(scores?.membership),
    lifecycle: str(scores?.lifecycle?.stage),
    churnProbability: pAlive === undefined ? undefined : 1 - pAlive,
    clv: num(scores?.value?.clv12),
    orderCount: num(profile.orderCount) ?? 0,
    totalSpend: num(profile.totalSpend) ?? 0,
    daysSinceLastOrder: lastDay ? daysBetween(lastDay, asOf) : undefined,
    daysSinceFirstOrder: firstOrderAt
      ? Math.max(0, daysBetween(cachedLocalDay(firstOrderAt, timeZone), asOf))
      : undefined,
    customerForDays: createdAt
      ? Math.max(0, daysBetween(cachedLocalDay(createdAt, timeZone), asOf))
      : undefined,
    categories: Object.entries(profile.categoryCounts ?? {})
      .filter(([, count]) => typeof count === 'number' && count > 0)
      .map(([category]) => category),
    nps: num(profile.lastNps),
    openComplaints: num(profile.openComplaints) ?? 0,
    birthMonth: birthMonth && birthMonth >= 1 && birthMonth <= 12 ? birthMonth : undefined,
    monthsUntilBirthday:
      birthMonth && birthMonth >= 1 && birthMonth <= 12
        ? (birthMonth - Number(asOf.slice(5, 7)) + 12) % 12
        : undefined,
    daysUntilBirthday: birthDate ? daysUntilBirthday(birthDate, asOf) : undefined,
  };
}
