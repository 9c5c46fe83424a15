// 12-month customer lifetime value (revenue, no margin applied), discounted monthly.
//
// Model (method 'model'), in the spirit of Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value
// Curves for Customer Base Analysis", JMR 42(4): CLV = expected transactions × expected value per
// transaction, discounted, with spend independent of the purchase process (Fader & Hardie 2013, "The
// Gamma-Gamma Model of Monetary Value"). FHL discount continuously over an infinite horizon (DERT);
// here the horizon is finite and the discounting monthly, which is what the CRM reports:
//
//   CLV = Σ_{m=1..M} E[M] · (E[Y(m·Δ) | x, t_x, T] − E[Y((m−1)·Δ) | x, t_x, T]) / (1 + d)^m
//
//   E[Y(t) | …]  BG/NBD conditional expectation (FHL 2005, Marketing Science, eq. 10), so the m-th
//                difference is the expected number of purchases in month m;
//   E[M]         Gamma-Gamma conditional expected transaction value (FH 2013, eq. 5);
//   Δ            one month in model time units: 365.25/12 days ÷ unitDays;
//   d            monthly rate equivalent to the annual one: (1 + annual)^(1/12) − 1, a month's
//                purchases discounted as if paid at the end of that month;
//   M            12 by default.
//
// Fallback (method 'fallback'), when a model is missing or unusable, the customer has less history
// than `minHistoryDays`, or the model's output is not a finite non-negative number:
//
//   CLV = AOV · f · (1/M) · Σ_{m=1..M} 1/(1 + d)^m
//
//   AOV  the customer's historical average order value (averageOrderValue, else zbar, else 0);
//   f    expected purchases in the next M months = recentTransactions (purchases in the last M months)
//        when the caller knows it, else the repeat rate over the customer's life x / max(T, M·Δ) × M·Δ
//        (at least M months in the denominator, so a few early purchases are not extrapolated).
//
// Every input is sanitised (non-finite or negative → 0), so the fallback is always finite and ≥ 0.
// Pure: no I/O.
import { type BgNbdParams, bgNbdConditionalExpectedTransactions } from './bgnbd.js';
import { type GammaGammaParams, gammaGammaExpectedAverageValue } from './gamma-gamma.js';

export const DAYS_PER_MONTH = 365.25 / 12;

/** A customer's history in model time units (the unit the BG/NBD parameters were fitted in). */
export interface ClvCustomer {
  /** Repeat purchases. */
  readonly x: number;
  /** Time of the last repeat purchase since the first purchase. */
  readonly tx: number;
  /** Time since the first purchase. */
  readonly T: number;
  /** Mean value of the repeat purchases (0 when x = 0). */
  readonly zbar: number;
  /** Mean value of all purchases, the first included: the fallback's order value. */
  readonly averageOrderValue?: number;
  /** Purchases in the last `months` months, if known: the fallback's frequency. */
  readonly recentTransactions?: number;
}

export interface ClvModels {
  readonly bgNbd?: BgNbdParams;
  readonly gammaGamma?: GammaGammaParams;
}

export interface ClvOptions {
  /** Horizon in months (default 12). */
  readonly months?: number;
  /** Annual discount rate (default 0.10). */
  readonly annualDiscountRate?: number;
  /** Days per model time unit (default 7: weeks, as CDNOW). */
  readonly unitDays?: number;
  /** Customers observed for fewer days than this get the fallback (default 0: the model copes with T = 0). */
  readonly minHistoryDays?: number;
}

export type ClvMethod = 'model' | 'fallback';

export interface ClvResult {
  /** Discounted expected revenue over the horizon, ≥ 0 and finite. */
  readonly value: number;
  readonly method: ClvMethod;
  /** Why the fallback was used (absent for 'model'). */
  readonly reason?: string;
  /** Expected purchases over the horizon (undiscounted). */
  readonly expectedTransactions: number;
  /** Expected value per purchase used. */
  readonly expectedOrderValue: number;
}

/** Monthly rate equivalent to an annual one: (1 + annual)^(1/12) − 1. */
export function monthlyDiscountRate(annualRate: number): number {
  return (1 + annualRate) ** (1 / 12) - 1;
}

const nonNegative = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : 0);

const validBgNbd = (p: BgNbdParams | undefined): p is BgNbdParams =>
  p !== undefined && [p.r, p.alpha, p.a, p.b].every((v) => Number.isFinite(v) && v > 0);
const validGammaGamma = (p: GammaGammaParams | undefined): p is GammaGammaParams =>
  p !== undefined && [p.p, p.q, p.gamma].every((v) => Number.isFinite(v) && v > 0);

/**
 * Customer lifetime value over the next `months` (default 12) months, discounted monthly at
 * `annualDiscountRate` (default 10 %/year); see the file header for both formulas and when the
 * fallback applies. Never NaN, never negative; `method` says which formula produced the value.
 */
export function customerLifetimeValue(
  customer: ClvCustomer,
  models: ClvModels,
  options?: ClvOptions,
): ClvResult {
  return clvCalculator(models, options)(customer);
}

/**
 * {@link customerLifetimeValue} for one set of models and options, with everything that does not
 * depend on the customer (the options checked, the discount factors) worked out once: for scoring
 * millions of customers. Throws a RangeError for invalid options, as customerLifetimeValue does.
 */
export function clvCalculator(models: ClvModels, options?: ClvOptions): (customer: ClvCustomer) => ClvResult {
  const months = options?.months ?? 12;
  const annualRate = options?.annualDiscountRate ?? 0.1;
  const unitDays = options?.unitDays ?? 7;
  const minHistoryDays = options?.minHistoryDays ?? 0;
  if (!(Number.isInteger(months) && months >= 1))
    throw new RangeError(`months must be a positive integer, got ${months}`);
  if (!(annualRate > -1 && Number.isFinite(annualRate))) {
    throw new RangeError(`annualDiscountRate must be > -1, got ${annualRate}`);
  }
  if (!(unitDays > 0)) throw new RangeError(`unitDays must be > 0, got ${unitDays}`);
  const monthlyRate = monthlyDiscountRate(annualRate);
  const monthUnits = DAYS_PER_MONTH / unitDays;
  let discountSum = 0;
  for (let m = 1; m <= months; m++) discountSum += 1 / (1 + monthlyRate) ** m;
  const bgNbd = validBgNbd(models.bgNbd) ? models.bgNbd : undefined;
  const gammaGamma = validGammaGamma(models.gammaGamma) ? models.gammaGamma : undefined;
  const fallback = (customer: ClvCustomer, reason: string) =>
    fallbackValue(customer, months, monthUnits, discountSum, reason);
  return (customer) => {
    const { x, tx, T, zbar } = customer;
    if (!(Number.isInteger(x) && x >= 0 && Number.isFinite(T) && tx >= 0 && tx <= T)) {
      return fallback(customer, 'invalid history');
    }
    if (T * unitDays < minHistoryDays) return fallback(customer, 'too little history');
    if (!bgNbd) return fallback(customer, 'no purchase model');
    if (!gammaGamma) return fallback(customer, 'no spend model');
    const orderValue = gammaGammaExpectedAverageValue(gammaGamma, x, Number.isFinite(zbar) ? zbar : 0);
    if (!(Number.isFinite(orderValue) && orderValue >= 0))
      return fallback(customer, 'spend model has no finite mean');

    let value = 0;
    let transactions = 0;
    let previous = 0;
    try {
      for (let m = 1; m <= months; m++) {
        const cumulative = bgNbdConditionalExpectedTransactions(bgNbd, customer, m * monthUnits);
        // The cumulative expectation is increasing; rounding can still make a difference −1e-17.
        const inMonth = Math.max(cumulative - previous, 0);
        previous = Math.max(cumulative, previous);
        transactions += inMonth;
        value += (orderValue * inMonth) / (1 + monthlyRate) ** m;
      }
    } catch {
      return fallback(customer, 'purchase model did not converge');
    }
    if (!(Number.isFinite(value) && value >= 0))
      return fallback(customer, 'purchase model gave no finite value');
    return { value, method: 'model', expectedTransactions: transactions, expectedOrderValue: orderValue };
  };
}

function fallbackValue(
  customer: ClvCustomer,
  months: number,
  monthUnits: number,
  discountSum: number,
  reason: string,
): ClvResult {
  const orderValue = nonNegative(customer.averageOrderValue) || nonNegative(customer.zbar);
  const horizon = months * monthUnits;
  const transactions =
    customer.recentTransactions !== undefined && Number.isFinite(customer.recentTransactions)
      ? nonNegative(customer.recentTransactions)
      : (nonNegative(customer.x) / Math.max(nonNegative(customer.T), horizon)) * horizon;
  const value = orderValue * (transactions / months) * discountSum;
  return {
    value: Number.isFinite(value) ? value : 0,
    method: 'fallback',
    reason,
    expectedTransactions: transactions,
    expectedOrderValue: orderValue,
  };
}
