import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BgNbdParams,
  bgNbdConditionalExpectedTransactions,
  bgNbdExpectedTransactions,
  bgNbdLogLikelihood,
  bgNbdProbabilityAlive,
  bgNbdTotalLogLikelihood,
  compressBgNbdRows,
  fitBgNbd,
} from '../../../shared/domain/analytics/bgnbd.js';
import { hyp2f1 } from '../../../shared/domain/analytics/hypergeometric.js';
import { cdnowPublishedSummary, cdnowSummaries } from './cdnow-data.js';

// shared/data/cdnow/README.md: FHL 2005 §7 (rounded) and a higher-precision fit of the raw log.
const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, logLikelihood: -9582.4 };
const HIGH_PRECISION = {
  r: 0.2425945,
  alpha: 4.4136019,
  a: 0.7929199,
  b: 2.4258881,
  logLikelihood: -9582.429,
};
const PUBLISHED_PARAMS: BgNbdParams = {
  r: PUBLISHED.r,
  alpha: PUBLISHED.alpha,
  a: PUBLISHED.a,
  b: PUBLISHED.b,
};
const NAMES = ['r', 'alpha', 'a', 'b'] as const;

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);
const roundTo = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

describe('fitBgNbd on CDNOW', () => {
  it('reproduces the high-precision fit from the raw log, built through summarize', () => {
    const fit = fitBgNbd(cdnowSummaries());
    expect(fit.converged).toBe(true);
    expect(fit.customers).toBe(2357);
    for (const name of NAMES) {
      expect(relativeError(fit.params[name], HIGH_PRECISION[name]), name).toBeLessThan(0.001);
      // In fact to 5 significant digits (a and b differ from the README's in the 6th).
      expect(relativeError(fit.params[name], HIGH_PRECISION[name]), name).toBeLessThan(1e-5);
    }
    expect(Math.abs(fit.logLikelihood - HIGH_PRECISION.logLikelihood)).toBeLessThan(0.001);
  });

  it('reproduces the published fit from the rounded summary CSV', () => {
    const fit = fitBgNbd(cdnowPublishedSummary());
    expect(fit.converged).toBe(true);
    for (const name of NAMES) {
      expect(relativeError(fit.params[name], HIGH_PRECISION[name]), name).toBeLessThan(0.001);
      // The paper prints 3 decimals. r = 0.243 is itself 0.17 % away from the maximum (0.2426), so
      // "within 0.1 % of 0.243" cannot hold for a correct fit; it rounds to the printed value instead.
      expect(roundTo(fit.params[name], 3), name).toBe(PUBLISHED[name]);
    }
    for (const name of ['alpha', 'a', 'b'] as const) {
      expect(relativeError(fit.params[name], PUBLISHED[name]), name).toBeLessThan(0.001);
    }
    expect(relativeError(fit.logLikelihood, PUBLISHED.logLikelihood)).toBeLessThan(0.001);
    expect(roundTo(fit.logLikelihood, 1)).toBe(PUBLISHED.logLikelihood);
  });

  it('gives the published log-likelihood at the published parameters', () => {
    expect(bgNbdTotalLogLikelihood(PUBLISHED_PARAMS, cdnowSummaries())).toBeCloseTo(
      PUBLISHED.logLikelihood,
      0,
    );
  });

  it('predicts the 39-week holdout total within 15 % of the 1,882 actual repeat purchases', () => {
    // Sanity check, not a reference value: summed over the 2,357 customers, E[Y(39) | x, t_x, T] is
    // 1,653.4, 12 % under the 1,882 actual (the unconditional forecast, Σ E[X(T+39)] − E[X(T)], gives
    // 1,666.7, also under). The per-customer expectation matches the published 1.226 and a 60-digit
    // evaluation of eq. (10) below, so the gap is the model's on this data, not the code's; 10 % is too
    // tight for it.
    const { params } = fitBgNbd(cdnowSummaries());
    const predicted = cdnowSummaries().reduce(
      (sum, c) => sum + bgNbdConditionalExpectedTransactions(params, c, 39),
      0,
    );
    expect(relativeError(predicted, 1882)).toBeLessThan(0.15);
    expect(predicted).toBeCloseTo(1653.4, 1);
    const unconditional = cdnowSummaries().reduce(
      (sum, c) => sum + bgNbdExpectedTransactions(params, c.T + 39) - bgNbdExpectedTransactions(params, c.T),
      0,
    );
    expect(relativeError(unconditional, 1882)).toBeLessThan(0.15);
  });
});

describe('grouped (weighted) rows', () => {
  it('give the same fit as one row per customer', () => {
    const customers = cdnowSummaries();
    const grouped = compressBgNbdRows(customers);
    expect(grouped.length).toBeLessThan(customers.length / 2);
    expect(grouped.reduce((sum, row) => sum + (row.count ?? 1), 0)).toBe(2357);
    const one = fitBgNbd(customers);
    const many = fitBgNbd(grouped);
    for (const name of NAMES)
      expect(relativeError(many.params[name], one.params[name]), name).toBeLessThan(1e-8);
    expect(many.logLikelihood).toBeCloseTo(one.logLikelihood, 6);
  });

  it('count n behaves as n copies of the row', () => {
    const rows = cdnowPublishedSummary().slice(0, 400);
    const doubled = fitBgNbd(rows.map((row) => ({ ...row, count: 2 })));
    const copied = fitBgNbd([...rows, ...rows]);
    for (const name of NAMES)
      expect(relativeError(doubled.params[name], copied.params[name])).toBeLessThan(1e-8);
    expect(doubled.customers).toBe(800);
  });

  it('merge across shards: compressing the shards’ compressed rows equals compressing everything', () => {
    const customers = cdnowSummaries();
    const shards = [0, 1, 2, 3].map((shard) =>
      compressBgNbdRows(customers.filter((_, i) => i % 4 === shard)),
    );
    const merged = compressBgNbdRows(shards.flat());
    const direct = compressBgNbdRows(customers);
    const key = (row: { x: number; tx: number; T: number }) => `${row.x}|${row.tx}|${row.T}`;
    const byKey = (rows: typeof merged) => new Map(rows.map((row) => [key(row), row.count]));
    expect(byKey(merged)).toEqual(byKey(direct));
  });

  it('rounding t_x and T to whole days keeps the fit (CDNOW is in days already); whole weeks move it ~2 %', () => {
    const customers = cdnowSummaries();
    const exact = fitBgNbd(customers).params;
    const daily = compressBgNbdRows(customers, 1 / 7);
    expect(daily).toHaveLength(compressBgNbdRows(customers).length);
    const dailyFit = fitBgNbd(daily).params;
    for (const name of NAMES) expect(relativeError(dailyFit[name], exact[name])).toBeLessThan(1e-6);
    const weekly = compressBgNbdRows(customers, 1);
    expect(weekly.length).toBeLessThan(daily.length);
    const weeklyFit = fitBgNbd(weekly).params;
    for (const name of NAMES) expect(relativeError(weeklyFit[name], exact[name]), name).toBeLessThan(0.03);
  });

  it('rejects rows that are not customer summaries', () => {
    expect(() => fitBgNbd([{ x: 1.5, tx: 1, T: 2 }])).toThrow(RangeError);
    expect(() => fitBgNbd([{ x: 1, tx: 3, T: 2 }])).toThrow(RangeError);
    expect(() => fitBgNbd([{ x: 1, tx: 1, T: 2, count: -1 }])).toThrow(RangeError);
    expect(() => fitBgNbd([{ x: 1, tx: 1, T: 2, count: 0 }])).toThrow(RangeError);
    expect(() => fitBgNbd([])).toThrow(RangeError);
  });
});

describe('predictions with the published parameters', () => {
  const customer1 = { x: 2, tx: 30.43, T: 38.86 };

  it('customer 1 is expected to make 1.226 repeat purchases in the next 39 weeks', () => {
    expect(bgNbdConditionalExpectedTransactions(PUBLISHED_PARAMS, customer1, 39)).toBeCloseTo(1.226, 3);
  });

  it('customer 1 is alive with probability 0.727', () => {
    expect(bgNbdProbabilityAlive(PUBLISHED_PARAMS, customer1)).toBeCloseTo(0.727, 3);
  });

  // Reference values: FHL 2005 eq. (10) evaluated directly with mpmath at 60 digits.
  it.each([
    [PUBLISHED_PARAMS, { x: 2, tx: 30.43, T: 38.86 }, 39, 1.2260281747671444],
    [PUBLISHED_PARAMS, { x: 0, tx: 0, T: 0 }, 52, 1.4460505953964038],
    [PUBLISHED_PARAMS, { x: 0, tx: 0, T: 38.86 }, 39, 0.19509805201126262],
    [PUBLISHED_PARAMS, { x: 500, tx: 38, T: 39 }, 52, 2.330893014146852],
    [PUBLISHED_PARAMS, { x: 29, tx: 38.5, T: 38.86 }, 0.001, 0.0006539959527893993],
    [{ r: 0.5, alpha: 5, a: 1, b: 2 }, { x: 3, tx: 10, T: 20 }, 26, 1.0829175572923961],
    [{ r: 2, alpha: 0.5, a: 3, b: 0.4 }, { x: 7, tx: 5, T: 5 }, 100, 3.1904119995337217],
  ])('E[Y(t)] for %o, %o, t = %d', (params, customer, t, expected) => {
    expect(relativeError(bgNbdConditionalExpectedTransactions(params, customer, t), expected)).toBeLessThan(
      1e-10,
    );
  });

  it('underflows to 0 for customers long gone (x = 500 purchases in the first week, then 38 silent weeks)', () => {
    // The exact value is 1.4e-447, below the smallest double.
    expect(bgNbdConditionalExpectedTransactions(PUBLISHED_PARAMS, { x: 500, tx: 1, T: 39 }, 52)).toBe(0);
  });

  it('E[X(t)] for a new customer is eq. (9) evaluated directly', () => {
    const { r, alpha, a, b } = PUBLISHED_PARAMS;
    for (const t of [1, 10, 39, 52, 104]) {
      const direct =
        ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
      expect(relativeError(bgNbdExpectedTransactions(PUBLISHED_PARAMS, t), direct)).toBeLessThan(1e-10);
    }
  });

  it('is continuous at a = 1, where eq. (10) reads 0/0', () => {
    const customer = { x: 3, tx: 10, T: 20 };
    const at = bgNbdConditionalExpectedTransactions({ r: 0.5, alpha: 5, a: 1, b: 2 }, customer, 26);
    const below = bgNbdConditionalExpectedTransactions({ r: 0.5, alpha: 5, a: 1 - 1e-7, b: 2 }, customer, 26);
    const above = bgNbdConditionalExpectedTransactions({ r: 0.5, alpha: 5, a: 1 + 1e-7, b: 2 }, customer, 26);
    expect(relativeError(below, at)).toBeLessThan(1e-6);
    expect(relativeError(above, at)).toBeLessThan(1e-6);
  });

  it('per-customer log-likelihood: a customer with no repeat purchase has the closed form of eq. (6)', () => {
    const { r, alpha } = PUBLISHED_PARAMS;
    // x = 0: L = (α/(α+T))^r (the B ratios and Γ ratios are 1).
    expect(bgNbdLogLikelihood(PUBLISHED_PARAMS, { x: 0, tx: 0, T: 30 })).toBeCloseTo(
      r * Math.log(alpha / (alpha + 30)),
      12,
    );
  });
});

describe('invariants (property-based)', () => {
  const params = fc.record({
    r: fc.double({ min: 0.01, max: 20, noNaN: true }),
    alpha: fc.double({ min: 0.1, max: 500, noNaN: true }),
    a: fc.double({ min: 0.01, max: 20, noNaN: true }),
    b: fc.double({ min: 0.01, max: 20, noNaN: true }),
  });
  // x up to 500, t_x anywhere in [0, T] (including the edges), T from 0 to 20 years of weeks.
  const customer = fc
    .record({
      x: fc.integer({ min: 0, max: 500 }),
      T: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1040, noNaN: true })),
      share: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    })
    .map(({ x, T, share }) => ({ x, T, tx: x === 0 ? 0 : share * T }));
  const horizon = fc.double({ min: 1e-6, max: 520, noNaN: true });

  it('P(alive) is a probability', () => {
    fc.assert(
      fc.property(params, customer, (p, c) => {
        const alive = bgNbdProbabilityAlive(p, c);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });

  it('conditional expectations are finite, non-negative and non-decreasing in t', () => {
    fc.assert(
      fc.property(params, customer, horizon, (p, c, t) => {
        const shorter = bgNbdConditionalExpectedTransactions(p, c, t);
        const longer = bgNbdConditionalExpectedTransactions(p, c, 2 * t);
        expect(Number.isFinite(shorter)).toBe(true);
        expect(shorter).toBeGreaterThanOrEqual(0);
        expect(longer).toBeGreaterThanOrEqual(shorter * (1 - 1e-9));
      }),
      { numRuns: 300 },
    );
  });

  it('the log-likelihood is finite', () => {
    fc.assert(
      fc.property(params, customer, (p, c) => {
        expect(Number.isFinite(bgNbdLogLikelihood(p, c))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('the expectation for t = 0 is 0', () => {
    fc.assert(
      fc.property(params, customer, (p, c) => {
        expect(bgNbdConditionalExpectedTransactions(p, c, 0)).toBe(0);
      }),
    );
  });
});
