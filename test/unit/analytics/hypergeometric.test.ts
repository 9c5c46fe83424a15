import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  digamma,
  expm1OverX,
  hyp2f1,
  hyp2f1Euler,
  hyp2f1ScaledTail,
  hyp2f1TimesPower,
  logBeta,
  logGamma,
} from '../../../shared/domain/analytics/hypergeometric.js';
import { minimizeBfgs } from '../../../shared/domain/analytics/optimize.js';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('logGamma', () => {
  // Reference values: Python's math.lgamma.
  it.each([
    [0.5, 0.5723649429247004],
    [1, 0],
    [2, 0],
    [3.5, 1.2009736023470738],
    [10, 12.801827480081467],
    [100, 359.1342053695754],
    [1000, 5905.220423209181],
    [0.001, 6.907178885383854],
    [1e-8, 18.42068073818021],
    [0.1, 2.2527126517342055],
    [171.5, 709.1431630309282],
    [1e6, 12815504.569147611],
  ])('ln Γ(%d) = %d', (x, expected) => {
    expect(Math.abs(logGamma(x) - expected)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(expected)));
  });

  it('is infinite at the poles', () => {
    expect(logGamma(0)).toBe(Number.POSITIVE_INFINITY);
    expect(logGamma(-3)).toBe(Number.POSITIVE_INFINITY);
  });

  it('satisfies Γ(x+1) = x Γ(x)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e4, noNaN: true }), (x) => {
        expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThan(
          1e-10 * Math.max(1, logGamma(x + 1)),
        );
      }),
    );
  });
});

describe('logBeta', () => {
  it('matches B(2, 3) = 1/12 and B(1/2, 1/2) = π', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 13);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 13);
  });
});

describe('digamma', () => {
  const eulerGamma = 0.5772156649015329;
  it.each([
    [1, -eulerGamma],
    [0.5, -eulerGamma - 2 * Math.LN2],
    [2, 1 - eulerGamma],
  ])('ψ(%d) = %d', (x, expected) => {
    expect(digamma(x)).toBeCloseTo(expected, 13);
  });

  it('is the derivative of ln Γ', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 500, noNaN: true }), (x) => {
        const h = 1e-5 * x;
        const numeric = (logGamma(x + h) - logGamma(x - h)) / (2 * h);
        expect(Math.abs(digamma(x) - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
      }),
    );
  });
});

describe('hyp2f1', () => {
  it.each([
    // Closed forms.
    ['2F1(1,1;2;z) = −ln(1−z)/z', hyp2f1(1, 1, 2, 0.7), -Math.log(0.3) / 0.7],
    ['2F1(a,b;b;z) = (1−z)^−a', hyp2f1(2.5, 1.3, 1.3, 0.4), 0.6 ** -2.5],
    ['2F1(½,½;3/2;z²) = asin(z)/z', hyp2f1(0.5, 0.5, 1.5, 0.81), Math.asin(0.9) / 0.9],
    ['terminating 2F1(−2,b;c;z)', hyp2f1(-2, 3, 4, 0.5), 1 - (2 * 3 * 0.5) / 4 + (3 * 4 * 0.25) / (4 * 5)],
    // mpmath.hyp2f1 at 60 digits.
    ['2F1(0.3,2.5;1.7;0.47)', hyp2f1(0.3, 2.5, 1.7, 0.47), 1.3558838545260976],
    ['2F1(−0.21,1.2;3;0.9)', hyp2f1(-0.21, 1.2, 3, 0.9), 0.8994101648796975],
    ['2F1(2.2,−0.35;0.6;0.75)', hyp2f1(2.2, -0.35, 0.6, 0.75), -1.64010178464383],
    ['2F1(1.5,2.5;3.25;−0.6)', hyp2f1(1.5, 2.5, 3.25, -0.6), 0.574451668527024],
    ['2F1(10,12;5;0.3)', hyp2f1(10, 12, 5, 0.3), 1999.1594912848582],
  ])('%s', (_name, actual, expected) => {
    expect(relativeError(actual, expected)).toBeLessThan(1e-13);
  });

  it('refuses arguments outside the series domain', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, -1.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 0, 0.5)).toThrow(RangeError);
  });

  it('gives the same value through Euler’s transformation', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 5, noNaN: true }),
        fc.double({ min: -3, max: 5, noNaN: true }),
        fc.double({ min: 0.1, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (a, b, c, z) => {
          const plain = hyp2f1(a, b, c, z);
          const euler = hyp2f1Euler(a, b, c, z);
          // The transformed series is multiplied by (1−z)^(c−a−b), which amplifies its rounding error
          // when c−a−b < 0 (b = 0 and a = 5 make 2F1 = 1 out of a series summing to (1−z)^4.9).
          const amplification = Math.max(1, (1 - z) ** (c - a - b));
          expect(Math.abs(plain - euler)).toBeLessThan(1e-12 * amplification * Math.max(1, Math.abs(plain)));
        },
      ),
    );
  });
});

describe('hyp2f1TimesPower: the BG/NBD form that does not overflow', () => {
  // BG/NBD with the published CDNOW parameters, a customer with x purchases, t = 52, T = 0.5, so that
  // z = t/(α+T+t) ≈ 0.92: (1−z)^(r+x) · 2F1(r+x, b+x; a+b+x−1; z).
  const [r, alpha, a, b] = [0.243, 4.414, 0.793, 2.426];
  const z = 52 / (alpha + 0.5 + 52);
  const direct = (x: number) => (1 - z) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
  const transformed = (x: number) => hyp2f1TimesPower(r + x, b + x, a + b + x - 1, z, r + x);

  it('agrees with the plain series where that one still works', () => {
    for (const x of [0, 1, 2, 10, 50]) {
      expect(relativeError(transformed(x), direct(x))).toBeLessThan(1e-10);
    }
  });

  it('stays finite for x = 500, where the plain series overflows', () => {
    expect(hyp2f1(r + 500, b + 500, a + b + 499, z)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(direct(500))).toBe(true); // 0 · ∞
    const value = transformed(500);
    expect(Number.isFinite(value)).toBe(true);
    // (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z): the series is close to 1 for large x.
    expect(relativeError(value, (1 - z) ** (a - 1))).toBeLessThan(0.01);
  });
});

describe('hyp2f1ScaledTail', () => {
  it('is c·(2F1 − 1)/b', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -2, max: 5, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: 0.1, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (a, b, c, z) => {
          const expected = (c * (hyp2f1(a, b, c, z) - 1)) / b;
          expect(Math.abs(hyp2f1ScaledTail(a, b, c, z) - expected)).toBeLessThan(
            1e-9 * Math.max(1, Math.abs(expected)),
          );
        },
      ),
    );
  });

  it('is continuous at b = 0, where the quotient is 0/0', () => {
    const atZero = hyp2f1ScaledTail(1.7, 0, 2.3, 0.6);
    expect(Number.isFinite(atZero)).toBe(true);
    expect(relativeError(hyp2f1ScaledTail(1.7, 1e-9, 2.3, 0.6), atZero)).toBeLessThan(1e-8);
    // At b = 0: c Σ_{k≥1} (a)_k z^k / ((c)_k k).
    let sum = 0;
    let pochhammerRatio = 1;
    for (let k = 1; k < 200; k++) {
      pochhammerRatio *= (1.7 + k - 1) / (2.3 + k - 1);
      sum += (pochhammerRatio * 0.6 ** k) / k;
    }
    expect(relativeError(atZero, 2.3 * sum)).toBeLessThan(1e-12);
  });
});

describe('expm1OverX', () => {
  it('is continuous at 0', () => {
    expect(expm1OverX(0)).toBe(1);
    for (const y of [1e-12, 1e-6, 1e-4, -1e-6, 0.5, -3]) {
      expect(relativeError(expm1OverX(y), Math.expm1(y) / y)).toBeLessThan(1e-10);
    }
  });
});

describe('minimizeBfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const result = minimizeBfgs(
      ([x = 0, y = 0], gradient) => {
        gradient[0] = -2 * (1 - x) - 400 * x * (y - x * x);
        gradient[1] = 200 * (y - x * x);
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
      },
      [-1.2, 1],
    );
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
  });

  it('backs off where the objective is undefined', () => {
    // ln is undefined below 0: the line search must not step there.
    const result = minimizeBfgs(
      ([x = 0], gradient) => {
        gradient[0] = 1 - 1 / x;
        return x > 0 ? x - Math.log(x) : Number.NaN;
      },
      [0.01],
    );
    expect(result.x[0]).toBeCloseTo(1, 8);
  });

  it('refuses a start where the objective is not finite', () => {
    expect(() => minimizeBfgs((_x, _g) => Number.NaN, [0])).toThrow(RangeError);
  });
});
