// Message statistics per campaign and month: counters kept on one item per (campaign, month),
// each incremented in the same transaction as the decision or feedback it counts, so a retry
// never counts twice. Everything is credited to the month the message was decided in (a
// cohort view: "of March's win-backs, this many converted"). Pure.
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';
import { CAMPAIGNS, type Campaign, SKIP_REASONS, type SkipReason } from './decision.js';

export const OUTCOME_COUNTERS = [
  'sent',
  'failed',
  'deferred',
  'bounced',
  'complained',
  'unsubscribed',
  'converted',
] as const;
export type OutcomeCounter = (typeof OUTCOME_COUNTERS)[number];

/** Stored attribute of a skip counter: `skip_no_consent`. */
export const skipCounter = (reason: SkipReason) => `skip_${reason.replace(/-/g, '_')}`;

const counters = /* @__PURE__ */ lazy(() => ({
  sent: z.number(),
  failed: z.number(),
  deferred: z.number(),
  skipped: z.record(z.enum(SKIP_REASONS), z.number()),
  /** Addresses that bounced permanently or complained after a message of this campaign. */
  bounced: z.number(),
  complained: z.number(),
  unsubscribed: z.number(),
  /** Orders attributed to a message within the attribution window (win-back). */
  converted: z.number(),
  /** converted / sent, 0 without sends. */
  conversionRate: z.number(),
}));

export const campaignStatsSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    campaign: z.enum(CAMPAIGNS),
    totals: z.object({ ...counters }),
    months: z.array(z.object({ month: z.string(), ...counters })),
  }),
);

export const messageStatsSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    from: z.string(),
    to: z.string(),
    campaigns: z.array(campaignStatsSchema),
  }),
);
export type MessageStats = z.infer<typeof messageStatsSchema>;
type Counters = Omit<MessageStats['campaigns'][number]['totals'], never>;

/** A stored counters item: `campaign`, `month` and numeric counter attributes. */
export type StatsItem = Record<string, unknown> & { campaign: string; month: string };

const numberOf = (item: Record<string, unknown>, key: string) =>
  typeof item[key] === 'number' ? (item[key] as number) : 0;

function countersOf(item: Record<string, unknown>): Counters {
  const skipped = Object.fromEntries(
    SKIP_REASONS.map((reason) => [reason, numberOf(item, skipCounter(reason))]),
  ) as Record<SkipReason, number>;
  const values = Object.fromEntries(OUTCOME_COUNTERS.map((name) => [name, numberOf(item, name)])) as Record<
    OutcomeCounter,
    number
  >;
  return { ...values, skipped, conversionRate: values.sent > 0 ? values.converted / values.sent : 0 };
}

function add(a: Counters, b: Counters): Counters {
  const sum = Object.fromEntries(OUTCOME_COUNTERS.map((name) => [name, a[name] + b[name]])) as Record<
    OutcomeCounter,
    number
  >;
  const skipped = Object.fromEntries(
    SKIP_REASONS.map((reason) => [reason, a.skipped[reason] + b.skipped[reason]]),
  ) as Record<SkipReason, number>;
  return { ...sum, skipped, conversionRate: sum.sent > 0 ? sum.converted / sum.sent : 0 };
}

/** Every month `YYYY-MM` from `from` to `to`, inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  const [endYear, endMonth] = to.split('-').map(Number) as [number, number];
  while (year < endYear || (year === endYear && month <= endMonth)) {
    months.push(`${year}-${String(month).padStart(2, '0')}`);
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return months;
}

/** The stats view from the stored items of the months asked for (missing months count zero). */
export function messageStats(items: readonly StatsItem[], from: string, to: string): MessageStats {
  const months = monthsBetween(from, to);
  const zero = countersOf({});
  return {
    from,
    to,
    campaigns: CAMPAIGNS.map((campaign: Campaign) => {
      const rows = months.map((month) => {
        const item = items.find((candidate) => candidate.campaign === campaign && candidate.month === month);
        return { month, ...(item ? countersOf(item) : zero) };
      });
      const totals = rows.reduce<Counters>((sum, { month: _month, ...row }) => add(sum, row), zero);
      return { campaign, totals, months: rows };
    }),
  };
}
