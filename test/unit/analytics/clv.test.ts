import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BgNbdParams,
  bgNbdConditionalExpectedTransactions,
  fitBgNbd,
} from '../../../shared/domain/analytics/bgnbd.js';
import { summarize } from '../../../shared/domain/analytics/cdnow.js';
import {
  type ClvModels,
  customerLifetimeValue,
  DAYS_PER_MONTH,
  monthlyDiscountRate,
} from '../../../shared/domain/analytics/clv.js';
import {
  fitGammaGamma,
  type GammaGammaParams,
  gammaGammaExpectedAverageValue,
} from '../../../shared/domain/analytics/gamma-gamma.js';
import { CALIBRATION_END, cdnowSummaries, cdnowTransactions } from './cdnow-data.js';

const BG_NBD: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GAMMA_GAMMA: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
const MODELS: ClvModels = { bgNbd: BG_NBD, gammaGamma: GAMMA_GAMMA };
const CUSTOMER_1 = { x: 2, tx: 30.43, T: 38.86, zbar: 22.35, averageOrderValue: 24.68 };
const YEAR_IN_WEEKS = (12 * DAYS_PER_MONTH) / 7;

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('monthlyDiscountRate', () => {
  it('compounds back to the annual rate over 12 months', () => {
    expect((1 + monthlyDiscountRate(0.1)) ** 12).toBeCloseTo(1.1, 14);
    expect(monthlyDiscountRate(0)).toBe(0);
  });
});

describe('customerLifetimeValue with fitted models', () => {
  it('without discounting is E[M] × expected purchases in the next 12 months', () => {
    const result = customerLifetimeValue(CUSTOMER_1, MODELS, { annualDiscountRate: 0 });
    const purchases = bgNbdConditionalExpectedTransactions(BG_NBD, CUSTOMER_1, YEAR_IN_WEEKS);
    const orderValue = gammaGammaExpectedAverageValue(GAMMA_GAMMA, 2, 22.35);
    expect(result.method).toBe('model');
    expect(result.reason).toBeUndefined();
    expect(result.expectedTransactions).toBeCloseTo(purchases, 12);
    expect(result.expectedOrderValue).toBeCloseTo(orderValue, 12);
    expect(result.value).toBeCloseTo(purchases * orderValue, 10);
  });

  it('discounts each month at the monthly equivalent of 10 % a year by default', () => {
    const undiscounted = customerLifetimeValue(CUSTOMER_1, MODELS, { annualDiscountRate: 0 }).value;
    const result = customerLifetimeValue(CUSTOMER_1, MODELS);
    // Every month's factor lies between 1/(1+d) (month 1) and 1/1.1 (month 12).
    expect(result.value).toBeLessThan(undiscounted / (1 + monthlyDiscountRate(0.1)));
    expect(result.value).toBeGreaterThan(undiscounted / 1.1);
    // Month by month, from the conditional expectation's differences.
    const d = monthlyDiscountRate(0.1);
    const month = DAYS_PER_MONTH / 7;
    let expected = 0;
    for (let m = 1; m <= 12; m++) {
      const inMonth =
        bgNbdConditionalExpectedTransactions(BG_NBD, CUSTOMER_1, m * month) -
        bgNbdConditionalExpectedTransactions(BG_NBD, CUSTOMER_1, (m - 1) * month);
      expected += (result.expectedOrderValue * inMonth) / (1 + d) ** m;
    }
    expect(result.value).toBeCloseTo(expected, 10);
  });

  it('does not depend on the time unit the models were fitted in', () => {
    const inWeeks = cdnowSummaries();
    const inDays = summarize(cdnowTransactions(), CALIBRATION_END, 1);
    const gammaGamma = fitGammaGamma(inWeeks).params;
    const weekly = { bgNbd: fitBgNbd(inWeeks).params, gammaGamma };
    const daily = { bgNbd: fitBgNbd(inDays).params, gammaGamma };
    expect(relativeError(daily.bgNbd.alpha, 7 * weekly.bgNbd.alpha)).toBeLessThan(1e-6);
    for (const i of [0, 1, 5, 42, 2000]) {
      const week = customerLifetimeValue(inWeeks[i] as (typeof inWeeks)[number], weekly);
      const day = customerLifetimeValue(inDays[i] as (typeof inDays)[number], daily, { unitDays: 1 });
      expect(relativeError(day.value, week.value)).toBeLessThan(1e-5);
    }
  });

  it('values every CDNOW customer with the model, finite and non-negative', () => {
    const customers = cdnowSummaries();
    const models = { bgNbd: fitBgNbd(customers).params, gammaGamma: fitGammaGamma(customers).params };
    const results = customers.map((c) =>
      customerLifetimeValue({ ...c, averageOrderValue: (c.firstAmount + c.x * c.zbar) / (c.x + 1) }, models),
    );
    expect(results.every((r) => r.method === 'model' && Number.isFinite(r.value) && r.value >= 0)).toBe(true);
    // A customer with more, more recent and larger purchases is worth more.
    const heavy = customerLifetimeValue({ x: 10, tx: 38, T: 39, zbar: 40 }, models).value;
    const light = customerLifetimeValue({ x: 1, tx: 5, T: 39, zbar: 15 }, models).value;
    expect(heavy).toBeGreaterThan(light);
  });
});

describe('the fallback', () => {
  const customer = { x: 4, tx: 90, T: 104, zbar: 30, averageOrderValue: 50 };

  it.each([
    ['no purchase model', { gammaGamma: GAMMA_GAMMA }],
    ['no spend model', { bgNbd: BG_NBD }],
    ['no purchase model', { bgNbd: { ...BG_NBD, r: Number.NaN }, gammaGamma: GAMMA_GAMMA }],
    ['no spend model', { bgNbd: BG_NBD, gammaGamma: { ...GAMMA_GAMMA, q: -1 } }],
    ['no purchase model', {}],
  ])('is used when there is %s', (reason, models) => {
    const result = customerLifetimeValue(customer, models as ClvModels);
    expect(result).toMatchObject({ method: 'fallback', reason });
  });

  it('is used for a customer with less history than minHistoryDays', () => {
    const result = customerLifetimeValue({ x: 0, tx: 0, T: 1, zbar: 0, averageOrderValue: 20 }, MODELS, {
      minHistoryDays: 14,
    });
    expect(result).toMatchObject({ method: 'fallback', reason: 'too little history' });
  });

  it('is used when the spend model has no mean for a new customer (q ≤ 1)', () => {
    const result = customerLifetimeValue(
      { x: 0, tx: 0, T: 10, zbar: 0 },
      { bgNbd: BG_NBD, gammaGamma: { p: 2, q: 0.9, gamma: 5 } },
    );
    expect(result).toMatchObject({ method: 'fallback', reason: 'spend model has no finite mean' });
  });

  it('is used when the purchase model cannot be evaluated (a horizon 5·10^7 times α + T)', () => {
    const absurd = { bgNbd: { ...BG_NBD, alpha: 1e-6 }, gammaGamma: GAMMA_GAMMA };
    const result = customerLifetimeValue({ x: 0, tx: 0, T: 0, zbar: 0, averageOrderValue: 10 }, absurd);
    expect(result).toMatchObject({ method: 'fallback', reason: 'purchase model did not converge', value: 0 });
  });

  it('is used for an inconsistent history (t_x after T)', () => {
    expect(customerLifetimeValue({ x: 1, tx: 12, T: 10, zbar: 5 }, MODELS)).toMatchObject({
      method: 'fallback',
      reason: 'invalid history',
    });
  });

  it('is average order value × lifetime repeat rate over a year, discounted', () => {
    const result = customerLifetimeValue(customer, {});
    const purchases = (4 / 104) * YEAR_IN_WEEKS;
    let discount = 0;
    for (let m = 1; m <= 12; m++) discount += 1 / (1 + monthlyDiscountRate(0.1)) ** m;
    expect(result.expectedTransactions).toBeCloseTo(purchases, 12);
    expect(result.expectedOrderValue).toBe(50);
    expect(result.value).toBeCloseTo(50 * (purchases / 12) * discount, 10);
  });

  it('does not extrapolate a short history beyond a year', () => {
    // 3 repeat purchases in 2 weeks: 3 expected in the next year, not 78.
    const result = customerLifetimeValue({ x: 3, tx: 2, T: 2, zbar: 10 }, {});
    expect(result.expectedTransactions).toBe(3);
    expect(result.expectedOrderValue).toBe(10); // zbar when no average order value is given
  });

  it('prefers the recent frequency when the caller knows it', () => {
    const result = customerLifetimeValue({ ...customer, recentTransactions: 6 }, {});
    expect(result.expectedTransactions).toBe(6);
  });
});

describe('invariants (property-based)', () => {
  const anyNumber = fc.oneof(
    fc.double(), // includes NaN, ±Infinity, −0
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.integer({ min: -5, max: 500 }),
  );
  const anyCustomer = fc.record({
    x: anyNumber,
    tx: anyNumber,
    T: anyNumber,
    zbar: anyNumber,
    averageOrderValue: fc.option(anyNumber, { nil: undefined }),
    recentTransactions: fc.option(anyNumber, { nil: undefined }),
  });
  const plausibleCustomer = fc
    .record({
      x: fc.integer({ min: 0, max: 500 }),
      T: fc.double({ min: 0, max: 1040, noNaN: true }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
      zbar: fc.double({ min: 0, max: 1e5, noNaN: true }),
    })
    .map(({ x, T, share, zbar }) => ({ x, T, tx: x === 0 ? 0 : share * T, zbar: x === 0 ? 0 : zbar }));
  const models = fc.record({
    bgNbd: fc.record({
      r: fc.double({ min: 0.01, max: 20, noNaN: true }),
      alpha: fc.double({ min: 0.1, max: 500, noNaN: true }),
      a: fc.double({ min: 0.01, max: 20, noNaN: true }),
      b: fc.double({ min: 0.01, max: 20, noNaN: true }),
    }),
    gammaGamma: fc.record({
      p: fc.double({ min: 0.01, max: 50, noNaN: true }),
      q: fc.double({ min: 0.01, max: 50, noNaN: true }),
      gamma: fc.double({ min: 0.01, max: 1e4, noNaN: true }),
    }),
  });

  it('the value is finite and non-negative whatever the input', () => {
    fc.assert(
      fc.property(anyCustomer, fc.option(models, { nil: undefined }), (customer, fitted) => {
        const result = customerLifetimeValue(customer, fitted ?? {});
        expect(Number.isFinite(result.value)).toBe(true);
        expect(result.value).toBeGreaterThanOrEqual(0);
        expect(['model', 'fallback']).toContain(result.method);
      }),
      { numRuns: 500 },
    );
  });

  it('plausible customers with valid models are valued by the model, finite and non-negative', () => {
    fc.assert(
      fc.property(plausibleCustomer, models, (customer, fitted) => {
        const result = customerLifetimeValue(customer, fitted);
        expect(Number.isFinite(result.value)).toBe(true);
        expect(result.value).toBeGreaterThanOrEqual(0);
        // The only reason left for the fallback is a spend model without a mean (q ≤ 1, x = 0).
        if (result.method === 'fallback') expect(result.reason).toBe('spend model has no finite mean');
      }),
      { numRuns: 300 },
    );
  });

  it('a higher discount rate never increases the value', () => {
    fc.assert(
      fc.property(
        plausibleCustomer,
        models,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (customer, fitted, rate) => {
          const low = customerLifetimeValue(customer, fitted, { annualDiscountRate: rate }).value;
          const high = customerLifetimeValue(customer, fitted, { annualDiscountRate: rate + 0.05 }).value;
          expect(high).toBeLessThanOrEqual(low * (1 + 1e-12));
        },
      ),
      { numRuns: 100 },
    );
  });
});
