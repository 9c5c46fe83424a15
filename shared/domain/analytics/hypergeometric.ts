// The numerics under the churn and value models: log-gamma, digamma and log-beta, the Gauss
// hypergeometric series 2F1 with its Euler-transformed forms, and the small quasi-Newton minimiser
// both model fits share (it lives here, with the other numerical building blocks, rather than in one
// of the two models). Pure: no I/O, plain numbers in and out.

// Lanczos approximation, g = 7, n = 9 (the coefficients published by Paul Godfrey; relative error
// about 1e-15 over the positive reals), which is far below the tolerances the model fits need.
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln |Γ(x)| by the Lanczos approximation (reflection formula below 1/2).
 * Returns +Infinity at the poles (0, −1, −2, …) and NaN for NaN.
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0 && Number.isInteger(x)) return Number.POSITIVE_INFINITY;
  if (x < 0.5) {
    // Γ(x)Γ(1−x) = π / sin(πx): keeps the series argument in the range where Lanczos is accurate.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const y = x - 1;
  let series = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) {
    series += (LANCZOS_COEFFICIENTS[i] as number) / (y + i);
  }
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(series);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x+1) − 1/x lifts the argument to 10 or more,
 * where the asymptotic series (to the x^-12 term) is accurate to double precision. The model fits need
 * it for their analytic gradients.
 */
export function digamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let result = 0;
  let y = x;
  while (y < 10) {
    result -= 1 / y;
    y += 1;
  }
  const f = 1 / (y * y);
  const tail =
    f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760))))));
  return result + Math.log(y) - 0.5 / y - tail;
}

/** Stopping rules for the hypergeometric series. */
export interface SeriesOptions {
  /** Relative size of the estimated remainder at which summation stops (default 1e-15). */
  readonly tolerance?: number;
  /** Give up (RangeError) after this many terms (default 1,000,000; z close to 1 converges slowly). */
  readonly maxTerms?: number;
}

const DEFAULT_TOLERANCE = 1e-15;
const DEFAULT_MAX_TERMS = 1_000_000;

/**
 * Σ_{k≥k0} t_k with t_{k0} = first and t_{k+1} = t_k · (a+k)(b+k) z / ((c+k)(k+1)): the Gauss series
 * from its term k0, whose value the caller supplies. Stops once the remainder, bounded geometrically by
 * the larger of the next term ratio and |z|, is below tolerance × |sum|, or once the terms are below
 * 1e-300 (denormal territory, where the relative test can no longer be met).
 */
function gaussSeries(
  k0: number,
  first: number,
  a: number,
  b: number,
  c: number,
  z: number,
  options?: SeriesOptions,
): number {
  const tolerance = options?.tolerance ?? DEFAULT_TOLERANCE;
  const maxTerms = options?.maxTerms ?? DEFAULT_MAX_TERMS;
  let term = first;
  let sum = first;
  for (let k = k0; k < k0 + maxTerms; k++) {
    if (term === 0) return sum; // a or b is a non-positive integer: the series terminates
    if (!Number.isFinite(sum)) return sum; // overflow: let the caller see Infinity rather than a wrong number
    const ratio = (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    const bound = Math.max(Math.abs(ratio), Math.abs(z));
    if (bound < 1 && (Math.abs(term) * bound) / (1 - bound) <= Math.max(tolerance * Math.abs(sum), 1e-300)) {
      return sum;
    }
    term *= ratio;
    sum += term;
  }
  throw new RangeError(`hypergeometric series did not converge in ${maxTerms} terms (z = ${z})`);
}

function assertSeriesArguments(c: number, z: number): void {
  if (!(Math.abs(z) < 1)) throw new RangeError(`2F1 series needs |z| < 1, got z = ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`2F1 is undefined for c = ${c}`);
}

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) by its defining series, for |z| < 1.
 *
 * The terms can grow large before they shrink (a, b large, z near 1); when the partial sum overflows the
 * function returns ±Infinity rather than throwing, so callers can detect it. For the BG/NBD conditional
 * expectation use {@link hyp2f1TimesPower} or {@link hyp2f1ScaledTail}, which do not overflow.
 * Throws a RangeError for |z| ≥ 1, for c a non-positive integer, or when the series has not converged
 * within `maxTerms`.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, options?: SeriesOptions): number {
  assertSeriesArguments(c, z);
  return gaussSeries(0, 1, a, b, c, z, options);
}

/**
 * 2F1(a, b; c; z) through Euler's transformation
 *   2F1(a, b; c; z) = (1 − z)^(c−a−b) · 2F1(c−a, c−b; c; z).
 * Mathematically equal to {@link hyp2f1}; numerically better when c−a and c−b are small next to a and b.
 */
export function hyp2f1Euler(a: number, b: number, c: number, z: number, options?: SeriesOptions): number {
  return hyp2f1TimesPower(a, b, c, z, 0, options);
}

/**
 * (1 − z)^s · 2F1(a, b; c; z), computed as (1 − z)^(s+c−a−b) · 2F1(c−a, c−b; c; z) (Euler).
 *
 * This is the form the BG/NBD conditional expectation needs, with s = r+x, a = r+x, b = b+x,
 * c = a+b+x−1 (model letters): the power (≈ 0) and the plain series (≈ ∞) would each under/overflow
 * for customers with hundreds of purchases, while the transformed series 2F1(a+b−1−r, a−1; a+b+x−1; z)
 * stays near 1 (its first two parameters no longer grow with x).
 */
export function hyp2f1TimesPower(
  a: number,
  b: number,
  c: number,
  z: number,
  s: number,
  options?: SeriesOptions,
): number {
  assertSeriesArguments(c, z);
  const power = Math.exp((s + c - a - b) * Math.log1p(-z));
  return power * gaussSeries(0, 1, c - a, c - b, c, z, options);
}

/**
 * c · (2F1(a, b; c; z) − 1) / b, summed term by term so that it stays finite and exact as b → 0 or c → 0,
 * where the quotient on its own is 0/0. Every term of 2F1 − 1 carries the factor b/c; dividing it out
 * analytically gives the series Σ_{k≥1} w_k, w_1 = a z, w_{k+1} = w_k (a+k)(b+k) z / ((c+k)(k+1)).
 *
 * The BG/NBD conditional expectation has this 0/0 at a = 1 (its (a+b+x−1)/(a−1) prefactor); see
 * `bgNbdConditionalExpectedTransactions`.
 */
export function hyp2f1ScaledTail(
  a: number,
  b: number,
  c: number,
  z: number,
  options?: SeriesOptions,
): number {
  if (!(Math.abs(z) < 1)) throw new RangeError(`2F1 series needs |z| < 1, got z = ${z}`);
  const first = a * z;
  if (first === 0) return 0;
  return gaussSeries(1, first, a, b, c, z, options);
}

/** expm1(y) / y, continuous at y = 0 (where it is 1). */
export function expm1OverX(y: number): number {
  if (Math.abs(y) < 1e-5) return 1 + y / 2 + (y * y) / 6;
  return Math.expm1(y) / y;
}

// ---------------------------------------------------------------------------------------------------
// Minimisation
