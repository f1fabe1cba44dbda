/**
 * The statistics the analysis rests on, written out so that every figure can be checked by hand:
 * Pearson r, Spearman rho (average ranks for ties), seeded percentile-bootstrap intervals over
 * pairs, ordinary least squares (simple and multiple, with standard errors), log-log fits, mean
 * and sample standard deviation.
 *
 * A statistic that is undefined on its data (a constant column, fewer than three pairs) is `null`
 * with the reason, never 0 or NaN: a correlation of 0 means "no linear relation", which is a claim
 * about the data, and NaN propagates silently through means and tables. Missing values (null,
 * undefined, NaN, infinities) are left out pairwise and counted, so a reader knows how many runs a
 * figure stands on.
 */
import { Random } from '../util/random.js';

/** A value that may be absent in the input (a run without GPU utilisation, say). */
export type MaybeNumber = number | null | undefined;

export interface Pairs {
  x: number[];
  y: number[];
  /** Pairs left out because x or y was missing or not finite. */
  excluded: number;
}

function present(v: MaybeNumber): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The complete cases of two columns of equal length. */
export function completePairs(x: readonly MaybeNumber[], y: readonly MaybeNumber[]): Pairs {
  if (x.length !== y.length) throw new RangeError(`paired columns differ in length: ${x.length} and ${y.length}`);
  const out: Pairs = { x: [], y: [], excluded: 0 };
  for (let i = 0; i < x.length; ++i) {
    const a = x[i],
      b = y[i];
    if (present(a) && present(b)) {
      out.x.push(a);
      out.y.push(b);
    } else {
      ++out.excluded;
    }
  }
  return out;
}

/** A number, or null with the reason it could not be computed. */
export interface Estimate {
  value: number | null;
  reason?: string;
}

export function mean(values: readonly MaybeNumber[]): Estimate & { n: number; excluded: number } {
  const xs = values.filter(present);
  const excluded = values.length - xs.length;
  if (xs.length === 0) return { value: null, reason: 'no values', n: 0, excluded };
  return { value: sum(xs) / xs.length, n: xs.length, excluded };
}

/** Sample standard deviation (n - 1 in the denominator): the spread of repeats of one configuration. */
export function standardDeviation(values: readonly MaybeNumber[]): Estimate & { n: number; excluded: number } {
  const xs = values.filter(present);
  const excluded = values.length - xs.length;
  if (xs.length < 2)
    return { value: null, reason: `a sample standard deviation needs at least 2 values, got ${xs.length}`, n: xs.length, excluded };
  const m = sum(xs) / xs.length;
  return { value: Math.sqrt(xs.reduce((acc, v) => acc + (v - m) ** 2, 0) / (xs.length - 1)), n: xs.length, excluded };
}

/** Mean, sample standard deviation, min and max of a column, missing values counted. */
export interface Summary {
  n: number;
  excluded: number;
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  reason?: string;
}

export function summarise(values: readonly MaybeNumber[]): Summary {
  const xs = values.filter(present);
  const m = mean(xs),
    s = standardDeviation(xs);
  return {
    n: xs.length,
    excluded: values.length - xs.length,
    mean: m.value,
    sd: s.value,
    min: xs.length ? Math.min(...xs) : null,
    max: xs.length ? Math.max(...xs) : null,
    ...(m.reason ? { reason: m.reason } : s.reason ? { reason: s.reason } : {}),
  };
}

function sum(xs: readonly number[]): number {
  // Neumaier summation: energies of 1e-3 J and 1e6 J sit in the same column.
  let s = 0,
    c = 0;
  for (const v of xs) {
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** Sum of squared deviations from the mean; exactly 0 for a constant column. */
function centredSquares(xs: readonly number[]): number {
  const m = sum(xs) / xs.length;
  if (xs.every((v) => v === xs[0])) return 0;
  return sum(xs.map((v) => (v - m) ** 2));
}

const MIN_CORRELATION_PAIRS = 3;

/** The reason for too few pairs, saying when the column is missing altogether (no GPU source, say). */
function tooFew(pairs: number, excluded: number): string {
  return pairs === 0 && excluded > 0
    ? `no complete pairs: all ${excluded} have a missing value`
    : `a correlation needs at least ${MIN_CORRELATION_PAIRS} pairs, got ${pairs}${excluded ? ` (${excluded} with a missing value)` : ''}`;
}

/** Pearson r of complete pairs (already filtered). */
function pearsonOf(x: readonly number[], y: readonly number[]): Estimate {
  if (x.length < MIN_CORRELATION_PAIRS)
    return { value: null, reason: `a correlation needs at least ${MIN_CORRELATION_PAIRS} pairs, got ${x.length}` };
  const sxx = centredSquares(x),
    syy = centredSquares(y);
  if (sxx === 0) return { value: null, reason: 'x is constant: the correlation is undefined' };
  if (syy === 0) return { value: null, reason: 'y is constant: the correlation is undefined' };
  const mx = sum(x) / x.length,
    my = sum(y) / y.length;
  const sxy = sum(x.map((v, i) => (v - mx) * (y[i] - my)));
  // Rounding can push |r| a hair past 1 on an exact line.
  return { value: Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy))) };
}

/** Ranks from 1, ties sharing the mean of the ranks they span (as scipy.stats.rankdata 'average'). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(values.length);
  for (let k = 0; k < order.length;) {
    let end = k;
    while (end < order.length && values[order[end]] === values[order[k]]) ++end;
    const rank = (k + 1 + end) / 2;
    for (let j = k; j < end; ++j) ranks[order[j]] = rank;
    k = end;
  }
  return ranks;
}

/** Spearman rho: Pearson r of the average ranks (correct with ties, unlike 1 - 6 sum d^2 / ...). */
function spearmanOf(x: readonly number[], y: readonly number[]): Estimate {
  if (x.length < MIN_CORRELATION_PAIRS)
    return { value: null, reason: `a correlation needs at least ${MIN_CORRELATION_PAIRS} pairs, got ${x.length}` };
  return pearsonOf(averageRanks(x), averageRanks(y));
}

export interface CorrelationValue extends Estimate {
  n: number;
  excluded: number;
}

function withPairs(f: (x: readonly number[], y: readonly number[]) => Estimate, p: Pairs): CorrelationValue {
  const estimate = p.x.length < MIN_CORRELATION_PAIRS ? { value: null, reason: tooFew(p.x.length, p.excluded) } : f(p.x, p.y);
  return { ...estimate, n: p.x.length, excluded: p.excluded };
}

export function pearson(x: readonly MaybeNumber[], y: readonly MaybeNumber[]): CorrelationValue {
  return withPairs(pearsonOf, completePairs(x, y));
}

export function spearman(x: readonly MaybeNumber[], y: readonly MaybeNumber[]): CorrelationValue {
  return withPairs(spearmanOf, completePairs(x, y));
}

export interface BootstrapOptions {
  /** Resamples (default 2000). */
  resamples?: number;
  /** Seed of the resampling (default 1): the same data and seed give the same interval. */
  seed?: number;
  /** Coverage (default 0.95). */
  level?: number;
}

export interface Interval {
  lo: number;
  hi: number;
  level: number;
  resamples: number;
  /** Resamples on which the statistic was defined (a resample can be constant in x or y). */
  valid: number;
  seed: number;
  method: 'percentile bootstrap, pairs resampled with replacement';
}

export const DEFAULT_RESAMPLES = 2000;

/** The type-7 (linear interpolation) quantile of sorted values, as numpy's default. */
function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h),
    hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Percentile interval of a paired statistic: resample the n pairs with replacement B times,
 * recompute, take the (1 - level)/2 and (1 + level)/2 quantiles. Resamples where the statistic is
 * undefined (all copies of a few points) are dropped and counted; under half valid gives no
 * interval, since the remaining ones would be a biased selection.
 */
export function bootstrapInterval(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: number[], y: number[]) => number | null,
  options: BootstrapOptions = {},
): { interval: Interval | null; reason?: string } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`interval level must be in (0, 1), got ${level}`);
  const n = x.length;
  if (n < MIN_CORRELATION_PAIRS) return { interval: null, reason: `a bootstrap needs at least ${MIN_CORRELATION_PAIRS} pairs, got ${n}` };
  const random = new Random(seed);
  const values: number[] = [];
  const bx = new Array<number>(n),
    by = new Array<number>(n);
  for (let b = 0; b < resamples; ++b) {
    for (let i = 0; i < n; ++i) {
      const j = Math.floor(random.next() * n);
      bx[i] = x[j];
      by[i] = y[j];
    }
    const v = statistic(bx, by);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length < resamples / 2) {
    return {
      interval: null,
      reason: `the statistic was defined on only ${values.length} of ${resamples} resamples (too few distinct points)`,
    };
  }
  values.sort((a, b) => a - b);
  return {
    interval: {
      lo: quantileSorted(values, (1 - level) / 2),
      hi: quantileSorted(values, (1 + level) / 2),
      level,
      resamples,
      valid: values.length,
      seed,
      method: 'percentile bootstrap, pairs resampled with replacement',
    },
  };
}

export interface CorrelationWithInterval extends CorrelationValue {
  interval: Interval | null;
  intervalReason?: string;
}

export interface Correlation {
  n: number;
  excluded: number;
  pearson: CorrelationWithInterval;
  spearman: CorrelationWithInterval;
}

/** Pearson and Spearman with their bootstrap intervals, on the complete pairs of x and y. */
export function correlate(x: readonly MaybeNumber[], y: readonly MaybeNumber[], options: BootstrapOptions = {}): Correlation {
  const p = completePairs(x, y);
  const one = (f: (x: readonly number[], y: readonly number[]) => Estimate): CorrelationWithInterval => {
    const base = withPairs(f, p);
    if (base.value === null) return { ...base, interval: null, intervalReason: base.reason };
    const boot = bootstrapInterval(p.x, p.y, (bx, by) => f(bx, by).value, options);
    return { ...base, interval: boot.interval, ...(boot.reason ? { intervalReason: boot.reason } : {}) };
  };
  return { n: p.x.length, excluded: p.excluded, pearson: one(pearsonOf), spearman: one(spearmanOf) };
}

// ---------------------------------------------------------------------------------------------
// Least squares

export interface LeastSquares {
  /** One per column of X, in order. */
  coefficients: number[];
  /** Null when there are no residual degrees of freedom (n = p: an exact fit tells nothing of the noise). */
  standardErrors: Array<number | null>;
  fitted: number[];
  residuals: number[];
  /** 1 - SSR / SST (SST about the mean of y); null when y is constant. */
  r2: number | null;
  r2Reason?: string;
  /** sqrt(SSR / (n - p)); null when n = p. */
  residualStandardError: number | null;
  n: number;
  p: number;
}

/**
 * Least squares of y on the columns of X (rows are observations; include a column of ones for an
 * intercept) by Householder QR, which stays accurate when columns are nearly collinear (log FLOPs
 * and log parameters often are) where the normal equations would square the condition number.
 * Null with the reason when there are fewer observations than coefficients or a column is a
 * combination of the others.
 */
export function leastSquares(
  X: readonly (readonly number[])[],
  y: readonly number[],
  /** Names of the columns, for the messages. */
  names?: readonly string[],
): { fit: LeastSquares | null; reason?: string } {
  const n = X.length;
  const p = n ? X[0].length : 0;
  if (n !== y.length) throw new RangeError(`least squares: ${n} rows of X but ${y.length} values of y`);
  if (p === 0) return { fit: null, reason: 'no regressors' };
  if (n < p) return { fit: null, reason: `${p} coefficients need at least ${p} points, got ${n}` };
  // A = QR in place; the Householder vectors are kept to apply Q^T to y.
  const A = X.map((row) => Float64Array.from(row));
  const b = Float64Array.from(y);
  const diag = new Float64Array(p);
  const colNorms = Array.from({ length: p }, (_, j) => Math.sqrt(X.reduce((acc, row) => acc + row[j] * row[j], 0)));
  for (let k = 0; k < p; ++k) {
    let norm = 0;
    for (let i = k; i < n; ++i) norm += A[i][k] * A[i][k];
    norm = Math.sqrt(norm);
    // Rank test relative to the column's own size: a zero column, or one that is a combination of
    // the previous ones, leaves (almost) nothing after the earlier reflections.
    if (norm <= 1e-10 * Math.max(colNorms[k], Number.MIN_VALUE) || colNorms[k] === 0) {
      const name = names?.[k] ?? `regressor ${k + 1} of ${p}`;
      return {
        fit: null,
        reason: `${name} is zero or a linear combination of the ${k ? 'regressors before it' : 'others'}: the coefficients are not identifiable`,
      };
    }
    const alpha = A[k][k] > 0 ? -norm : norm;
    // v = a_k - alpha e_k, stored in A[k..n-1][k]; H = I - 2 v v^T / (v^T v).
    A[k][k] -= alpha;
    let vv = 0;
    for (let i = k; i < n; ++i) vv += A[i][k] * A[i][k];
    for (let j = k + 1; j < p; ++j) {
      let dot = 0;
      for (let i = k; i < n; ++i) dot += A[i][k] * A[i][j];
      const f = (2 * dot) / vv;
      for (let i = k; i < n; ++i) A[i][j] -= f * A[i][k];
    }
    let dot = 0;
    for (let i = k; i < n; ++i) dot += A[i][k] * b[i];
    const f = (2 * dot) / vv;
    for (let i = k; i < n; ++i) b[i] -= f * A[i][k];
    diag[k] = alpha;
  }
  // R is upper triangular: diag on the diagonal, A[i][j] (i < j) above it.
  const r = (i: number, j: number) => (i === j ? diag[i] : A[i][j]);
  const coefficients = new Array<number>(p);
  for (let i = p - 1; i >= 0; --i) {
    let s = b[i];
    for (let j = i + 1; j < p; ++j) s -= r(i, j) * coefficients[j];
    coefficients[i] = s / r(i, i);
  }
  const fitted = X.map((row) => row.reduce((acc, v, j) => acc + v * coefficients[j], 0));
  const residuals = y.map((v, i) => v - fitted[i]);
  const ssr = sum(residuals.map((e) => e * e));
  const sst = centredSquares(y);
  const dof = n - p;
  const sigma = dof > 0 ? Math.sqrt(ssr / dof) : null;
  // Var(beta) = sigma^2 (R^T R)^-1: the diagonal of R^-1 R^-T is the row norms of R^-1.
  const rInv: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let j = 0; j < p; ++j) {
    rInv[j][j] = 1 / r(j, j);
    for (let i = j - 1; i >= 0; --i) {
      let s = 0;
      for (let k = i + 1; k <= j; ++k) s += r(i, k) * rInv[k][j];
      rInv[i][j] = -s / r(i, i);
    }
  }
  const standardErrors = rInv.map((row) => (sigma === null ? null : sigma * Math.sqrt(row.reduce((acc, v) => acc + v * v, 0))));
  return {
    fit: {
      coefficients,
      standardErrors,
      fitted,
      residuals,
      r2: sst === 0 ? null : 1 - ssr / sst,
      ...(sst === 0 ? { r2Reason: 'y is constant: R^2 is undefined' } : {}),
      residualStandardError: sigma,
      n,
      p,
    },
  };
}

export type FitKind = 'linear' | 'log-log';

export interface LineFit {
  kind: FitKind;
  /** linear: y = a + b x; log-log: ln y = a + b ln x (so y = e^a x^b; b is the elasticity). */
  intercept: number | null;
  slope: number | null;
  interceptSE: number | null;
  slopeSE: number | null;
  r2: number | null;
  /** In the fitted scale (ln y for log-log), in the order of the pairs used. */
  residuals: number[];
  residualStandardError: number | null;
  /** Pairs the fit used. */
  n: number;
  /** Pairs left out because a value was missing. */
  excluded: number;
  /** log-log only: pairs left out because x or y was not positive. */
  dropped: number;
  /** Why there is no fit (intercept and slope null). */
  reason?: string;
  /** A caveat on a fit that exists (two points: no standard errors; constant y: no R^2). */
  note?: string;
}

function lineFit(kind: FitKind, x: readonly MaybeNumber[], y: readonly MaybeNumber[]): LineFit {
  const p = completePairs(x, y);
  let xs = p.x,
    ys = p.y,
    dropped = 0;
  if (kind === 'log-log') {
    const keep = xs.map((v, i) => v > 0 && ys[i] > 0);
    dropped = keep.filter((k) => !k).length;
    xs = xs.filter((_, i) => keep[i]).map(Math.log);
    ys = ys.filter((_, i) => keep[i]).map(Math.log);
  }
  const empty: LineFit = {
    kind,
    intercept: null,
    slope: null,
    interceptSE: null,
    slopeSE: null,
    r2: null,
    residuals: [],
    residualStandardError: null,
    n: xs.length,
    excluded: p.excluded,
    dropped,
  };
  if (xs.length < 2)
    return {
      ...empty,
      reason: `a line needs at least 2 points, got ${xs.length}${dropped ? ` (${dropped} dropped as not positive)` : ''}`,
    };
  if (centredSquares(xs) === 0) return { ...empty, reason: 'x is constant: the slope is undefined' };
  // Centring x before the QR keeps the intercept column orthogonal to the slope column, so even
  // FLOP counts of 1e12 leave the fit well conditioned; the intercept is moved back afterwards.
  const mx = sum(xs) / xs.length;
  const { fit, reason } = leastSquares(
    xs.map((v) => [1, v - mx]),
    ys,
  );
  if (!fit) return { ...empty, reason };
  const [a0, b] = fit.coefficients;
  const sxx = centredSquares(xs);
  const s = fit.residualStandardError;
  return {
    kind,
    intercept: a0 - b * mx,
    slope: b,
    interceptSE: s === null ? null : s * Math.sqrt(1 / xs.length + (mx * mx) / sxx),
    slopeSE: fit.standardErrors[1],
    r2: fit.r2,
    residuals: fit.residuals,
    residualStandardError: s,
    n: xs.length,
    excluded: p.excluded,
    dropped,
    ...(s === null
      ? { note: 'two points: the line is exact and its standard errors are undefined' }
      : fit.r2Reason
        ? { note: fit.r2Reason }
        : {}),
  };
}

/** Ordinary least squares y = a + b x. */
export function linearFit(x: readonly MaybeNumber[], y: readonly MaybeNumber[]): LineFit {
  return lineFit('linear', x, y);
}

/** Ordinary least squares ln y = a + b ln x on the pairs where both are positive. */
export function logLogFit(x: readonly MaybeNumber[], y: readonly MaybeNumber[]): LineFit {
  return lineFit('log-log', x, y);
}

/** What a fitted line predicts at x (in y's own scale for log-log: e^a x^b, no retransformation bias correction). */
export function predictLine(fit: LineFit, x: number): number | null {
  if (fit.intercept === null || fit.slope === null) return null;
  if (fit.kind === 'linear') return fit.intercept + fit.slope * x;
  return x > 0 ? Math.exp(fit.intercept + fit.slope * Math.log(x)) : null;
}
