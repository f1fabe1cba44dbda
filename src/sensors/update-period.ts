/**
 * How often a channel publishes a new value, and when (the update grid). Following Yang et al.,
 * "Part-time Power Measurements: nvidia-smi's Lack of Attention" (SC'24, https://arxiv.org/abs/2312.02741;
 * their `_find_pwr_update_freq` takes the median gap between changed values,
 * https://github.com/JimZeyuYang/GPU_Power_Benchmark/blob/4b5c944/source/GPU_pwr_benchmark.py), the
 * gaps between changes are the evidence; here they are also made robust to publications that repeat
 * the previous value (a quiet, noiseless sensor): each gap is counted as a whole number of periods,
 * and the period and anchor come from a least-squares line through the change times against their
 * publication index, which also gives their uncertainty.
 */
import { estimate, notEstimated, type MaybeEstimate } from './estimate.js';
import { linearLeastSquares, median, quantile } from './fit.js';
import type { TraceChannel } from './trace.js';

/** A channel's publication times t_k = anchorS + k periodS (the point values other estimators use). */
export interface UpdateGrid {
  periodS: number;
  anchorS: number;
}

export interface UpdatePeriodResult {
  channel: string;
  period: MaybeEstimate;
  /** The steady time of one publication near the middle of the trace. */
  anchor: MaybeEstimate;
  /**
   * The fitted grid, or null when the period could not be estimated or the publications do not keep
   * to a regular clock (change times scatter more than a quarter period about the line), so values
   * cannot be placed on it.
   */
  grid: UpdateGrid | null;
  /** Changes seen (first reads excluded). */
  changes: number;
  /** Publications inferred from whole-period gaps that did not change the value. */
  repeatedPublications: number;
  /** RMS distance of the change times from the fitted grid (s): near a regular clock, it is the polling jitter. */
  residualRmsS: number | null;
}

const MIN_CHANGES = 3;

export function updatePeriod(channel: TraceChannel): UpdatePeriodResult {
  // First reads (tPrev = t) give a value but not when it appeared.
  const changes = channel.changes.filter((c) => c.tPrev < c.t);
  const result = (period: MaybeEstimate, anchor: MaybeEstimate, extra: Partial<UpdatePeriodResult> = {}): UpdatePeriodResult => ({
    channel: channel.id,
    period,
    anchor,
    grid: null,
    changes: changes.length,
    repeatedPublications: 0,
    residualRmsS: null,
    ...extra,
  });
  if (changes.length < MIN_CHANGES) {
    const why = `${changes.length} change${changes.length === 1 ? '' : 's'} seen in ${channel.reads} reads; at least ${MIN_CHANGES} are needed`;
    return result(notEstimated(why), notEstimated(why));
  }
  // Each change happened in (tPrev, t]: its midpoint is the best single guess, within half a read gap.
  const mids = changes.map((c) => (c.t + c.tPrev) / 2);
  const readGap = median(changes.map((c) => c.t - c.tPrev));
  const gaps = mids.slice(1).map((m, i) => m - mids[i]);
  // The shortest common gap is one period; longer gaps are whole multiples of it (repeated values).
  const low = quantile(gaps, 0.1);
  const period0 = median(gaps.filter((g) => g >= 0.5 * low && g <= 1.5 * low));
  if (readGap > 0.5 * period0) {
    const why = `the channel was read every ${fmt(readGap)} s and changed at almost every read (median gap ${fmt(period0)} s): it updates at least that often; read it faster to resolve the period`;
    return result(notEstimated(why), notEstimated(why));
  }
  // Counting periods gap by gap follows a clock that drifts slowly; a global rounding would not.
  const index = [0];
  for (const g of gaps) index.push(index[index.length - 1] + Math.max(1, Math.round(g / period0)));
  const fit = linearLeastSquares(
    mids.length,
    (i) => [1, index[i]],
    (i) => mids[i],
  );
  if (!fit) {
    const why = 'the change times are degenerate (no spread)';
    return result(notEstimated(why), notEstimated(why));
  }
  const [intercept, periodS] = fit.coefficients;
  const n = mids.length;
  const s2 = fit.rss / Math.max(1, n - 2);
  const meanIndex = index.reduce((s, v) => s + v, 0) / n;
  const sxx = index.reduce((s, v) => s + (v - meanIndex) ** 2, 0);
  const periodSe = Math.sqrt(s2 / sxx);
  // Anchor at the publication nearest the mean index, where the line is best known.
  const kAnchor = Math.round(meanIndex);
  const anchorS = intercept + kAnchor * periodS;
  const anchorSe = Math.sqrt(s2 * (1 / n + (kAnchor - meanIndex) ** 2 / sxx));
  const residualRmsS = Math.sqrt(fit.rss / n);
  const repeated = index[index.length - 1] - (n - 1);
  const how = `least-squares line through ${n} change midpoints against their publication index (${repeated} publications repeated the previous value); change times scatter ${fmt(residualRmsS)} s RMS about the grid (reads every ${fmt(readGap)} s)`;
  const regular = residualRmsS < periodS / 4;
  const clock = regular ? '' : '; the publications do not keep to a regular clock, so no grid is given';
  return result(
    estimate(periodS, periodSe, 's', `standard uncertainty of the slope; ${how}${clock}`),
    estimate(anchorS, anchorSe, 's', 'steady time of a publication; standard uncertainty of the line at that index'),
    {
      grid: regular ? { periodS, anchorS } : null,
      repeatedPublications: repeated,
      residualRmsS,
    },
  );
}

function fmt(x: number): string {
  return x.toPrecision(3);
}

/**
 * The grid around one time, for a channel whose publications drift over a whole study (each period
 * a little longer or shorter than the last, as the instant power of an H200 does while its energy
 * counter keeps a fixed clock): the update grid of the changes within halfSpanS of `atS`, where the
 * drift is small. Null when those changes keep no regular clock either.
 */
export function localGrid(channel: TraceChannel, atS: number, halfSpanS = 2): UpdateGrid | null {
  const near = channel.changes.filter((c) => c.t >= atS - halfSpanS && c.t <= atS + halfSpanS && c.tPrev < c.t);
  return updatePeriod({ ...channel, changes: near }).grid;
}
