import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCustomerToKpis,
  averageClv,
  cacByChannel,
  cohortRetention,
  customerRetentionRate,
  emptyKpiPartial,
  type KpiCustomer,
  type KpiPartial,
  kpiPartialOf,
  mergeKpiPartials,
  monthOf,
  monthsBetween,
  newCustomersByChannel,
  repeatPurchaseRate,
} from '../../../shared/domain/segmentation/kpis.js';

// Six customers, as-of May 2024.
const customers: KpiCustomer[] = [
  // A: January cohort, orders in Jan, Feb and Apr.
  {
    firstOrderMonth: '2024-01',
    activeMonths: ['2024-01', '2024-02', '2024-04'],
    orderCount: 4,
    clv: 100,
    acquisitionChannel: 'ads',
  },
  // B: January cohort, never came back.
  {
    firstOrderMonth: '2024-01',
    activeMonths: ['2024-01'],
    orderCount: 1,
    clv: 50,
    acquisitionChannel: 'ads',
  },
  // C: January cohort, Feb and Mar listed out of order, Jan not listed (active by definition).
  {
    firstOrderMonth: '2024-01',
    activeMonths: ['2024-03', '2024-02', '2024-02'],
    orderCount: 3,
    clv: null,
    acquisitionChannel: 'seo',
  },
  // D: February cohort, no channel recorded.
  {
    firstOrderMonth: '2024-02',
    activeMonths: ['2024-02', '2024-03'],
    orderCount: 2,
    clv: 30.5,
    acquisitionChannel: null,
  },
  // E: a prospect.
  { firstOrderMonth: null, activeMonths: [], orderCount: 0 },
  // F: April cohort, ordered again in June (after the as-of month).
  {
    firstOrderMonth: '2024-04',
    activeMonths: ['2024-04', '2024-06'],
    orderCount: 2,
    acquisitionChannel: 'ads',
  },
];

describe('KPIs on a hand-computed example', () => {
  const partial = kpiPartialOf(customers);

  it('retention by first-order cohort', () => {
    expect(cohortRetention(partial, '2024-05')).toEqual([
      // January (3): Jan 3, Feb A+C = 2, Mar C = 1, Apr A = 1, May 0
      { cohort: '2024-01', size: 3, active: [3, 2, 1, 1, 0], retention: [1, 2 / 3, 1 / 3, 1 / 3, 0] },
      // February (1): Feb, Mar, then nothing through May
      { cohort: '2024-02', size: 1, active: [1, 1, 0, 0], retention: [1, 1, 0, 0] },
      // April (1): Apr, not May; June is not observed yet
      { cohort: '2024-04', size: 1, active: [1, 0], retention: [1, 0] },
    ]);
  });

  it('leaves out cohorts after the as-of month', () => {
    expect(cohortRetention(partial, '2024-02').map((row) => row.cohort)).toEqual(['2024-01', '2024-02']);
  });

  it('repeat-purchase rate: 4 of the 5 buyers ordered twice or more', () => {
    expect(repeatPurchaseRate(partial)).toBe(4 / 5);
  });

  it('average CLV over the customers that have one: (100 + 50 + 30.5) / 3', () => {
    expect(averageClv(partial)).toBe(180.5 / 3);
  });

  it('counts new customers per channel in a period', () => {
    expect(newCustomersByChannel(partial, '2024-01', '2024-02')).toEqual({ ads: 2, seo: 1, unknown: 1 });
    expect(newCustomersByChannel(partial, '2024-01', '2024-05')).toEqual({ ads: 3, seo: 1, unknown: 1 });
    expect(newCustomersByChannel(partial, '2024-03', '2024-03')).toEqual({});
  });

  it('CAC per channel for January–February', () => {
    const report = cacByChannel(
      { ads: 300, seo: 90, tv: 1000 },
      newCustomersByChannel(partial, '2024-01', '2024-02'),
    );
    expect(report).toEqual({
      byChannel: {
        ads: { cost: 300, newCustomers: 2, cac: 150 },
        seo: { cost: 90, newCustomers: 1, cac: 90 },
        tv: { cost: 1000, newCustomers: 0, cac: null },
        unknown: { cost: null, newCustomers: 1, cac: null },
      },
      // Blended: 1390 over 4 new customers
      total: { cost: 1390, newCustomers: 4, cac: 347.5 },
    });
  });

  it('CAC without any cost is unknown, not zero', () => {
    expect(cacByChannel({}, { ads: 3 }).total).toEqual({ cost: null, newCustomers: 3, cac: null });
  });

  it('counts all customers, buyers and repeat buyers', () => {
    expect(partial).toMatchObject({
      customers: 6,
      buyers: 5,
      repeatBuyers: 4,
      clv: { count: 3, totalCents: 18050 },
    });
  });

  it('classic CRR: (E − N) / S', () => {
    expect(customerRetentionRate({ atStart: 200, atEnd: 220, acquired: 40 })).toBe(0.9);
    expect(customerRetentionRate({ atStart: 0, atEnd: 10, acquired: 10 })).toBeNull();
  });

  it('has no rates without customers', () => {
    const empty = emptyKpiPartial();
    expect(repeatPurchaseRate(empty)).toBeNull();
    expect(averageClv(empty)).toBeNull();
    expect(cohortRetention(empty, '2024-05')).toEqual([]);
  });

  it('adding customers one by one equals the one-pass partial', () => {
    expect(customers.reduce(addCustomerToKpis, emptyKpiPartial())).toEqual(partial);
  });
});

describe('months', () => {
  it.each([
    ['2024-01', '2024-03', 2],
    ['2023-11', '2024-02', 3],
    ['2024-05', '2024-05', 0],
    ['2024-05', '2024-04', -1],
  ])('%s → %s is %i months', (from, to, months) => {
    expect(monthsBetween(from, to)).toBe(months);
  });

  it('takes the month of a timestamp as written', () => {
    expect(monthOf('2024-01-31T23:30:00+08:00')).toBe('2024-01');
  });

  it.each(['2024-13', '2024-1', '24-01', 'January'])('rejects the month %s', (month) => {
    expect(() => kpiPartialOf([{ firstOrderMonth: month, activeMonths: [], orderCount: 1 }])).toThrow(
      /YYYY-MM/,
    );
  });
});

const month = fc
  .integer({ min: 0, max: 23 })
  .map((i) => `${2023 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
const kpiCustomer: fc.Arbitrary<KpiCustomer> = fc.oneof(
  fc.record({
    firstOrderMonth: month,
    activeMonths: fc.array(month, { maxLength: 6 }),
    orderCount: fc.integer({ min: 1, max: 20 }),
    clv: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true })),
    acquisitionChannel: fc.option(fc.constantFrom('ads', 'seo', 'referral')),
  }),
  fc.constant<KpiCustomer>({ firstOrderMonth: null, activeMonths: [], orderCount: 0 }),
);

describe('KPI partial properties', () => {
  it('merging shard partials in any grouping and order equals the partial of all customers', () => {
    fc.assert(
      fc.property(fc.array(kpiCustomer, { maxLength: 60 }), fc.array(fc.nat(3)), (all, assignment) => {
        const shards = [0, 1, 2, 3].map((s) =>
          kpiPartialOf(all.filter((_, i) => (assignment[i] ?? 0) === s)),
        );
        const whole = kpiPartialOf(all);
        const [a, b, c, d] = shards as [KpiPartial, KpiPartial, KpiPartial, KpiPartial];
        const forwards = shards.reduce(mergeKpiPartials, emptyKpiPartial());
        const backwards = [...shards].reverse().reduce(mergeKpiPartials, emptyKpiPartial());
        expect(forwards).toEqual(whole);
        expect(backwards).toEqual(whole);
        expect(JSON.stringify(backwards)).toBe(JSON.stringify(whole));
        expect(mergeKpiPartials(mergeKpiPartials(a, b), mergeKpiPartials(c, d))).toEqual(whole);
      }),
    );
  });

  it('retention shares are in [0, 1] and start at 1', () => {
    fc.assert(
      fc.property(fc.array(kpiCustomer, { maxLength: 60 }), (all) => {
        for (const row of cohortRetention(kpiPartialOf(all), '2024-12')) {
          expect(row.retention[0]).toBe(1);
          for (const share of row.retention) {
            expect(share).toBeGreaterThanOrEqual(0);
            expect(share).toBeLessThanOrEqual(1);
          }
        }
      }),
    );
  });
});
