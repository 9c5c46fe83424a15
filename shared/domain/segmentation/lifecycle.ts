// Lifecycle stages from plain facts about a customer's orders. The rules are evaluated from the
// most urgent down, so a customer is placed by what is true today, and a stage can move backwards
// (loyal → at_risk, churned → reactivated → active). The previous stage matters only for
// `reactivated`: a customer who was slipping away and ordered again.

export const LIFECYCLE_STAGES = [
  'prospect',
  'new',
  'active',
  'loyal',
  'at_risk',
  'churned',
  'reactivated',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Thresholds of the lifecycle rules; all in days unless named otherwise. */
export interface LifecycleThresholds {
  /** `new` while the first order is at most this many days old. */
  readonly newWithinDays: number;
  /** `loyal` from this many orders, while the customer is not at risk. */
  readonly loyalMinOrders: number;
  /** `at_risk` when the days since the last order exceed this multiple of the customer's typical interval. */
  readonly atRiskIntervalMultiple: number;
  /** Floor of the at-risk threshold: a burst of orders on one day must not make a customer at risk the next. */
  readonly atRiskMinDays: number;
  /** At-risk threshold for a customer with one order, who has no interval of their own yet. */
  readonly atRiskDefaultDays: number;
  /** `at_risk` when the model's P(alive) is below this. */
  readonly atRiskPAlive: number;
  /** `churned` when the days since the last order exceed this. */
  readonly churnedAfterDays: number;
  /** `churned` when the model's P(alive) is below this. */
  readonly churnedPAlive: number;
  /** How long `reactivated` lasts before the customer counts as active (or loyal) again. */
  readonly reactivatedForDays: number;
}

/**
 * Defaults: new for 30 days after the first order; loyal from 4 orders; at risk after 2× the
 * customer's typical interval between orders (at least 30 days; 90 days for one-order customers)
 * or P(alive) < 0.5; churned after 180 days or P(alive) < 0.2; reactivated for 30 days.
 */
export const DEFAULT_LIFECYCLE_THRESHOLDS: LifecycleThresholds = {
  newWithinDays: 30,
  loyalMinOrders: 4,
  atRiskIntervalMultiple: 2,
  atRiskMinDays: 30,
  atRiskDefaultDays: 90,
  atRiskPAlive: 0.5,
  churnedAfterDays: 180,
  churnedPAlive: 0.2,
  reactivatedForDays: 30,
};

/** What the rules look at. Dates are ISO 8601 strings (`2024-06-30` or full timestamps). */
export interface LifecycleInput {
  /** The day the stage is computed for (the nightly run's as-of date). */
  readonly asOf: string;
  readonly firstOrderAt: string | null;
  readonly lastOrderAt: string | null;
  readonly orderCount: number;
  /** The stage from the previous run, `null` on the first run. */
  readonly previousStage: LifecycleStage | null;
  /**
   * When the customer entered `previousStage`. Lets `reactivated` require an order placed after the
   * customer became at risk / churned, and expire after `reactivatedForDays`; without it a
   * recovery counts as a reactivation and `reactivated` lasts a single run.
   */
  readonly previousStageSince?: string | null;
  /** P(alive) from the churn model, when a model was fitted. */
  readonly pAlive?: number | null;
}

/**
 * {@link LifecycleInput} with its dates already parsed to epoch milliseconds, for callers that
 * place millions of customers and know their days as numbers (the nightly run).
 */
export interface LifecycleTimes extends Omit<
  LifecycleInput,
  'asOf' | 'firstOrderAt' | 'lastOrderAt' | 'previousStageSince'
> {
  readonly asOf: number;
  readonly firstOrderAt: number | null;
  readonly lastOrderAt: number | null;
  /** NaN for a stored date that does not parse (rejected when a rule needs it). */
  readonly previousStageSince?: number | null;
}

const DAY_MS = 86_400_000;

function parseDate(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${field} must be an ISO 8601 date, got ${value}`);
  return ms;
}

/** Days from `from` to `asOf`; an event after `asOf` (clock skew) counts as today. */
function daysBefore(asOf: number, from: number): number {
  return Math.max(0, (asOf - from) / DAY_MS);
}

/**
 * The number of days without an order after which this customer is at risk: the multiple of
 * their mean interval between orders ((last − first) / (orders − 1)), never below
 * `atRiskMinDays`; `atRiskDefaultDays` for a customer with a single order.
 */
export function atRiskAfterDays(
  firstOrderAt: string,
  lastOrderAt: string,
  orderCount: number,
  thresholds: LifecycleThresholds = DEFAULT_LIFECYCLE_THRESHOLDS,
): number {
  const span =
    orderCount < 2
      ? 0
      : daysBefore(parseDate(lastOrderAt, 'lastOrderAt'), parseDate(firstOrderAt, 'firstOrderAt'));
  return atRiskAfterSpan(span, orderCount, thresholds);
}

/** {@link atRiskAfterDays} from the days between the first and the last order. */
function atRiskAfterSpan(spanDays: number, orderCount: number, thresholds: LifecycleThresholds): number {
  if (orderCount < 2) return Math.max(thresholds.atRiskMinDays, thresholds.atRiskDefaultDays);
  return Math.max(
    thresholds.atRiskMinDays,
    thresholds.atRiskIntervalMultiple * (spanDays / (orderCount - 1)),
  );
}

/**
 * The lifecycle stage of a customer on `input.asOf`, first rule that holds:
 * 1. `prospect`: no order;
 * 2. `churned`: no order for more than `churnedAfterDays`, or P(alive) < `churnedPAlive`;
 * 3. `at_risk`: no order for more than `atRiskAfterDays`, or P(alive) < `atRiskPAlive`;
 * 4. `reactivated`: was at risk or churned and has ordered since (or still within
 *    `reactivatedForDays` of being reactivated);
 * 5. `new`: first order at most `newWithinDays` ago;
 * 6. `loyal`: at least `loyalMinOrders` orders;
 * 7. `active`.
 */
export function lifecycleStageFor(
  input: LifecycleInput,
  thresholds: LifecycleThresholds = DEFAULT_LIFECYCLE_THRESHOLDS,
): LifecycleStage {
  // Dates are parsed only when the rules need them (a prospect's as-of is not looked at).
  const dated =
    Number.isInteger(input.orderCount) &&
    input.orderCount > 0 &&
    input.firstOrderAt != null &&
    input.lastOrderAt != null;
  return lifecycleStageAt(
    {
      ...input,
      asOf: dated ? parseDate(input.asOf, 'asOf') : Number.NaN,
      firstOrderAt: dated ? parseDate(input.firstOrderAt as string, 'firstOrderAt') : null,
      lastOrderAt: dated ? parseDate(input.lastOrderAt as string, 'lastOrderAt') : null,
      previousStageSince: input.previousStageSince ? Date.parse(input.previousStageSince) : null,
    },
    thresholds,
  );
}

/** {@link lifecycleStageFor} on dates already parsed to epoch milliseconds. */
export function lifecycleStageAt(
  input: LifecycleTimes,
  thresholds: LifecycleThresholds = DEFAULT_LIFECYCLE_THRESHOLDS,
): LifecycleStage {
  if (!(Number.isInteger(input.orderCount) && input.orderCount >= 0)) {
    throw new RangeError(`orderCount must be a whole number ≥ 0, got ${input.orderCount}`);
  }
  if (input.orderCount === 0) return 'prospect';
  if (input.firstOrderAt == null || input.lastOrderAt == null) {
    throw new RangeError(`a customer with ${input.orderCount} orders needs firstOrderAt and lastOrderAt`);
  }
  const { asOf, firstOrderAt: first, lastOrderAt: last } = input;
  const sinceLast = daysBefore(asOf, last);
  const pAlive = input.pAlive ?? null;

  if (sinceLast > thresholds.churnedAfterDays || (pAlive !== null && pAlive < thresholds.churnedPAlive)) {
    return 'churned';
  }
  const atRiskDays = atRiskAfterSpan(daysBefore(last, first), input.orderCount, thresholds);
  if (sinceLast > atRiskDays || (pAlive !== null && pAlive < thresholds.atRiskPAlive)) return 'at_risk';

  const since = input.previousStageSince ?? null;
  if (Number.isNaN(since)) throw new RangeError('previousStageSince must be an ISO 8601 date');
  if (input.previousStage === 'at_risk' || input.previousStage === 'churned') {
    // Recovering without a new order (a refitted model raising P(alive)) is not a reactivation.
    if (since === null || last > since) return 'reactivated';
  }
  if (
    input.previousStage === 'reactivated' &&
    since !== null &&
    daysBefore(asOf, since) < thresholds.reactivatedForDays
  ) {
    return 'reactivated';
  }
  if (daysBefore(asOf, first) <= thresholds.newWithinDays) return 'new';
  if (input.orderCount >= thresholds.loyalMinOrders) return 'loyal';
  return 'active';
}

/** A stage change, the payload of a `customer.lifecycle.changed` event (plus the customer id). */
export interface LifecycleChange {
  /** `null` when the customer had no stage before (first run). */
  readonly from: LifecycleStage | null;
  readonly to: LifecycleStage;
  readonly asOf: string;
}

/** The change from `prev` to `next` on `asOf`, or `null` when the stage did not change. */
export function lifecycleChange(
  prev: LifecycleStage | null,
  next: LifecycleStage,
  asOf: string,
): LifecycleChange | null {
  return prev === next ? null : { from: prev, to: next, asOf };
}
