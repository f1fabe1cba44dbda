/**
 * Part-time sampling (Yang et al., "Part-time Power Measurements: nvidia-smi's Lack of Attention",
 * SC'24, https://arxiv.org/abs/2312.02741): on some GPUs the power field averages only the last W of
 * each update period T, so a burst that falls outside those W is never seen. Bursts shorter than T at
 * controlled phases of the update grid show it: for each burst, the fraction of its net energy that
 * an integrator of the readings sees, sum over readings of (reading - idle) x T / (net power x length).
 * A boxcar of width W <= T at delay d predicts that fraction for every burst,
 *   T / (W D) x sum_k overlap([a + d, b + d], [t_k - W, t_k]),
 * and W (with d, within half a period of the step response's delay) is fitted to the fractions; the sampled fraction of the period is W / T.
 * An energy counter integrates, so for it only the fractions are reported (about 1 when it sees all).
 */
import { segmentWindows } from './burst-windows.js';
import { estimate, notEstimated, type Estimate, type MaybeEstimate } from './estimate.js';
import { gridMinimize, leastSquaresUncertainty, linearGrid, mean, standardDeviation } from './fit.js';
import { latestIndex, publishedSeries } from './published-values.js';
import type { TraceBurst, TraceChannel } from './trace.js';
import { localGrid, type UpdateGrid } from './update-period.js';

export interface PartTimeOptions {
  /** The channel's reading at no load (W): the step response's `idle`. */
  idleW: number;
  /** The channel's reading change per unit of load intensity (W): the step response's `gain`. */
  netPowerW: number;
  /** The step response's delay; the window is fitted within half a period of it. Default 0. */
  delayS?: number;
  /** The trace's other loads: a burst's readings stop halfway to the next load, whatever it is. */
  others?: readonly TraceBurst[];
}

export interface PartTimeBurst {
  label: string;
  startS: number;
  durationS: number;
  /** Where the burst started within the update period, 0 to 1 (null without a grid). */
  phase: number | null;
  /** Fraction of the burst's net energy the readings account for. */
  seenFraction: number;
}

export interface PartTimeResult {
  channel: string;
  bursts: PartTimeBurst[];
  /** Mean of the seen fractions over all bursts and phases (1 when nothing is lost on average). */
  meanSeenFraction: MaybeEstimate;
  /** The sampled window W inside each period. */
  window: MaybeEstimate;
  /** W / T: the share of each period the readings cover. */
  sampledFraction: MaybeEstimate;
  /** The window fit's delay (searched within half a period of the step response's delay). */
  delay: MaybeEstimate;
  /** RMS of the seen fractions about the fitted model. */
  residualRms: number | null;
}

export function partTime(
  channel: TraceChannel,
  bursts: readonly TraceBurst[],
  grid: UpdateGrid | null,
  options: PartTimeOptions,
): PartTimeResult {
  const failed = (why: string, rows: PartTimeBurst[] = []): PartTimeResult => ({
    channel: channel.id,
    bursts: rows,
    meanSeenFraction: rows.length ? meanOf(rows) : notEstimated(why),
    window: notEstimated(why),
    sampledFraction: notEstimated(why),
    delay: notEstimated(why),
    residualRms: null,
  });
  if (bursts.length === 0) return failed('no bursts were given');
  if (!(options.netPowerW > 0))
    return failed(`the net power per unit of load must be > 0 (got ${options.netPowerW} W): the step response found no gain`);
  const sorted = [...bursts].sort((a, b) => a.startS - b.startS);
  const windows = segmentWindows(sorted, [...sorted, ...(options.others ?? [])], 1);
  const phaseOf = (t: number): number | null => (grid ? ((((t - grid.anchorS) / grid.periodS) % 1) + 1) % 1 : null);
  const net = (b: TraceBurst): number => options.netPowerW * b.intensity * (b.endS - b.startS);

  if (channel.quantity === 'energy') {
    const series = publishedSeries(channel, grid);
    const rows = sorted.map((b, i) => {
      const lo = latestIndex(series, windows[i].fromS);
      const hi = latestIndex(series, windows[i].toS);
      const seen = lo < 0 ? NaN : (series.values[hi] - series.values[lo] - options.idleW * (series.times[hi] - series.times[lo])) / net(b);
      return { label: b.label, startS: b.startS, durationS: b.endS - b.startS, phase: phaseOf(b.startS), seenFraction: seen };
    });
    const valid = rows.filter((r) => Number.isFinite(r.seenFraction));
    return failed('an energy counter integrates the power: it has no sampled window', valid);
  }

  // Each burst on the grid around it: the whole study's grid when the channel keeps one, else a local
  // one (publications that drift over minutes still keep a clock over a few seconds).
  const grids = sorted.map((b) => grid ?? localGrid(channel, b.startS));
  const rows: PartTimeBurst[] = [];
  const measured: Array<{ burst: TraceBurst; grid: UpdateGrid }> = [];
  sorted.forEach((b, i) => {
    const g = grids[i];
    if (!g) return;
    const series = publishedSeries(channel, g, windows[i].toS);
    if (latestIndex(series, windows[i].fromS) < 0) return;
    let sum = 0;
    for (let k = latestIndex(series, windows[i].fromS) + 1; k < series.times.length && series.times[k] < windows[i].toS; ++k) {
      sum += (series.values[k] - options.idleW) * g.periodS;
    }
    const phase = ((((b.startS - g.anchorS) / g.periodS) % 1) + 1) % 1;
    rows.push({ label: b.label, startS: b.startS, durationS: b.endS - b.startS, phase, seenFraction: sum / net(b) });
    measured.push({ burst: b, grid: g });
  });
  if (rows.length < 3)
    return failed(
      `${rows.length} of ${sorted.length} bursts had readings on a regular update grid around them; at least 3 are needed`,
      rows,
    );
  const T = mean(measured.map((m) => m.grid.periodS));

  const predicted = (b: TraceBurst, g: UpdateGrid, width: number, delay: number): number => {
    const a = b.startS + delay;
    const e = b.endS + delay;
    let overlap = 0;
    const kFirst = Math.ceil((a - g.anchorS) / g.periodS);
    const kLast = Math.floor((e + width - g.anchorS) / g.periodS);
    for (let k = kFirst; k <= kLast; ++k) {
      const t = g.anchorS + k * g.periodS;
      overlap += Math.max(0, Math.min(e, t) - Math.max(a, t - width));
    }
    return (g.periodS * overlap) / (width * (e - a));
  };
  const residuals = ([width, delay]: number[]): number[] =>
    measured.map((m, i) => rows[i].seenFraction - predicted(m.burst, m.grid, width, delay));
  const rss = (p: number[]): number => residuals(p).reduce((s, r) => s + r * r, 0);
  const d0 = options.delayS ?? 0;
  const best = gridMinimize(rss, [
    { grid: linearGrid(T / 100, T, 100), lower: T / 1000, upper: T, tolerance: T * 1e-5 },
    { grid: linearGrid(d0 - T / 2, d0 + T / 2, 101), lower: d0 - T / 2, upper: d0 + T / 2, tolerance: T * 1e-5 },
  ]);
  const [width, delay] = best.x;
  const residualRms = Math.sqrt(best.value / rows.length);
  const unc = leastSquaresUncertainty(residuals, [width, delay], [T * 1e-4, T * 1e-4]);
  const how = `boxcar window and delay fitted to the seen fractions of ${rows.length} bursts (residual ${residualRms.toPrecision(3)} RMS)`;
  const atFullPeriod = width > 0.98 * T;
  const param = (j: number, value: number): Estimate =>
    unc && unc.standard[j] > 0
      ? estimate(value, unc.standard[j], 's', `standard uncertainty from the fit's Jacobian; ${how}`)
      : estimate(
          value,
          T / 100,
          's',
          `bound (the grid step of the search): the fractions do not constrain it${atFullPeriod ? ' beyond covering the whole period' : ''}; ${how}`,
        );
  const w = param(0, width);
  return {
    channel: channel.id,
    bursts: rows,
    meanSeenFraction: meanOf(rows),
    window: w,
    sampledFraction: estimate(
      width / T,
      w.uncertainty / T,
      '1',
      atFullPeriod
        ? 'the window covers the whole update period: no part of the load goes unseen'
        : `the readings cover ${((100 * width) / T).toFixed(1)} % of each update period`,
    ),
    delay: param(1, delay),
    residualRms,
  };
}

function meanOf(rows: PartTimeBurst[]): MaybeEstimate {
  const fractions = rows.map((r) => r.seenFraction);
  if (fractions.length < 2) return notEstimated(`${fractions.length} burst measured; a mean with an uncertainty needs at least 2`);
  return estimate(
    mean(fractions),
    standardDeviation(fractions) / Math.sqrt(fractions.length),
    '1',
    `mean over ${fractions.length} bursts; standard error of the mean`,
  );
}
