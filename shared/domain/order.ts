// Orders and refunds, and the aggregates they keep on the customer profile. Pure: no I/O; the
// clock, the business time zone and the commerce settings are parameters.
//
// Two ways to the same aggregates, kept equal by a property test:
//   - incrementally: `activityDelta` says what a group of new orders adds to a profile (the store
//     turns it into one DynamoDB update in the same transaction as the orders);
//   - from scratch: `activityFromOrders` recomputes everything from the order history (merge,
//     repair, tests).
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import {
  type CommerceSettings,
  currencyCodeSchema,
  exchangeRate,
  fitsMinorUnit,
  fromMinor,
  minorDigits,
  toBusinessValue,
  toMinor,
} from './commerce.js';
import type { CustomerActivity, DailyMap } from './customer-activity.js';
import { ConflictError, type FieldIssue, ValidationError } from './errors.js';
import { futureIssue, toUtcIso } from './instants.js';
import { isCalendarDate, localDay, startOfLocalDay } from './time.js';

/** `kind` of order items on the customer timeline. */
export const ORDER_KIND = 'order';

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/** The business's own ids (order ids, refund ids): no `#`, which separates key parts. */
export const businessIdSchema = /* @__PURE__ */ lazy(() =>
  z.string().check(z.regex(/^[\w.:@/-]{1,128}$/, 'must be 1–128 letters, digits and _ . : @ / -')),
);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 time with an offset (or Z), or a bare date `YYYY-MM-DD` (a business-local day). */
export function isOrderTime(value: string): boolean {
  if (isCalendarDate(value)) return true;
  return ISO_TIME.test(value) && isCalendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
}

const money = /* @__PURE__ */ lazy(() =>
  z
    .number('must be a number')
    .check(z.gte(0, 'must not be negative'), z.lte(1e12, 'must be at most 1,000,000,000,000')),
);

export const orderItemSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    sku: z.optional(text(64)),
    name: z.optional(text(200)),
    category: z.optional(text(64)),
    quantity: z._default(
      z
        .int('must be a whole number')
        .check(z.gte(1, 'must be at least 1'), z.lte(1_000_000, 'must be at most 1,000,000')),
      1,
    ),
    /** Price of one unit in the order's currency (informative: the order amount is what counts). */
    unitPrice: z.optional(money),
  }),
);
export type OrderItem = z.infer<typeof orderItemSchema>;

export const orderInputSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** The business's order id: an order id is recorded once, whatever retries happen. */
    orderId: businessIdSchema,
    orderedAt: z
      .string()
      .check(
        z.refine(
          isOrderTime,
          'must be an ISO 8601 time with an offset, e.g. 2024-03-01T10:00:00+08:00, or a date YYYY-MM-DD',
        ),
      ),
    /** What the customer paid for the order, in `currency` (after discounts, with tax and shipping). */
    amount: money,
    currency: currencyCodeSchema,
    items: z.optional(z.array(orderItemSchema).check(z.maxLength(100, 'at most 100 items'))),
    /** Where the order was placed: `web`, `app`, `pos`, `store-12` … */
    channel: z.optional(text(64)),
  }),
);
export type OrderInput = z.infer<typeof orderInputSchema>;

/** Orders per call of the batch endpoint. */
export const MAX_ORDER_BATCH = 100;

export const ORDER_STATUSES = ['placed', 'partially_refunded', 'refunded', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const REFUND_KINDS = ['refund', 'cancellation'] as const;

export interface RefundRecord {
  refundId: string;
  kind: (typeof REFUND_KINDS)[number];
  /** In the order's currency. */
  amount: number;
  /** In the business currency. */
  value: number;
  reason?: string;
  at: string;
}

/** An order as stored on the customer's timeline and shown by the API. */
export interface OrderRecord extends PreparedOrder {
  customerId: string;
  status: OrderStatus;
  refundedAmount: number;
  refundedValue: number;
  refunds: RefundRecord[];
  recordedAt: string;
  /** Bumped on every change (refunds): optimistic concurrency. */
  revision: number;
}

const refundViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    refundId: z.string(),
    kind: z.enum(REFUND_KINDS),
    amount: z.number(),
    value: z.number(),
    reason: z.optional(z.string()),
    at: z.string(),
  }),
);

/** Output schema of an order: what any response may show. */
export const orderViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    orderId: z.string(),
    customerId: z.string(),
    orderedAt: z.string(),
    amount: z.number(),
    currency: z.string(),
    exchangeRate: z.number(),
    value: z.number(),
    valueCurrency: z.string(),
    items: z.array(
      z.object({
        sku: z.optional(z.string()),
        name: z.optional(z.string()),
        category: z.optional(z.string()),
        quantity: z.number(),
        unitPrice: z.optional(z.number()),
      }),
    ),
    channel: z.optional(z.string()),
    status: z.enum(ORDER_STATUSES),
    refundedAmount: z.number(),
    refundedValue: z.number(),
    refunds: z.array(refundViewSchema),
    recordedAt: z.string(),
  }),
);
export type OrderView = z.infer<typeof orderViewSchema>;

export interface OrderContext {
  now: Date;
  timeZone: string;
  commerce: CommerceSettings;
}

/** A validated order ready to store: canonical UTC time, value in the business currency. */
export interface PreparedOrder {
  orderId: string;
  /** Canonical UTC time of the order (`at` on the timeline). */
  orderedAt: string;
  amount: number;
  currency: string;
  /** Rate used to convert `amount` (1 unit of `currency` = rate units of `valueCurrency`). */
  exchangeRate: number;
  /** `amount` in the business currency. */
  value: number;
  valueCurrency: string;
  items: OrderItem[];
  channel?: string;
}

/** Orders may not predate this (catches 0001-01-01 and two-digit-year accidents). */
const EARLIEST_ORDER = '1900-01-01T00:00:00.000Z';

/**
 * Checks what a schema cannot (the clock, the currency list and rates, minor units) and converts
 * the order to the business currency. Every problem is reported at once, by field.
 */
export function prepareOrder(input: OrderInput, context: OrderContext): PreparedOrder {
  const issues: FieldIssue[] = [];
  const orderedAt = isCalendarDate(input.orderedAt)
    ? startOfLocalDay(input.orderedAt, context.timeZone)
    : toUtcIso(input.orderedAt);
  const future = futureIssue(orderedAt, context.now, context.commerce.futureToleranceSeconds, 'orderedAt');
  if (future) issues.push(future);
  if (orderedAt < EARLIEST_ORDER) issues.push({ field: 'orderedAt', message: 'must not be before 1900' });
  let rate = 1;
  try {
    rate = exchangeRate(input.currency, context.commerce);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  if (!fitsMinorUnit(input.amount, minorDigits(input.currency))) {
    issues.push({ field: 'amount', message: `has more decimals than ${input.currency} allows` });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  const items = (input.items ?? []).map((item) => ({ ...item }));
  return {
    orderId: input.orderId,
    orderedAt,
    amount: input.amount,
    currency: input.currency,
    exchangeRate: rate,
    value: toBusinessValue(input.amount, rate, context.commerce),
    valueCurrency: context.commerce.currency,
    items,
    ...(input.channel ? { channel: input.channel } : {}),
  };
}

export function newOrderRecord(order: PreparedOrder, customerId: string, recordedAt: string): OrderRecord {
  return {
    ...order,
    customerId,
    status: 'placed',
    refundedAmount: 0,
    refundedValue: 0,
    refunds: [],
    recordedAt,
    revision: 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Aggregates

/** The order-derived part of the profile aggregates (eventCounts belong to behaviour events). */
export type OrderActivity = Omit<CustomerActivity, 'eventCounts'>;

/** What the aggregates need of an order. */
export interface OrderFacts {
  orderedAt: string;
  value: number;
  refundedValue: number;
  items: ReadonlyArray<{ sku?: string; category?: string; quantity: number }>;
}

export interface ActivityOptions {
  /** Decimal places of the business currency (default 2). */
  digits?: number;
  /** Distinct SKUs kept (default 100). */
  maxSkus?: number;
}

const byTime = <T extends { orderedAt: string }>(orders: readonly T[]) =>
  [...orders].sort((a, b) => (a.orderedAt < b.orderedAt ? -1 : a.orderedAt > b.orderedAt ? 1 : 0));

/** The aggregates of a customer from their whole order history. */
export function activityFromOrders(
  orders: readonly OrderFacts[],
  timeZone: string,
  options: ActivityOptions = {},
): OrderActivity {
  const digits = options.digits ?? 2;
  const maxSkus = options.maxSkus ?? 100;
  const dailyMinor = new Map<string, number>();
  const dailyOrders: DailyMap = {};
  const categoryCounts: Record<string, number> = {};
  const skus: string[] = [];
  let totalMinor = 0;
  let refundMinor = 0;
  for (const order of byTime(orders)) {
    const day = localDay(order.orderedAt, timeZone);
    const net = toMinor(order.value, digits) - toMinor(order.refundedValue, digits);
    dailyMinor.set(day, (dailyMinor.get(day) ?? 0) + net);
    dailyOrders[day] = (dailyOrders[day] ?? 0) + 1;
    totalMinor += net;
    refundMinor += toMinor(order.refundedValue, digits);
    for (const item of order.items) {
      if (item.category) categoryCounts[item.category] = (categoryCounts[item.category] ?? 0) + item.quantity;
      if (item.sku && skus.length < maxSkus && !skus.includes(item.sku)) skus.push(item.sku);
    }
  }
  const sorted = byTime(orders);
  return {
    dailySpend: Object.fromEntries([...dailyMinor].map(([day, minor]) => [day, fromMinor(minor, digits)])),
    dailyOrders,
    categoryCounts,
    ...(skus.length > 0 ? { skus } : {}),
    orderCount: orders.length,
    totalSpend: fromMinor(totalMinor, digits),
    refundTotal: fromMinor(refundMinor, digits),
    ...(sorted.length > 0
      ? { firstOrderAt: sorted[0]?.orderedAt, lastOrderAt: sorted.at(-1)?.orderedAt }
      : {}),
  };
}

/** What a group of new orders adds to a profile: one DynamoDB update (ADD / SET) per field. */
export interface ActivityDelta {
  orderCount: number;
  /** Net of any refunds already on the orders (none for new orders). */
  spend: number;
  /** Refunds already on the orders (none for new orders). */
  refunds: number;
  /** Per business-local day: spend and orders to add. */
  days: Record<string, { spend: number; orders: number }>;
  /** Quantities to add per category. */
  categories: Record<string, number>;
  /** Set only when earlier than the profile's first order (or it has none). */
  firstOrderAt?: string;
  /** Set only when later than the profile's last order (or it has none). */
  lastOrderAt?: string;
  /** SKUs to append: new to the profile, within the cap. */
  newSkus: string[];
}

/** The profile fields the delta depends on (read just before the write, guarded by conditions). */
export interface ActivityCursor {
  firstOrderAt?: string;
  lastOrderAt?: string;
  skus?: readonly string[];
}

export function activityDelta(
  orders: readonly OrderFacts[],
  current: ActivityCursor,
  timeZone: string,
  options: ActivityOptions = {},
): ActivityDelta {
  const digits = options.digits ?? 2;
  const maxSkus = options.maxSkus ?? 100;
  const dayMinor = new Map<string, { minor: number; orders: number }>();
  const categories: Record<string, number> = {};
  const known = new Set(current.skus ?? []);
  const newSkus: string[] = [];
  let minor = 0;
  let refundMinor = 0;
  let first = current.firstOrderAt;
  let last = current.lastOrderAt;
  for (const order of byTime(orders)) {
    const day = localDay(order.orderedAt, timeZone);
    const net = toMinor(order.value, digits) - toMinor(order.refundedValue, digits);
    const entry = dayMinor.get(day) ?? { minor: 0, orders: 0 };
    dayMinor.set(day, { minor: entry.minor + net, orders: entry.orders + 1 });
    minor += net;
    refundMinor += toMinor(order.refundedValue, digits);
    for (const item of order.items) {
      if (item.category) categories[item.category] = (categories[item.category] ?? 0) + item.quantity;
      if (item.sku && known.size < maxSkus && !known.has(item.sku)) {
        known.add(item.sku);
        newSkus.push(item.sku);
      }
    }
    if (first === undefined || order.orderedAt < first) first = order.orderedAt;
    if (last === undefined || order.orderedAt > last) last = order.orderedAt;
  }
  return {
    orderCount: orders.length,
    spend: fromMinor(minor, digits),
    refunds: fromMinor(refundMinor, digits),
    days: Object.fromEntries(
      [...dayMinor].map(([day, entry]) => [
        day,
        { spend: fromMinor(entry.minor, digits), orders: entry.orders },
      ]),
    ),
    categories,
    ...(first !== current.firstOrderAt ? { firstOrderAt: first } : {}),
    ...(last !== current.lastOrderAt ? { lastOrderAt: last } : {}),
    newSkus,
  };
}

/**
 * The effect of a delta on stored aggregates, exactly as the store's update expression applies
 * it (DynamoDB adds decimals exactly; here minor units do). For tests and documentation.
 */
export function applyDelta(activity: OrderActivity, delta: ActivityDelta, digits = 2): OrderActivity {
  const add = (a: number | undefined, b: number) =>
    fromMinor(toMinor(a ?? 0, digits) + toMinor(b, digits), digits);
  const dailySpend = { ...activity.dailySpend };
  const dailyOrders = { ...activity.dailyOrders };
  for (const [day, entry] of Object.entries(delta.days)) {
    dailySpend[day] = add(dailySpend[day], entry.spend);
    dailyOrders[day] = (dailyOrders[day] ?? 0) + entry.orders;
  }
  const categoryCounts = { ...activity.categoryCounts };
  for (const [category, quantity] of Object.entries(delta.categories)) {
    categoryCounts[category] = (categoryCounts[category] ?? 0) + quantity;
  }
  const skus = [...(activity.skus ?? []), ...delta.newSkus];
  return {
    ...activity,
    dailySpend,
    dailyOrders,
    categoryCounts,
    ...(skus.length > 0 ? { skus } : {}),
    orderCount: activity.orderCount + delta.orderCount,
    totalSpend: add(activity.totalSpend, delta.spend),
    refundTotal: add(activity.refundTotal, delta.refunds),
    ...(delta.firstOrderAt ? { firstOrderAt: delta.firstOrderAt } : {}),
    ...(delta.lastOrderAt ? { lastOrderAt: delta.lastOrderAt } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Refunds and cancellations

export const refundInputSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** The business's refund id: a refund id is applied once, whatever retries happen. */
    refundId: z.optional(businessIdSchema),
    /** `cancellation` refunds whatever is left and marks the order cancelled. */
    kind: z._default(z.enum(REFUND_KINDS), 'refund'),
    /** In the order's currency; default: everything not yet refunded. */
    amount: z.optional(
      z
        .number('must be a number')
        .check(z.positive('must be more than 0'), z.lte(1e12, 'must be at most 1,000,000,000,000')),
    ),
    reason: z.optional(text(500)),
  }),
);
export type RefundInput = z.infer<typeof refundInputSchema>;

export type RefundOutcome =
  | { applied: true; order: OrderRecord; refund: RefundRecord }
  | { applied: false; order: OrderRecord; refund: RefundRecord };

/**
 * Applies a refund to an order: the new order state and the refund, or the earlier refund when
 * `refundId` was applied before (a retry). The refunded value in the business currency never
 * exceeds the order's value; refunding the remainder refunds exactly the remaining value.
 */
export function applyRefund(
  order: OrderRecord,
  input: RefundInput,
  refundId: string,
  now: string,
): RefundOutcome {
  const earlier = order.refunds.find((refund) => refund.refundId === refundId);
  if (earlier) {
    const same =
      earlier.kind === input.kind && (input.amount === undefined || input.amount === earlier.amount);
    if (!same)
      throw new ConflictError(`refund ${refundId} was already applied with other details`, 'refundId');
    return { applied: false, order, refund: earlier };
  }
  const digits = minorDigits(order.currency);
  const remainingMinor = toMinor(order.amount, digits) - toMinor(order.refundedAmount, digits);
  if (remainingMinor <= 0) throw new ConflictError('the order is already fully refunded', 'amount');
  if (
    input.kind === 'cancellation' &&
    input.amount !== undefined &&
    toMinor(input.amount, digits) !== remainingMinor
  ) {
    throw new ValidationError([
      { field: 'amount', message: 'a cancellation refunds everything not yet refunded: leave amount out' },
    ]);
  }
  const amount = input.amount ?? fromMinor(remainingMinor, digits);
  if (!fitsMinorUnit(amount, digits)) {
    throw new ValidationError([
      { field: 'amount', message: `has more decimals than ${order.currency} allows` },
    ]);
  }
  const amountMinor = toMinor(amount, digits);
  if (amountMinor > remainingMinor) {
    throw new ValidationError([
      {
        field: 'amount',
        message: `exceeds what is left to refund: ${fromMinor(remainingMinor, digits)} ${order.currency}`,
      },
    ]);
  }
  const valueDigits = minorDigits(order.valueCurrency);
  const remainingValue = toMinor(order.value, valueDigits) - toMinor(order.refundedValue, valueDigits);
  const valueMinor =
    amountMinor === remainingMinor
      ? remainingValue
      : Math.min(remainingValue, toMinor(amount * order.exchangeRate, valueDigits));
  const refund: RefundRecord = {
    refundId,
    kind: input.kind,
    amount,
    value: fromMinor(valueMinor, valueDigits),
    ...(input.reason ? { reason: input.reason } : {}),
    at: now,
  };
  const fullyRefunded = amountMinor === remainingMinor;
  return {
    applied: true,
    refund,
    order: {
      ...order,
      refundedAmount: fromMinor(toMinor(order.refundedAmount, digits) + amountMinor, digits),
      refundedValue: fromMinor(toMinor(order.refundedValue, valueDigits) + valueMinor, valueDigits),
      refunds: [...order.refunds, refund],
      status: input.kind === 'cancellation' ? 'cancelled' : fullyRefunded ? 'refunded' : 'partially_refunded',
      revision: order.revision + 1,
    },
  };
}
