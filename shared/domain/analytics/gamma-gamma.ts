// The Gamma-Gamma model of spend per transaction:
//
//   Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
//   brucehardie.com/notes/025 (FH 2013 below).
//   Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves for
//   Customer Base Analysis. Journal of Marketing Research 42(4), 415–430.
//
// A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers; the mean zbar
// of x transactions is then Gamma(px, νx). Spend is assumed independent of the purchase process, so the
// model pairs with BG/NBD for CLV. Fitted on customers with at least one repeat purchase (x ≥ 1, zbar
// the mean of the repeat purchases), on weighted rows like BG/NBD. Pure: no I/O.
//
// Zero (or negative) zbar: a gamma density has no mass at 0, so a customer whose repeat purchases were
// all free has log-likelihood −∞ (px > 1) and would wreck the fit. The fit excludes such rows and
// reports how many it left out (`excluded`); the prediction still works for them (it shrinks towards the
// population mean, see gammaGammaExpectedAverageValue).
import { digamma, logGamma } from './hypergeometric.js';
import { type MinimizeOptions, minimizeBfgs } from './optimize.js';

export interface GammaGammaParams {
  /** Shape of the per-transaction gamma distribution. */
  readonly p: number;
  /** Shape of the gamma distribution of ν across customers. */
  readonly q: number;
  /** Scale of the gamma distribution of ν across customers (in money). */
  readonly gamma: number;
}

/** `count` customers with x repeat transactions of mean value zbar (count defaults to 1). */
export interface GammaGammaRow {
  readonly x: number;
  readonly zbar: number;
  readonly count?: number;
}

export interface GammaGammaFit {
  readonly params: GammaGammaParams;
  /** Total log-likelihood of the included rows (density of zbar, all constants included). */
  readonly logLikelihood: number;
  /** Customers the fit used (sum of the counts of rows with x ≥ 1 and zbar > 0). */
  readonly customers: number;
  /** Customers left out: x = 0 (no repeat spend to model) or zbar ≤ 0 (see file header). */
  readonly excluded: number;
  readonly converged: boolean;
  readonly iterations: number;
}

export interface GammaGammaFitOptions extends MinimizeOptions {
  /** Starting point (default p = 1, q = 2, γ = mean zbar, i.e. a population mean of mean zbar). */
  readonly initial?: GammaGammaParams;
}

/**
 * Log-density of one customer's zbar given x ≥ 1 (FH 2013, the marginal density of the mean zbar):
 *
 *   f(zbar | p, q, γ; x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · zbar^(px−1) · x^(px) / (γ + x·zbar)^(px+q)
 *
 * All constant terms are included, so the sum is a true log-likelihood. Returns −Infinity for
 * zbar ≤ 0 or x < 1 (no density there).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, row: { x: number; zbar: number }): number {
  const { p, q, gamma } = params;
  const { x, zbar } = row;
  if (!(x >= 1 && zbar > 0)) return Number.NEGATIVE_INFINITY;
  const px = p * x;
  return (
    logGamma(px + q) -
    logGamma(px) -
    logGamma(q) +
    q * Math.log(gamma) +
    (px - 1) * Math.log(zbar) +
    px * Math.log(x) -
    (px + q) * Math.log(gamma + x * zbar)
  );
}

/** Σ count × per-customer log-likelihood over the rows the fit uses (x ≥ 1, zbar > 0). */
export function gammaGammaTotalLogLikelihood(
  params: GammaGammaParams,
  rows: readonly GammaGammaRow[],
): number {
  let total = 0;
  for (const row of rows) {
    const count = row.count ?? 1;
    if (count > 0 && isModelled(row)) total += count * gammaGammaLogLikelihood(params, row);
  }
  return total;
}

const isModelled = (row: GammaGammaRow) => row.x >= 1 && row.zbar > 0;

interface PreparedRows {
  readonly xs: Float64Array;
  readonly xIndex: Int32Array;
  readonly lnZbar: Float64Array;
  readonly zbar: Float64Array;
  readonly weight: Float64Array;
  readonly totalWeight: number;
  readonly excluded: number;
  readonly meanZbar: number;
}

function prepareRows(rows: readonly GammaGammaRow[]): PreparedRows {
  const kept: GammaGammaRow[] = [];
  let excluded = 0;
  rows.forEach((row, i) => {
    const count = row.count ?? 1;
    if (!(Number.isFinite(count) && count >= 0))
      throw new RangeError(`row ${i}: count must be >= 0, got ${count}`);
    if (!(Number.isInteger(row.x) && row.x >= 0)) {
      throw new RangeError(`row ${i}: x must be a non-negative integer, got ${row.x}`);
    }
    if (!Number.isFinite(row.zbar)) throw new RangeError(`row ${i}: zbar must be finite, got ${row.zbar}`);
    if (count === 0) return;
    if (isModelled(row)) kept.push(row);
    else excluded += count;
  });
  const distinct = new Map<number, number>();
  const xIndex = new Int32Array(kept.length);
  const lnZbar = new Float64Array(kept.length);
  const zbar = new Float64Array(kept.length);
  const weight = new Float64Array(kept.length);
  let totalWeight = 0;
  let weightedZbar = 0;
  kept.forEach((row, i) => {
    let index = distinct.get(row.x);
    if (index === undefined) {
      index = distinct.size;
      distinct.set(row.x, index);
    }
    xIndex[i] = index;
    zbar[i] = row.zbar;
    lnZbar[i] = Math.log(row.zbar);
    weight[i] = row.count ?? 1;
    totalWeight += weight[i] as number;
    weightedZbar += (weight[i] as number) * row.zbar;
  });
  if (!(totalWeight > 0))
    throw new RangeError('Gamma-Gamma fit needs at least one customer with x >= 1 and zbar > 0');
  return {
    xs: Float64Array.from(distinct.keys()),
    xIndex,
    lnZbar,
    zbar,
    weight,
    totalWeight,
    excluded,
    meanZbar: weightedZbar / totalWeight,
  };
}

/**
 * −(log-likelihood)/(customers) over θ = ln(p, q, γ) and its analytic gradient:
 *   ∂ℓ/∂p = x [ψ(px+q) − ψ(px) + ln zbar + ln x − ln(γ + x zbar)]
 *   ∂ℓ/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ + x zbar)
 *   ∂ℓ/∂γ = q/γ − (px+q)/(γ + x zbar)
 */
function negativeMeanLogLikelihood(rows: PreparedRows, theta: readonly number[], gradient: number[]): number {
  const p = Math.exp(theta[0] as number);
  const q = Math.exp(theta[1] as number);
  const gamma = Math.exp(theta[2] as number);
  if (![p, q, gamma].every((v) => Number.isFinite(v) && v > 0)) return Number.NaN;
  const lnGamma = Math.log(gamma);
  const lgQ = logGamma(q);
  const psiQ = digamma(q);

  const nx = rows.xs.length;
  const constant = new Float64Array(nx); // ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + px ln x
  const dConstDp = new Float64Array(nx); // x [ψ(px+q) − ψ(px) + ln x]
  const dConstDq = new Float64Array(nx); // ψ(px+q) − ψ(q) + ln γ
  for (let j = 0; j < nx; j++) {
    const x = rows.xs[j] as number;
    const px = p * x;
    const psiPxQ = digamma(px + q);
    constant[j] = logGamma(px + q) - logGamma(px) - lgQ + q * lnGamma + px * Math.log(x);
    dConstDp[j] = x * (psiPxQ - digamma(px) + Math.log(x));
    dConstDq[j] = psiPxQ - psiQ + lnGamma;
  }

  let logLikelihood = 0;
  let dP = 0;
  let dQ = 0;
  let dGamma = 0;
  for (let i = 0; i < rows.weight.length; i++) {
    const j = rows.xIndex[i] as number;
    const x = rows.xs[j] as number;
    const w = rows.weight[i] as number;
    const px = p * x;
    const lnZ = rows.lnZbar[i] as number;
    const denominator = gamma + x * (rows.zbar[i] as number);
    const lnDenominator = Math.log(denominator);
    logLikelihood += w * ((constant[j] as number) + (px - 1) * lnZ - (px + q) * lnDenominator);
    dP += w * ((dConstDp[j] as number) + x * (lnZ - lnDenominator));
    dQ += w * ((dConstDq[j] as number) - lnDenominator);
    dGamma += w * (q / gamma - (px + q) / denominator);
  }
  const n = rows.totalWeight;
  gradient[0] = (-p * dP) / n;
  gradient[1] = (-q * dQ) / n;
  gradient[2] = (-gamma * dGamma) / n;
  return -logLikelihood / n;
}

/**
 * Maximum-likelihood fit of the Gamma-Gamma model (FH 2013) by BFGS on the log-parameters with the
 * analytic gradient. Rows with x = 0 or zbar ≤ 0 are skipped and counted in `excluded` (see the file
 * header); rows may be grouped with counts ({@link compressGammaGammaRows}).
 *
 * Throws a RangeError for malformed rows or when no row has x ≥ 1 and zbar > 0.
 */
export function fitGammaGamma(rows: readonly GammaGammaRow[], options?: GammaGammaFitOptions): GammaGammaFit {
  const prepared = prepareRows(rows);
  const initial = options?.initial ?? { p: 1, q: 2, gamma: prepared.meanZbar };
  const start = [initial.p, initial.q, initial.gamma].map(Math.log);
  const result = minimizeBfgs(
    (theta, gradient) => negativeMeanLogLikelihood(prepared, theta, gradient),
    start,
    {
      gradientTolerance: options?.gradientTolerance ?? 1e-10,
      maxIterations: options?.maxIterations ?? 500,
      maxStep: options?.maxStep ?? 2,
    },
  );
  const [p, q, gamma] = result.x.map(Math.exp) as [number, number, number];
  return {
    params: { p, q, gamma },
    logLikelihood: -result.value * prepared.totalWeight,
    customers: prepared.totalWeight,
    excluded: prepared.excluded,
    converged: result.converged,
    iterations: result.iterations,
  };
}

/**
 * Groups rows with the same (x, zbar), summing the counts; with `resolution` zbar is first rounded to a
 * multiple of it (e.g. 0.01: cents), which changes each customer's zbar by at most resolution/2.
 */
export function compressGammaGammaRows(rows: Iterable<GammaGammaRow>, resolution?: number): GammaGammaRow[] {
  if (resolution !== undefined && !(resolution > 0))
    throw new RangeError(`resolution must be > 0, got ${resolution}`);
  const snap = (v: number) => (resolution === undefined ? v : Math.round(v / resolution));
  const groups = new Map<string, { x: number; zbar: number; count: number }>();
  for (const row of rows) {
    const count = row.count ?? 1;
    if (count === 0) continue;
    const zbar = snap(row.zbar);
    const key = `${row.x}|${zbar}`;
    const group = groups.get(key);
    if (group) group.count += count;
    else groups.set(key, { x: row.x, zbar: resolution === undefined ? zbar : zbar * resolution, count });
  }
  return [...groups.values()];
}

/**
 * E[M | p, q, γ, x, zbar]: expected value of the customer's future transactions, FH 2013 eq. (5):
 *
 *   E[M | …] = p (γ + x·zbar) / (px + q − 1)
 *            = (q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · zbar,
 *
 * a weighted average of the population mean pγ/(q−1) and the customer's own zbar, the customer's
 * weight growing with x. With x = 0 it is the population mean (a customer with no repeat purchase yet).
 * A negative zbar (refunds exceeding purchases) is taken as 0 so the expectation stays non-negative.
 * Returns NaN when the expectation does not exist (px + q ≤ 1, i.e. q ≤ 1 for new customers): the
 * caller must treat that as "no model" (the CLV falls back).
 */
export function gammaGammaExpectedAverageValue(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) return Number.NaN;
  return (p * (gamma + x * Math.max(zbar, 0))) / denominator;
}
