/**
 * The small fitting tools the estimators share: ordinary least squares for the parameters a model is
 * linear in, a grid search refined by shrinking local grids for the 1-2 it is not, and standard
 * uncertainties from the Jacobian at the optimum (covariance = s^2 (J^T J)^-1, s^2 = RSS / (n - p)).
 * A grid search first is deliberate: boxcar responses to step loads make the residual piecewise smooth
 * with flat stretches, where a purely local method (Yang et al. use Nelder-Mead,
 * https://github.com/JimZeyuYang/GPU_Power_Benchmark/blob/4b5c944/source/GPU_pwr_benchmark.py) can stall.
 */

/** Solves the symmetric system A x = b (Gaussian elimination with partial pivoting); null if singular. */
export function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; ++col) {
    let pivot = col;
    for (let r = col + 1; r < n; ++r) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    const scale = Math.max(...m.map((row) => Math.abs(row[col])), 1e-300);
    if (Math.abs(m[pivot][col]) <= 1e-12 * scale) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; ++r) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= n; ++c) m[r][c] -= f * m[col][c];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** Inverse of a small symmetric matrix; null if singular. */
export function invert(a: number[][]): number[][] | null {
  const n = a.length;
  const columns: number[][] = [];
  for (let j = 0; j < n; ++j) {
    const x = solve(
      a,
      a.map((_, i) => (i === j ? 1 : 0)),
    );
    if (!x) return null;
    columns.push(x);
  }
  return a.map((_, i) => columns.map((col) => col[i]));
}

export interface LinearFit {
  coefficients: number[];
  rss: number;
}

/**
 * Least squares y ~ sum_j c_j x_j(i) over the rows; `basis(i)` gives row i's regressors. Null when
 * the regressors are collinear (e.g. a load that never changes).
 */
export function linearLeastSquares(n: number, basis: (i: number) => number[], y: (i: number) => number): LinearFit | null {
  let ata: number[][] | undefined;
  let aty: number[] | undefined;
  for (let i = 0; i < n; ++i) {
    const x = basis(i);
    ata ??= x.map(() => x.map(() => 0));
    aty ??= x.map(() => 0);
    const yi = y(i);
    for (let j = 0; j < x.length; ++j) {
      aty[j] += x[j] * yi;
      for (let k = 0; k < x.length; ++k) ata[j][k] += x[j] * x[k];
    }
  }
  if (!ata || !aty) return null;
  const coefficients = solve(ata, aty);
  if (!coefficients) return null;
  let rss = 0;
  for (let i = 0; i < n; ++i) {
    const x = basis(i);
    let fit = 0;
    for (let j = 0; j < x.length; ++j) fit += coefficients[j] * x[j];
    rss += (y(i) - fit) ** 2;
  }
  return { coefficients, rss };
}

/** Evenly spaced values from lo to hi inclusive. */
export function linearGrid(lo: number, hi: number, count: number): number[] {
  if (count === 1) return [lo];
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/** Log-spaced values from lo to hi inclusive. */
export function logGrid(lo: number, hi: number, count: number): number[] {
  return linearGrid(Math.log(lo), Math.log(hi), count).map(Math.exp);
}

export interface GridMinimum {
  x: number[];
  value: number;
}

/**
 * Minimum of f over the product of the axes' grids, then refined: a 5^d local grid around the best
 * point, moved to the best point found and halved when that stays put, kept inside [lower, upper],
 * until the steps shrink below
 * `tolerance` (per axis).
 */
export function gridMinimize(
  f: (x: number[]) => number,
  axes: { grid: number[]; lower: number; upper: number; tolerance: number }[],
): GridMinimum {
  let best: GridMinimum = { x: axes.map((a) => a.grid[0]), value: Infinity };
  const visit = (x: number[]): void => {
    const value = f(x);
    if (value < best.value) best = { x: [...x], value };
  };
  const product = (lists: number[][], at: number, prefix: number[]): void => {
    if (at === lists.length) return visit(prefix);
    for (const v of lists[at]) product(lists, at + 1, [...prefix, v]);
  };
  product(
    axes.map((a) => a.grid),
    0,
    [],
  );
  // The starting step of each axis: the largest spacing of its grid next to the best point.
  let steps = axes.map((a, j) => {
    const i = a.grid.indexOf(best.x[j]);
    const left = i > 0 ? a.grid[i] - a.grid[i - 1] : 0;
    const right = i < a.grid.length - 1 ? a.grid[i + 1] - a.grid[i] : 0;
    return Math.max(left, right, a.tolerance);
  });
  // A pattern search: the local grid follows the best point (along a ridge, too) and shrinks only
  // when the best point stays where it is.
  for (let round = 0; round < 400 && steps.some((s, j) => s > axes[j].tolerance); ++round) {
    const centre = best;
    const local = axes.map((a, j) =>
      [-1, -0.5, 0, 0.5, 1]
        .map((k) => Math.min(a.upper, Math.max(a.lower, centre.x[j] + k * steps[j])))
        .filter((v, i, all) => all.indexOf(v) === i),
    );
    product(local, 0, []);
    if (best === centre) steps = steps.map((s) => s / 2);
  }
  return best;
}

/**
 * Standard uncertainties of all parameters of a least-squares fit from the Jacobian of the residuals
 * at the optimum (central differences with the given steps). Null when J^T J is singular (a
 * parameter the data does not constrain).
 */
export function leastSquaresUncertainty(
  residuals: (p: number[]) => number[],
  optimum: number[],
  steps: number[],
): { standard: number[]; rss: number; dof: number } | null {
  const r0 = residuals(optimum);
  const n = r0.length;
  const p = optimum.length;
  const dof = n - p;
  if (dof <= 0) return null;
  const jacobian = optimum.map((_, j) => {
    const up = [...optimum];
    const down = [...optimum];
    up[j] += steps[j];
    down[j] -= steps[j];
    const ru = residuals(up);
    const rd = residuals(down);
    return ru.map((v, i) => (v - rd[i]) / (2 * steps[j]));
  });
  const jtj = jacobian.map((a) => jacobian.map((b) => a.reduce((s, v, i) => s + v * b[i], 0)));
  const inverse = invert(jtj);
  if (!inverse) return null;
  const rss = r0.reduce((s, v) => s + v * v, 0);
  const s2 = rss / dof;
  const standard = inverse.map((row, j) => Math.sqrt(Math.max(0, row[j] * s2)));
  if (standard.some((s) => !Number.isFinite(s))) return null;
  return { standard, rss, dof };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const at = Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))));
  return s[at];
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Sample standard deviation (n - 1). */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}
