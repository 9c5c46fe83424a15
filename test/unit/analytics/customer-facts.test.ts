import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, customerFacts, dayIndex } from '../../../shared/domain/analytics/customer-facts.js';

describe('customerFacts', () => {
  it('reads nothing but days up to asOf, and counts several orders on one day as one purchase', () => {
    const facts = customerFacts(
      {
        dailySpend: { '2024-01-01': 10, '2024-01-15': 20, '2024-02-01': 30, '2024-03-01': 999 },
        dailyOrders: { '2024-01-01': 1, '2024-01-15': 3, '2024-02-01': 1, '2024-03-01': 1 },
      },
      '2024-02-10',
      365,
    );
    // By hand: purchase days 01-01, 01-15, 02-01 (03-01 is after asOf); 5 orders; x = 2 repeat days.
    expect(facts).toEqual({
      firstDay: '2024-01-01',
      lastDay: '2024-02-01',
      orders: 5,
      purchaseDays: 3,
      x: 2,
      txDays: 31,
      TDays: 40,
      recencyDays: 9,
      monetary: 60,
      zbar: 25, // (20 + 30) / 2: the first purchase is not a repeat
      trailingSpend: 60,
      recentPurchaseDays: 3,
      activeMonths: ['2024-01', '2024-02'],
    });
  });

  it('knows no purchase before the first order (a prospect, or a customer as of an earlier date)', () => {
    const facts = customerFacts(
      { dailySpend: { '2024-05-01': 10 }, dailyOrders: { '2024-05-01': 1 } },
      '2024-04-30',
      365,
    );
    expect(facts).toMatchObject({ firstDay: null, recencyDays: null, orders: 0, x: 0, monetary: 0 });
    expect(customerFacts({}, '2024-04-30', 365).firstDay).toBeNull();
  });

  it('counts a zero-value order as a purchase, and keeps net spend at or above zero', () => {
    const facts = customerFacts(
      {
        dailySpend: { '2024-01-01': 0, '2024-01-02': 5, '2024-01-03': -20 },
        dailyOrders: { '2024-01-01': 1, '2024-01-02': 1, '2024-01-03': 1 },
      },
      '2024-01-10',
      365,
    );
    expect(facts.purchaseDays).toBe(3);
    expect(facts.x).toBe(2);
    expect(facts.monetary).toBe(0); // 0 + 5 − 20 (a refund larger than the day's spend)
    expect(facts.zbar).toBe(-7.5); // the spend model leaves non-positive zbar out of its fit
  });

  it('sums the membership window and the recent purchases over trailing days ending at asOf', () => {
    const activity = {
      dailySpend: { '2023-01-01': 100, '2023-06-30': 50, '2023-07-01': 25, '2024-06-30': 5 },
      dailyOrders: { '2023-01-01': 1, '2023-06-30': 1, '2023-07-01': 1, '2024-06-30': 1 },
    };
    // 365-day window ending 2024-06-30 (2024 is a leap year): days after 2023-07-01.
    const facts = customerFacts(activity, '2024-06-30', 365, 366);
    expect(facts.trailingSpend).toBe(5);
    expect(facts.recentPurchaseDays).toBe(2); // 2023-07-01 and 2024-06-30
    expect(customerFacts(activity, '2024-06-30', 366).trailingSpend).toBe(30);
  });

  it('sums money in cents, so the order of the days never changes the total', () => {
    const facts = customerFacts(
      { dailySpend: { '2024-01-01': 0.1, '2024-01-02': 0.2, '2024-01-03': 0.3 }, dailyOrders: {} },
      '2024-01-03',
      365,
    );
    expect(facts.monetary).toBe(0.6);
    expect(facts.orders).toBe(3); // a spend day without an order count is one order
  });

  it('has consistent invariants for any history (property)', () => {
    const day = fc.integer({ min: 0, max: 800 }).map((n) => addDays('2022-01-01', n));
    fc.assert(
      fc.property(
        fc.dictionary(
          day,
          fc.record({
            amount: fc.integer({ min: 0, max: 100_000 }).map((c) => c / 100),
            orders: fc.integer({ min: 1, max: 5 }),
          }),
        ),
        day,
        (days, asOf) => {
          const activity = {
            dailySpend: Object.fromEntries(Object.entries(days).map(([d, v]) => [d, v.amount])),
            dailyOrders: Object.fromEntries(Object.entries(days).map(([d, v]) => [d, v.orders])),
          };
          const facts = customerFacts(activity, asOf, 365);
          const upTo = Object.keys(days).filter((d) => d <= asOf);
          expect(facts.purchaseDays).toBe(upTo.length);
          if (upTo.length === 0) return;
          expect(facts.x).toBe(upTo.length - 1);
          expect(facts.txDays).toBeLessThanOrEqual(facts.TDays);
          expect(facts.recencyDays).toBe(facts.TDays - facts.txDays);
          expect(facts.orders).toBeGreaterThanOrEqual(facts.purchaseDays);
          expect(facts.monetary).toBeGreaterThanOrEqual(0);
          expect(facts.trailingSpend).toBeLessThanOrEqual(facts.monetary + 1e-9);
        },
      ),
    );
  });
});

describe('days', () => {
  it('counts calendar days across month ends and leap days', () => {
    expect(dayIndex('2024-03-01') - dayIndex('2024-02-28')).toBe(2);
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2024-01-01', -1)).toBe('2023-12-31');
    expect(() => dayIndex('2024/01/01')).toThrow(RangeError);
  });
});
