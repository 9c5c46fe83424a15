import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CommerceSettings,
  DEFAULT_COMMERCE,
  exchangeRate,
  sumMoney,
  toBusinessValue,
} from '../../../shared/domain/commerce.js';
import { ConflictError, ValidationError } from '../../../shared/domain/errors.js';
import {
  activityDelta,
  activityFromOrders,
  applyDelta,
  applyRefund,
  newOrderRecord,
  type OrderActivity,
  type OrderFacts,
  type OrderRecord,
  prepareOrder,
} from '../../../shared/domain/order.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const CNY: CommerceSettings = {
  ...DEFAULT_COMMERCE,
  currency: 'CNY',
  exchangeRates: { USD: 7.1, JPY: 0.048 },
};
const context = { now: NOW, timeZone: 'Asia/Shanghai', commerce: CNY };
const input = (overrides: Record<string, unknown> = {}) => ({
  orderId: 'o-1',
  orderedAt: '2024-05-01T10:00:00+08:00',
  amount: 19.99,
  currency: 'USD',
  items: [],
  ...overrides,
});

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.field);
    throw error;
  }
  return [];
}

describe('prepareOrder', () => {
  it('converts to the business currency at the configured rate and keeps the original', () => {
    const order = prepareOrder(input(), context);
    expect(order).toMatchObject({
      amount: 19.99,
      currency: 'USD',
      exchangeRate: 7.1,
      value: 141.93,
      valueCurrency: 'CNY',
    });
    expect(order.orderedAt).toBe('2024-05-01T02:00:00.000Z');
    expect(prepareOrder(input({ currency: 'CNY', amount: 8.8 }), context)).toMatchObject({
      exchangeRate: 1,
      value: 8.8,
    });
    // 1234 yen × 0.048 = 59.232 → rounded to the fen.
    expect(prepareOrder(input({ currency: 'JPY', amount: 1234 }), context).value).toBe(59.23);
  });

  it('reads a bare date as the start of the business-local day', () => {
    expect(prepareOrder(input({ orderedAt: '2024-05-01' }), context).orderedAt).toBe(
      '2024-04-30T16:00:00.000Z',
    );
  });

  it('names every field it refuses at once', () => {
    expect(
      issuesOf(() =>
        prepareOrder(input({ currency: 'EUR', amount: 1.001, orderedAt: '2024-06-01T13:00:00Z' }), context),
      ),
    ).toEqual(['orderedAt', 'currency', 'amount']);
    expect(issuesOf(() => prepareOrder(input({ currency: 'ABC' }), context))).toEqual(['currency']);
    expect(issuesOf(() => prepareOrder(input({ currency: 'JPY', amount: 10.5 }), context))).toEqual([
      'amount',
    ]);
    expect(issuesOf(() => prepareOrder(input({ orderedAt: '1899-12-31T00:00:00Z' }), context))).toEqual([
      'orderedAt',
    ]);
  });

  it('tolerates a client clock a little ahead, as configured', () => {
    expect(issuesOf(() => prepareOrder(input({ orderedAt: '2024-06-01T12:04:59Z' }), context))).toEqual([]);
    expect(issuesOf(() => prepareOrder(input({ orderedAt: '2024-06-01T12:05:01Z' }), context))).toEqual([
      'orderedAt',
    ]);
  });
});

describe('money', () => {
  it('adds without floating-point drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumMoney([0.1, 0.2], 2)).toBe(0.3);
    expect(
      sumMoney(
        Array.from({ length: 1000 }, () => 0.01),
        2,
      ),
    ).toBe(10);
  });

  it('knows ISO 4217 codes and configured rates', () => {
    expect(exchangeRate('USD', DEFAULT_COMMERCE)).toBe(1);
    expect(() => exchangeRate('EUR', DEFAULT_COMMERCE)).toThrow(/no exchange rate configured from EUR/);
    expect(() => exchangeRate('XXX', DEFAULT_COMMERCE)).toThrow(/not an ISO 4217/);
    expect(toBusinessValue(100, 0.048, { ...DEFAULT_COMMERCE, currency: 'JPY' })).toBe(5); // yen have no minor unit
  });
});

// ---------------------------------------------------------------------------------------------
// Aggregates: the incremental path (what each write adds) must always equal the recomputation.

const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'];
const orderArbitrary = fc
  .record({
    orderedAt: fc
      .integer({ min: Date.parse('2023-01-01T00:00:00Z'), max: Date.parse('2023-03-01T00:00:00Z') })
      .map((ms) => new Date(ms).toISOString()),
    cents: fc.integer({ min: 0, max: 100_000 }),
    refundedShare: fc.constantFrom(0, 0, 0.5, 1),
    items: fc.array(
      fc.record({
        sku: fc.constantFrom(...SKUS),
        category: fc.constantFrom('tea', 'cups', 'gift'),
        quantity: fc.integer({ min: 1, max: 5 }),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ cents, refundedShare, ...order }) => ({
    ...order,
    value: cents / 100,
    refundedValue: Math.floor(cents * refundedShare) / 100,
  }));

const EMPTY: OrderActivity = {
  dailySpend: {},
  dailyOrders: {},
  categoryCounts: {},
  orderCount: 0,
  totalSpend: 0,
  refundTotal: 0,
};

/** Applies groups in sequence as the store does: each delta computed against the state so far. */
function incrementally(groups: OrderFacts[][], timeZone: string, maxSkus = 100): OrderActivity {
  let activity = EMPTY;
  for (const group of groups)
    activity = applyDelta(activity, activityDelta(group, activity, timeZone, { maxSkus }));
  return activity;
}

describe('activityFromOrders', () => {
  it('matches a hand-worked history', () => {
    const orders: OrderFacts[] = [
      {
        orderedAt: '2024-03-01T16:30:00.000Z',
        value: 10.1,
        refundedValue: 0,
        items: [{ sku: 'A', category: 'tea', quantity: 2 }],
      },
      {
        orderedAt: '2024-03-02T01:00:00.000Z',
        value: 20.2,
        refundedValue: 5.05,
        items: [{ sku: 'B', category: 'tea', quantity: 1 }],
      },
      { orderedAt: '2024-02-10T04:00:00.000Z', value: 0.3, refundedValue: 0, items: [] },
    ];
    expect(activityFromOrders(orders, 'Asia/Shanghai')).toEqual({
      dailySpend: { '2024-02-10': 0.3, '2024-03-02': 25.25 },
      dailyOrders: { '2024-02-10': 1, '2024-03-02': 2 },
      categoryCounts: { tea: 3 },
      skus: ['A', 'B'],
      orderCount: 3,
      totalSpend: 25.55,
      refundTotal: 5.05,
      firstOrderAt: '2024-02-10T04:00:00.000Z',
      lastOrderAt: '2024-03-02T01:00:00.000Z',
    });
    expect(activityFromOrders([], 'UTC')).toEqual(EMPTY);
  });

  it('equals the incremental aggregates, however the orders are split into writes and ordered', () => {
    fc.assert(
      fc.property(
        fc.array(orderArbitrary, { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('UTC', 'Asia/Shanghai', 'America/New_York'),
        (orders, cuts, timeZone) => {
          const groups: OrderFacts[][] = [];
          let start = 0;
          for (let i = 0; start < orders.length; i++) {
            const size = cuts[i % cuts.length] as number;
            groups.push(orders.slice(start, start + size));
            start += size;
          }
          const expected = activityFromOrders(orders, timeZone);
          const actual = incrementally(groups, timeZone);
          // SKUs are kept in order of arrival, which differs from time order: compare as sets.
          expect({ ...actual, skus: new Set(actual.skus) }).toEqual({
            ...expected,
            skus: new Set(expected.skus),
          });
          // And the naive reference: totals straight from the list.
          const paid = sumMoney(
            orders.map((order) => order.value),
            2,
          );
          const refunded = sumMoney(
            orders.map((order) => order.refundedValue),
            2,
          );
          expect(actual.totalSpend).toBe(sumMoney([paid, -refunded], 2));
          expect(actual.orderCount).toBe(orders.length);
        },
      ),
    );
  });

  it('keeps at most the configured number of distinct SKUs', () => {
    const orders = SKUS.map((sku, i) => ({
      orderedAt: `2024-01-0${i + 1}T00:00:00.000Z`,
      value: 1,
      refundedValue: 0,
      items: [{ sku, quantity: 1 }],
    }));
    expect(activityFromOrders(orders, 'UTC', { maxSkus: 3 }).skus).toEqual(['A', 'B', 'C']);
    expect(incrementally([orders.slice(0, 2), orders.slice(2)], 'UTC', 3).skus).toEqual(['A', 'B', 'C']);
  });

  it('moves first and last order only outwards', () => {
    const delta = activityDelta(
      [{ orderedAt: '2024-02-01T00:00:00.000Z', value: 1, refundedValue: 0, items: [] }],
      { firstOrderAt: '2024-01-01T00:00:00.000Z', lastOrderAt: '2024-03-01T00:00:00.000Z' },
      'UTC',
    );
    expect(delta.firstOrderAt).toBeUndefined();
    expect(delta.lastOrderAt).toBeUndefined();
  });
});

describe('applyRefund', () => {
  const order = (overrides: Partial<OrderRecord> = {}): OrderRecord => ({
    ...newOrderRecord(
      prepareOrder(input({ amount: 10, currency: 'USD' }), context),
      'cus_1',
      '2024-05-01T00:00:00Z',
    ),
    ...overrides,
  });
  const NOW_ISO = '2024-06-01T00:00:00.000Z';

  it('refunds part, then the rest, and the values add up to the order value exactly', () => {
    // 10 USD × 7.1 = 71 CNY; 3.33 USD → 23.64 CNY (23.643); the rest must be 47.36, not 6.67 × 7.1 = 47.357.
    const first = applyRefund(order(), { kind: 'refund', amount: 3.33 }, 'r1', NOW_ISO);
    expect(first.applied && first.refund).toMatchObject({ amount: 3.33, value: 23.64 });
    expect(first.order).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: 3.33,
      refundedValue: 23.64,
      revision: 2,
    });
    const rest = applyRefund(first.order, { kind: 'refund' }, 'r2', NOW_ISO);
    expect(rest.refund).toMatchObject({ amount: 6.67, value: 47.36 });
    expect(rest.order).toMatchObject({ status: 'refunded', refundedAmount: 10, refundedValue: 71 });
  });

  it('answers a repeated refund id with the refund applied, and refuses it with other details', () => {
    const first = applyRefund(order(), { kind: 'refund', amount: 4 }, 'r1', NOW_ISO);
    const again = applyRefund(first.order, { kind: 'refund', amount: 4 }, 'r1', NOW_ISO);
    expect(again.applied).toBe(false);
    expect(again.order).toBe(first.order);
    expect(() => applyRefund(first.order, { kind: 'refund', amount: 5 }, 'r1', NOW_ISO)).toThrow(
      ConflictError,
    );
  });

  it('refuses more than is left, and anything on a fully refunded order', () => {
    expect(issuesOf(() => applyRefund(order(), { kind: 'refund', amount: 10.01 }, 'r1', NOW_ISO))).toEqual([
      'amount',
    ]);
    expect(issuesOf(() => applyRefund(order(), { kind: 'refund', amount: 1.001 }, 'r1', NOW_ISO))).toEqual([
      'amount',
    ]);
    const full = applyRefund(order(), { kind: 'refund' }, 'r1', NOW_ISO);
    expect(() => applyRefund(full.order, { kind: 'refund' }, 'r2', NOW_ISO)).toThrow(ConflictError);
  });

  it('cancels by refunding whatever is left', () => {
    const partly = applyRefund(order(), { kind: 'refund', amount: 2 }, 'r1', NOW_ISO);
    const cancelled = applyRefund(partly.order, { kind: 'cancellation' }, 'c1', NOW_ISO);
    expect(cancelled.order).toMatchObject({ status: 'cancelled', refundedAmount: 10, refundedValue: 71 });
    expect(issuesOf(() => applyRefund(order(), { kind: 'cancellation', amount: 3 }, 'c1', NOW_ISO))).toEqual([
      'amount',
    ]);
  });
});
