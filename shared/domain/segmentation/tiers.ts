// Two kinds of tier. Value tiers (high / medium / low) are relative: a share of the customer base,
// cut from the same merged summaries as the RFM quintiles, so they follow the population as it
// grows. Membership levels are absolute: a customer reaches gold by spending a fixed amount in a
// trailing window, whatever other customers do, because members are promised a rule they can see.
import type { FieldIssue } from '../errors.js';
import { bandFunction, type CutPoints, cutPointsAt, type ValueSummary } from './quintiles.js';

export const VALUE_TIERS = ['high', 'medium', 'low'] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];

/** Which per-customer figure the value tiers rank. */
export type ValueTierMetric = 'monetary' | 'clv';

/** Shares of the population in the top two tiers; the rest is `low`. */
export interface TierShares {
  /** Share in the `high` tier, taken from the top. */
  readonly high: number;
  /** Share in the `medium` tier, just below `high`. */
  readonly medium: number;
}

/** Top 20 % high, next 30 % medium, the remaining 50 % low. */
export const DEFAULT_TIER_SHARES: TierShares = { high: 0.2, medium: 0.3 };

/** Ranked by historical spend by default: it exists for every buyer, with or without a fitted CLV model. */
export const DEFAULT_VALUE_TIER_METRIC: ValueTierMetric = 'monetary';

/** Everything wrong with tier shares, as field issues; empty when usable. */
export function checkTierShares(shares: TierShares, field = 'valueTiers'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const key of ['high', 'medium'] as const) {
    const share = shares[key];
    if (!(typeof share === 'number' && share >= 0 && share <= 1)) {
      issues.push({ field: `${field}.${key}`, message: 'must be a share between 0 and 1' });
    }
  }
  if (issues.length === 0 && shares.high + shares.medium > 1) {
    issues.push({ field, message: 'high and medium shares together must not exceed 1' });
  }
  return issues;
}

/**
 * Cut points for the value tiers from a merged summary of the tier metric: the `medium` boundary
 * at percentile 1 − high − medium and the `high` boundary at 1 − high (0.5 and 0.8 by default).
 * Ties are treated as in the quintiles: equal values always share a tier.
 */
export function tierCutPoints(summary: ValueSummary, shares: TierShares = DEFAULT_TIER_SHARES): CutPoints {
  const issues = checkTierShares(shares);
  if (issues.length > 0)
    throw new RangeError(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
  // max(0, …) absorbs float noise such as 1 − (0.7 + 0.3) = -1e-17.
  return cutPointsAt(summary, [Math.max(0, 1 - (shares.high + shares.medium)), 1 - shares.high]);
}

/** The value tier of a customer's metric value against `tierCutPoints`. */
export function valueTierFor(value: number, cuts: CutPoints): ValueTier {
  return valueTierScorer(cuts)(value);
}

/** {@link valueTierFor} for one set of tier cut points, worked out once. */
export function valueTierScorer(cuts: CutPoints): (value: number) => ValueTier {
  if (cuts.keys.length !== 2)
    throw new RangeError(`valueTierFor needs tier cut points (2 boundaries), got ${cuts.keys.length}`);
  const bandOf = bandFunction(cuts);
  return (value) => {
    const band = bandOf(value);
    return band === 2 ? 'high' : band === 1 ? 'medium' : 'low';
  };
}

/** A membership level: reached when both the trailing spend and the order count reach its minimums. */
export interface MembershipLevel {
  /** Stable id, e.g. `gold`; used in index keys and message templates. */
  readonly id: string;
  /** Minimum spend in the trailing window, in the business's currency (amounts are currency-agnostic). */
  readonly minSpend: number;
  /** Minimum number of orders the customer has ever placed. */
  readonly minOrders: number;
}

/** Membership levels, lowest first, and the trailing window their spend is measured over. */
export interface MembershipSettings {
  readonly windowDays: number;
  readonly levels: readonly MembershipLevel[];
}

/** `green` for every buyer, `gold` from 500 spent in the trailing 365 days. */
export const DEFAULT_MEMBERSHIP: MembershipSettings = {
  windowDays: 365,
  levels: [
    { id: 'green', minSpend: 0, minOrders: 1 },
    { id: 'gold', minSpend: 500, minOrders: 1 },
  ],
};

const LEVEL_ID = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Everything wrong with a list of levels, as field issues; empty when usable. Levels must be
 * ordered from lowest to highest, each at least as demanding as the one before on both
 * minimums and stricter on one, so that the levels a customer reaches are always a prefix of
 * the list and "the highest reached" is well defined.
 */
export function checkMembershipLevels(
  levels: readonly MembershipLevel[],
  field = 'membership.levels',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!Array.isArray(levels) || levels.length === 0)
    return [{ field, message: 'must list at least one level' }];
  const seen = new Set<string>();
  levels.forEach((level, i) => {
    const at = `${field}.${i}`;
    if (typeof level.id !== 'string' || !LEVEL_ID.test(level.id)) {
      issues.push({ field: `${at}.id`, message: 'must be 1–40 lowercase letters, digits or _, e.g. gold' });
    } else if (seen.has(level.id)) {
      issues.push({ field: `${at}.id`, message: `duplicate level id "${level.id}"` });
    }
    seen.add(level.id);
    if (!(Number.isFinite(level.minSpend) && level.minSpend >= 0)) {
      issues.push({ field: `${at}.minSpend`, message: 'must be a number ≥ 0' });
    }
    if (!(Number.isInteger(level.minOrders) && level.minOrders >= 0)) {
      issues.push({ field: `${at}.minOrders`, message: 'must be a whole number ≥ 0' });
    }
    const before = levels[i - 1];
    if (before && issues.length === 0) {
      const harder =
        level.minSpend >= before.minSpend &&
        level.minOrders >= before.minOrders &&
        (level.minSpend > before.minSpend || level.minOrders > before.minOrders);
      if (!harder) {
        issues.push({
          field: at,
          message: `must be harder to reach than "${before.id}": list levels from lowest to highest`,
        });
      }
    }
  });
  return issues;
}

/**
 * The highest membership level reached with `trailingSpend` in the window and `orderCount`
 * orders ever, or `null` when none is (a prospect under the default levels). A negative trailing
 * spend (refunds of orders bought before the window) counts as zero.
 */
export function membershipFor(
  trailingSpend: number,
  levels: readonly MembershipLevel[],
  orderCount: number,
): string | null {
  const spend = Math.max(0, trailingSpend);
  let reached: string | null = null;
  for (const level of levels) {
    if (spend >= level.minSpend && orderCount >= level.minOrders) reached = level.id;
    else break;
  }
  return reached;
}

/**
 * The spend in the trailing window of `windowDays` days ending at `asOf` (exclusive of orders
 * after `asOf`, inclusive of an order exactly `windowDays` earlier). Dates are ISO 8601 strings.
 * Summed in cents so that the result does not depend on the order of the orders.
 */
export function trailingSpend(
  orders: Iterable<{ readonly at: string; readonly amount: number }>,
  asOf: string,
  windowDays: number,
): number {
  const end = parseDate(asOf, 'asOf');
  const start = end - windowDays * 86_400_000;
  let cents = 0;
  for (const order of orders) {
    const at = parseDate(order.at, 'order.at');
    if (at >= start && at <= end) cents += Math.round(order.amount * 100);
  }
  return cents / 100;
}

function parseDate(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${field} must be an ISO 8601 date, got ${value}`);
  return ms;
}
