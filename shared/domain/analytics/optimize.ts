// Quasi-Newton minimisation (BFGS with a backtracking line search) for the maximum-likelihood fits.

/** An objective for {@link minimizeBfgs}: returns f(x) and writes ∇f(x) into `gradient`. */
export type ObjectiveWithGradient = (x: readonly number[], gradient: number[]) => number;

export interface MinimizeOptions {
  /** Stop when every gradient component is at most this in absolute value (default 1e-9). */
  readonly gradientTolerance?: number;
  /** Iteration cap (default 500). */
  readonly maxIterations?: number;
  /** Longest step per iteration in the (unconstrained) parameter space (default 2). */
  readonly maxStep?: number;
}

export interface MinimizeResult {
  readonly x: number[];
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** True when the gradient test passed (or the line search stalled at a numerically flat optimum). */
  readonly converged: boolean;
}

const dot = (u: readonly number[], v: readonly number[]) => {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i] as number) * (v[i] as number);
  return s;
};
const maxAbs = (u: readonly number[]) => u.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const identity = (n: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

/**
 * Minimises a smooth function with BFGS (inverse-Hessian updates, Nocedal & Wright 2006, §6.1) and a
 * backtracking Armijo line search. Meant for the model fits: a handful of unconstrained (log-)parameters
 * and an analytic gradient, where it needs a few dozen evaluations where Nelder–Mead needs hundreds.
 *
 * The objective may return a non-finite value where it is undefined; the line search then backs off.
 * Throws a RangeError if it is not finite at the start.
 */
export function minimizeBfgs(
  objective: ObjectiveWithGradient,
  start: readonly number[],
  options?: MinimizeOptions,
): MinimizeResult {
  const gradientTolerance = options?.gradientTolerance ?? 1e-9;
  const maxIterations = options?.maxIterations ?? 500;
  const maxStep = options?.maxStep ?? 2;
  const n = start.length;

  let x = [...start];
  let gradient = new Array<number>(n).fill(0);
  let value = objective(x, gradient);
  let evaluations = 1;
  if (!Number.isFinite(value) || !gradient.every(Number.isFinite)) {
    throw new RangeError('objective is not finite at the starting point');
  }

  let inverseHessian = identity(n);
  let scaled = false;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (maxAbs(gradient) <= gradientTolerance) {
      return { x, value, iterations: iteration, evaluations, converged: true };
    }
    let direction = inverseHessian.map((row) => -dot(row, gradient));
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // Lost positive definiteness to rounding: restart from steepest descent.
      inverseHessian = identity(n);
      direction = gradient.map((g) => -g);
      slope = dot(direction, gradient);
    }
    const length = Math.sqrt(dot(direction, direction));
    let step = Math.min(1, maxStep / length);

    let candidate: number[] = x;
    let candidateGradient = new Array<number>(n).fill(0);
    let candidateValue = Number.NaN;
    let accepted = false;
    while (step * length > 1e-14) {
      candidate = x.map((xi, i) => xi + step * (direction[i] as number));
      candidateGradient = new Array<number>(n).fill(0);
      candidateValue = objective(candidate, candidateGradient);
      evaluations++;
      if (
        Number.isFinite(candidateValue) &&
        candidateGradient.every(Number.isFinite) &&
        candidateValue <= value + 1e-4 * step * slope
      ) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {
      // No decrease is representable any more: we are at the optimum to machine precision unless the
      // gradient says otherwise.
      return {
        x,
        value,
        iterations: iteration,
        evaluations,
        converged: maxAbs(gradient) <= 1e3 * gradientTolerance,
      };
    }

    const s = candidate.map((ci, i) => ci - (x[i] as number));
    const y = candidateGradient.map((gi, i) => gi - (gradient[i] as number));
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (!scaled) {
        // Nocedal & Wright (6.20): size the initial inverse Hessian from the first curvature pair.
        const scale = sy / dot(y, y);
        inverseHessian = inverseHessian.map((row) => row.map((v) => v * scale));
        scaled = true;
      }
      const rho = 1 / sy;
      const hy = inverseHessian.map((row) => dot(row, y));
      const yhy = dot(y, hy);
      inverseHessian = inverseHessian.map((row, i) =>
        row.map(
          (v, j) =>
            v -
            rho * ((hy[i] as number) * (s[j] as number) + (s[i] as number) * (hy[j] as number)) +
            (rho * rho * yhy + rho) * (s[i] as number) * (s[j] as number),
        ),
      );
    }
    x = candidate;
    gradient = candidateGradient;
    value = candidateValue;
  }
  return {
    x,
    value,
    iterations: maxIterations,
    evaluations,
    converged: maxAbs(gradient) <= gradientTolerance,
  };
}
