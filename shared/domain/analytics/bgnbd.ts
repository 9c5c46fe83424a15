// The BG/NBD churn model ("beta-geometric / negative binomial distribution"):
//
//   Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy Way: An
//   Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275–284. (FHL 2005 below.)
//
// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after every purchase
// they drop out with probability p ~ Beta(a, b). A customer is summarised by (x, t_x, T): x repeat
// purchases, the last at t_x, observed for T since the first purchase, all in one time unit (weeks for
// CDNOW; α is in the same unit, the other parameters are unit-free).
//
// The fit takes weighted rows ({x, tx, T, count}) so that customers with identical summaries are
// evaluated once: the likelihood is a sum over customers, so a group of n identical customers
// contributes n × its log-likelihood, and per-shard summaries can be merged by adding counts.
// Pure: no I/O.
import { digamma, expm1OverX, hyp2f1ScaledTail, logGamma } from './hypergeometric.js';
import { type MinimizeOptions, minimizeBfgs } from './optimize.js';

export interface BgNbdParams {
  /** Shape of the gamma distribution of purchase rates λ. */
  readonly r: number;
  /** Scale of the gamma distribution of purchase rates, in the model's time unit. */
  readonly alpha: number;
  /** Beta distribution of the drop-out probability p: first shape. */
  readonly a: number;
  /** Beta distribution of the drop-out probability p: second shape. */
  readonly b: number;
}

/** One customer's calibration summary, in the model's time unit. */
export interface BgNbdCustomer {
  /** Repeat purchases (the first purchase is not counted). */
  readonly x: number;
  /** Time of the last repeat purchase since the first purchase (0 when x = 0). */
  readonly tx: number;
  /** Time observed since the first purchase (t_x ≤ T). */
  readonly T: number;
}

/** A group of `count` customers with the same summary (count defaults to 1: a raw customer). */
export interface BgNbdRow extends BgNbdCustomer {
  readonly count?: number;
}

export interface BgNbdFit {
  readonly params: BgNbdParams;
  /** Total log-likelihood at the fitted parameters (weighted sum, FHL 2005 eq. 6). */
  readonly logLikelihood: number;
  /** Number of customers (sum of the counts). */
  readonly customers: number;
  readonly converged: boolean;
  readonly iterations: number;
}

export interface BgNbdFitOptions extends MinimizeOptions {
  /** Starting point of the search (default r = 1, α = mean T, a = 1, b = 1). */
  readonly initial?: BgNbdParams;
}

function checkCustomer(customer: BgNbdCustomer, where: string): void {
  const { x, tx, T } = customer;
  if (!(Number.isInteger(x) && x >= 0))
    throw new RangeError(`${where}: x must be a non-negative integer, got ${x}`);
  if (!(Number.isFinite(T) && T >= 0)) throw new RangeError(`${where}: T must be finite and >= 0, got ${T}`);
  if (!(tx >= 0 && tx <= T))
    throw new RangeError(`${where}: t_x must be within [0, T], got ${tx} (T = ${T})`);
}

/**
 * Log-likelihood of one customer's (x, t_x, T) under BG/NBD, FHL 2005 eq. (6):
 *
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
 *     + δ_{x>0} · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
 *
 * evaluated in logs as ln A1 + ln A2 + ln(e^A3 + δ e^A4) (the rearrangement of FHL's Excel note,
 * brucehardie.com/notes/004), so neither term underflows for customers with many purchases. Includes
 * every constant: summed over the 2,357 CDNOW customers it gives FHL's −9,582.4.
 */
export function bgNbdLogLikelihood(params: BgNbdParams, customer: BgNbdCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = customer;
  const lnA1 = logGamma(r + x) - logGamma(r) + r * Math.log(alpha);
  const lnA2 = logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x);
  const lnA3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return lnA1 + lnA2 + lnA3;
  // B(a+1, b+x−1)/B(a, b+x) = a/(b+x−1)
  const lnA4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return lnA1 + lnA2 + logAddExp(lnA3, lnA4);
}

/** Σ count × per-customer log-likelihood over weighted rows (FHL 2005 eq. 6 summed). */
export function bgNbdTotalLogLikelihood(params: BgNbdParams, rows: readonly BgNbdRow[]): number {
  let total = 0;
  for (const row of rows) {
    const count = row.count ?? 1;
    if (count !== 0) total += count * bgNbdLogLikelihood(params, row);
  }
  return total;
}

function logAddExp(u: number, v: number): number {
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v));
}

// Rows in columnar form, grouped by x: every term of the likelihood that depends on x alone (the
// gamma-function ratios and their derivatives) is computed once per distinct x per evaluation, which is
// what makes a fit over thousands of rows take milliseconds.
interface PreparedRows {
  readonly xs: Float64Array; // distinct x values
  readonly xIndex: Int32Array; // row → index into xs
  readonly tx: Float64Array;
  readonly T: Float64Array;
  readonly weight: Float64Array;
  readonly totalWeight: number;
  readonly meanT: number;
}

function prepareRows(rows: readonly BgNbdRow[]): PreparedRows {
  const kept = rows.filter((row, i) => {
    const count = row.count ?? 1;
    if (!(Number.isFinite(count) && count >= 0))
      throw new RangeError(`row ${i}: count must be >= 0, got ${count}`);
    checkCustomer(row, `row ${i}`);
    return count > 0;
  });
  const distinct = new Map<number, number>();
  const xIndex = new Int32Array(kept.length);
  const tx = new Float64Array(kept.length);
  const T = new Float64Array(kept.length);
  const weight = new Float64Array(kept.length);
  let totalWeight = 0;
  let weightedT = 0;
  kept.forEach((row, i) => {
    let index = distinct.get(row.x);
    if (index === undefined) {
      index = distinct.size;
      distinct.set(row.x, index);
    }
    xIndex[i] = index;
    tx[i] = row.tx;
    T[i] = row.T;
    weight[i] = row.count ?? 1;
    totalWeight += weight[i] as number;
    weightedT += (weight[i] as number) * row.T;
  });
  if (!(totalWeight > 0)) throw new RangeError('BG/NBD fit needs at least one customer');
  return {
    xs: Float64Array.from(distinct.keys()),
    xIndex,
    tx,
    T,
    weight,
    totalWeight,
    meanT: weightedT / totalWeight,
  };
}

/**
 * The objective the fit minimises: −(total log-likelihood)/(total customers) over θ = ln(r, α, a, b),
 * with its analytic gradient (the derivatives of eq. 6 by hand; ψ is the digamma function). Dividing
 * by the number of customers keeps the gradient tolerance meaningful from 2 thousand to 10 million
 * customers; the log-parameters keep all four parameters positive without constraints.
 */
function negativeMeanLogLikelihood(rows: PreparedRows, theta: readonly number[], gradient: number[]): number {
  const r = Math.exp(theta[0] as number);
  const alpha = Math.exp(theta[1] as number);
  const a = Math.exp(theta[2] as number);
  const b = Math.exp(theta[3] as number);
  if (![r, alpha, a, b].every((v) => Number.isFinite(v) && v > 0)) return Number.NaN;

  const lnAlpha = Math.log(alpha);
  const lgR = logGamma(r);
  const lgAB = logGamma(a + b);
  const lgB = logGamma(b);
  const psiR = digamma(r);
  const psiAB = digamma(a + b);
  const psiB = digamma(b);

  const nx = rows.xs.length;
  const constant = new Float64Array(nx); // ln A1 + ln A2
  const lnA4Prefix = new Float64Array(nx); // ln a − ln(b+x−1)
  const dConstDr = new Float64Array(nx);
  const dConstDa = new Float64Array(nx);
  const dConstDb = new Float64Array(nx);
  for (let j = 0; j < nx; j++) {
    const x = rows.xs[j] as number;
    constant[j] = logGamma(r + x) - lgR + r * lnAlpha + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x);
    lnA4Prefix[j] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
    const psiABX = digamma(a + b + x);
    dConstDr[j] = digamma(r + x) - psiR + lnAlpha;
    dConstDa[j] = psiAB - psiABX;
    dConstDb[j] = psiAB + digamma(b + x) - psiB - psiABX;
  }

  // Per distinct x: Σ weight and Σ weight·π4 (π4 = share of the "dropped out after t_x" term).
  const sumWeight = new Float64Array(nx);
  const sumWeightPi4 = new Float64Array(nx);
  let logLikelihood = 0;
  let dR = 0;
  let dAlpha = 0;
  for (let i = 0; i < rows.weight.length; i++) {
    const j = rows.xIndex[i] as number;
    const x = rows.xs[j] as number;
    const w = rows.weight[i] as number;
    const alphaT = alpha + (rows.T[i] as number);
    const lnAlphaT = Math.log(alphaT);
    const lnA3 = -(r + x) * lnAlphaT;
    let rowLl: number;
    if (x === 0) {
      rowLl = lnA3;
      dR -= w * lnAlphaT;
      dAlpha -= (w * (r + x)) / alphaT;
    } else {
      const alphaTx = alpha + (rows.tx[i] as number);
      const lnAlphaTx = Math.log(alphaTx);
      const lnA4 = (lnA4Prefix[j] as number) - (r + x) * lnAlphaTx;
      let pi4: number;
      if (lnA4 > lnA3) {
        const e = Math.exp(lnA3 - lnA4);
        rowLl = lnA4 + Math.log1p(e);
        pi4 = 1 / (1 + e);
      } else {
        const e = Math.exp(lnA4 - lnA3);
        rowLl = lnA3 + Math.log1p(e);
        pi4 = e / (1 + e);
      }
      const pi3 = 1 - pi4;
      dR -= w * (pi3 * lnAlphaT + pi4 * lnAlphaTx);
      dAlpha -= w * (r + x) * (pi3 / alphaT + pi4 / alphaTx);
      sumWeightPi4[j] = (sumWeightPi4[j] as number) + w * pi4;
    }
    sumWeight[j] = (sumWeight[j] as number) + w;
    logLikelihood += w * rowLl;
  }
  let dA = 0;
  let dB = 0;
  for (let j = 0; j < nx; j++) {
    const x = rows.xs[j] as number;
    const w = sumWeight[j] as number;
    const wPi4 = sumWeightPi4[j] as number;
    logLikelihood += w * (constant[j] as number);
    dR += w * (dConstDr[j] as number);
    dAlpha += (w * r) / alpha;
    dA += w * (dConstDa[j] as number) + (x > 0 ? wPi4 / a : 0);
    dB += w * (dConstDb[j] as number) - (x > 0 ? wPi4 / (b + x - 1) : 0);
  }
  const n = rows.totalWeight;
  // Chain rule to log-parameters: ∂/∂ln v = v ∂/∂v.
  gradient[0] = (-r * dR) / n;
  gradient[1] = (-alpha * dAlpha) / n;
  gradient[2] = (-a * dA) / n;
  gradient[3] = (-b * dB) / n;
  return -logLikelihood / n;
}

/**
 * Maximum-likelihood fit of BG/NBD (FHL 2005 §3, eq. 6) on weighted rows, by BFGS on the
 * log-parameters with the analytic gradient. Rows with the same (x, t_x, T) may be grouped with a
 * count (see {@link compressBgNbdRows}); the result is the same as fitting the customers one by one.
 *
 * Throws a RangeError for invalid rows (x not a non-negative integer, t_x outside [0, T], negative
 * counts) or when there are no customers. Check `converged`: data with no repeat purchases at all leave
 * a and b unidentified.
 */
export function fitBgNbd(rows: readonly BgNbdRow[], options?: BgNbdFitOptions): BgNbdFit {
  const prepared = prepareRows(rows);
  const initial = options?.initial ?? { r: 1, alpha: Math.max(prepared.meanT, 1e-3), a: 1, b: 1 };
  const start = [initial.r, initial.alpha, initial.a, initial.b].map(Math.log);
  const result = minimizeBfgs(
    (theta, gradient) => negativeMeanLogLikelihood(prepared, theta, gradient),
    start,
    {
      gradientTolerance: options?.gradientTolerance ?? 1e-10,
      maxIterations: options?.maxIterations ?? 500,
      maxStep: options?.maxStep ?? 2,
    },
  );
  const [r, alpha, a, b] = result.x.map(Math.exp) as [number, number, number, number];
  return {
    params: { r, alpha, a, b },
    logLikelihood: -result.value * prepared.totalWeight,
    customers: prepared.totalWeight,
    converged: result.converged,
    iterations: result.iterations,
  };
}

/**
 * Groups customers (or merges already-grouped rows, e.g. per-shard summaries) into weighted rows with
 * one row per distinct (x, t_x, T), summing the counts.
 *
 * With `resolution` set, t_x and T are first rounded to the nearest multiple of it (e.g. 1/7 when the
 * unit is weeks: whole days), which bounds the number of rows by x × (days observed)² however many
 * customers there are. Rounding moves each t_x and T by at most resolution/2; the fitted parameters
 * move correspondingly little (checked on CDNOW by the tests), and rounding is monotone so t_x ≤ T still
 * holds. Without `resolution` only exactly equal summaries are grouped.
 */
export function compressBgNbdRows(rows: Iterable<BgNbdRow>, resolution?: number): BgNbdRow[] {
  if (resolution !== undefined && !(resolution > 0))
    throw new RangeError(`resolution must be > 0, got ${resolution}`);
  // Grid indices (integers) as keys, so 3 × 0.1 and 0.3 land in the same group.
  const snap = (v: number) => (resolution === undefined ? v : Math.round(v / resolution));
  const groups = new Map<string, { x: number; tx: number; T: number; count: number }>();
  for (const row of rows) {
    const count = row.count ?? 1;
    if (count === 0) continue;
    const tx = snap(row.tx);
    const T = snap(row.T);
    const key = `${row.x}|${tx}|${T}`;
    const group = groups.get(key);
    if (group) group.count += count;
    else {
      groups.set(key, {
        x: row.x,
        tx: resolution === undefined ? tx : tx * resolution,
        T: resolution === undefined ? T : T * resolution,
        count,
      });
    }
  }
  return [...groups.values()];
}

/**
 * P(alive | x, t_x, T): the probability that the customer has not dropped out by T.
 * Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model" (brucehardie.com/notes/021),
 * following FHL 2005 eq. (10)'s denominator:
 *
 *   P(alive) = 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 *
 * Customers without repeat purchases are alive with probability 1 (BG/NBD lets customers drop out only
 * right after a purchase). Evaluated in logs so that extreme inputs give 0 or 1, never NaN.
 */
export function bgNbdProbabilityAlive(params: BgNbdParams, customer: BgNbdCustomer): number {
  return bgNbdProbabilityAliveByTx(params, customer.x, customer.T)(customer.tx);
}

/**
 * {@link bgNbdProbabilityAlive} as a function of t_x for a given x and T: the terms without t_x are
 * computed once, so scoring many customers who share (x, T) costs one log and one exp each. The same
 * floating-point operations in the same order: bit for bit the same value.
 */
export function bgNbdProbabilityAliveByTx(params: BgNbdParams, x: number, T: number): (tx: number) => number {
  if (x === 0) return () => 1;
  const { r, alpha, a, b } = params;
  const prefix = Math.log(a) - Math.log(b + x - 1);
  const rx = r + x;
  const lnAlphaT = Math.log(alpha + T);
  return (tx) => 1 / (1 + Math.exp(prefix + rx * (lnAlphaT - Math.log(alpha + tx))));
}

/**
 * E[Y(t) | x, t_x, T]: expected number of purchases in the next t time units for a customer with the
 * given history, FHL 2005 eq. (10):
 *
 *   E[Y(t) | …] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)]
 *                 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)),   z = t/(α+T+t).
 *
 * The bracket uses Euler's transformation (see `hyp2f1TimesPower`):
 *   ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; c; z) = (1−z)^(a−1) · 2F1(a+b−1−r, a−1; c; z),  c = a+b+x−1,
 * so it does not overflow for customers with hundreds of purchases. The prefactor's 1/(a−1) is then
 * divided out analytically: with F = 2F1(a+b−1−r, a−1; c; z) and L = ln(1−z),
 *   c · [1 − (1−z)^(a−1) F] / (a−1) = −c · L · expm1((a−1)L)/((a−1)L) − (1−z)^(a−1) · c(F−1)/(a−1),
 * where c(F−1)/(a−1) is the series `hyp2f1ScaledTail`. Both pieces stay finite at a = 1 (where eq. 10
 * reads 0/0) and at a+b+x−1 = 0.
 *
 * The series converges like z^k: fine for any realistic horizon (t = 52 weeks with α+T = 0.01 weeks
 * still converges), but for t/(α+T) beyond ~3·10^4 it needs more than a million terms and throws a
 * RangeError (the CLV then falls back). Returns 0 for t ≤ 0.
 */
export function bgNbdConditionalExpectedTransactions(
  params: BgNbdParams,
  customer: BgNbdCustomer,
  t: number,
): number {
  if (!(t > 0)) return 0;
  const { r, alpha, a, b } = params;
  const { x, tx, T } = customer;
  const c = a + b + x - 1;
  const z = t / (alpha + T + t);
  const lnOneMinusZ = -Math.log1p(t / (alpha + T)); // ln(1−z) without cancellation when z is tiny
  const power = Math.exp((a - 1) * lnOneMinusZ);
  const bracket =
    -c * lnOneMinusZ * expm1OverX((a - 1) * lnOneMinusZ) -
    power * hyp2f1ScaledTail(a + b - 1 - r, a - 1, c, z);
  const aliveOdds =
    x > 0
      ? Math.exp(Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)))
      : 0;
  return bracket / (1 + aliveOdds);
}

/**
 * E[X(t)]: expected number of repeat purchases in (0, t] for a new customer, FHL 2005 eq. (9):
 *
 *   E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))]
 *
 * which is eq. (10) at x = 0, T = 0 (a customer observed for no time is alive with certainty), so it
 * shares that function's Euler-transformed, a = 1-safe evaluation.
 */
export function bgNbdExpectedTransactions(params: BgNbdParams, t: number): number {
  return bgNbdConditionalExpectedTransactions(params, { x: 0, tx: 0, T: 0 }, t);
}
