/**
 * Step response of a channel: how its readings follow a known load that switches between idle and
 * busy. For a power channel the readings are fitted as
 *   reading(t_k) = idle + gain x (F * load)(t_k - delay)
 * with F a boxcar mean over the last W seconds or a first-order low-pass of time constant tau, both
 * fitted (Yang et al. SC'24 reconstruct nvidia-smi's readings from the load with a boxcar and a delay,
 * https://github.com/JimZeyuYang/GPU_Power_Benchmark/blob/4b5c944/source/GPU_pwr_benchmark.py
 * `_reconstruction`; the exponential is the alternative a first-order sensor filter would give), and the
 * one with the smaller residual is kept. idle and gain enter linearly and are solved exactly for each
 * (width, delay) of the grid search. For an energy counter the readings are fitted as
 *   E(t) = E0 + idle t + gain x integral of load up to (t - delay),
 * the delay of the counter's derivative.
 */
import { estimate, notEstimated, type Estimate, type MaybeEstimate } from './estimate.js';
import { gridMinimize, leastSquaresUncertainty, linearGrid, linearLeastSquares, logGrid } from './fit.js';
import { segmentWindows } from './burst-windows.js';
import { LoadPattern, type FilterShape } from './load-pattern.js';
import { publishedSeries } from './published-values.js';
import type { TraceBurst, TraceChannel } from './trace.js';
import type { UpdateGrid } from './update-period.js';

export interface StepResponseOptions {
  /** Readings from this long before the first burst are used (idle baseline). Default 1 s. */
  leadS?: number;
  /** Readings until this long after the last burst are used (decay). Default 3 s. */
  tailS?: number;
  /** Largest delay searched. Default 0.5 s. */
  maxDelayS?: number;
  /** Widest filter searched. Default 3 s. */
  maxWidthS?: number;
  /** The trace's other loads: the fit stops halfway to them and models their filtered tails. */
  others?: readonly TraceBurst[];
}

export interface RejectedFilter {
  shape: FilterShape;
  widthS: number;
  residualRms: number;
}

export interface StepResponseResult {
  channel: string;
  quantity: 'power' | 'energy';
  /** Readings the fit used. */
  samples: number;
  delay: MaybeEstimate;
  /** 10-90 % rise time of the fitted filter (0.8 W for a boxcar, tau ln 9 for the exponential). */
  riseTime: MaybeEstimate;
  /** The better filter; null for an energy counter (it integrates, there is nothing to fit). */
  filterShape: FilterShape | null;
  /** Boxcar W or exponential tau. */
  filterWidth: MaybeEstimate;
  /** The other filter shape's best fit, for the record. */
  rejected: RejectedFilter | null;
  /** Reading (W) at no load; for a counter the rate of the counter at no load. */
  idle: MaybeEstimate;
  /** Reading change (W) per unit of load intensity. */
  gain: MaybeEstimate;
  /** RMS of the fit's residuals (W for power, J for energy). */
  residualRms: MaybeEstimate;
}

interface Samples {
  times: number[];
  values: number[];
}

/**
 * The readings fitted: leadS before the first step to tailS after the last, cut halfway through the
 * gap to any other load of the trace (burst-windows.ts), whose readings belong to that load.
 */
function window(bursts: readonly TraceBurst[], options: StepResponseOptions): [number, number] {
  const first = Math.min(...bursts.map((b) => b.startS));
  const last = Math.max(...bursts.map((b) => b.endS));
  const lead = options.leadS ?? 1;
  const tail = options.tailS ?? 3;
  const [cut] = segmentWindows([{ startS: first, endS: last }], options.others ?? [], Math.max(lead, tail));
  return [Math.max(first - lead, cut.fromS), Math.min(last + tail, cut.toS)];
}

function inWindow(times: number[], values: number[], [from, to]: [number, number]): Samples {
  const out: Samples = { times: [], values: [] };
  times.forEach((t, i) => {
    if (t >= from && t <= to) {
      out.times.push(t);
      out.values.push(values[i]);
    }
  });
  return out;
}

export function stepResponse(
  channel: TraceChannel,
  bursts: readonly TraceBurst[],
  grid: UpdateGrid | null,
  options: StepResponseOptions = {},
): StepResponseResult {
  const failed = (why: string): StepResponseResult => ({
    channel: channel.id,
    quantity: channel.quantity,
    samples: 0,
    delay: notEstimated(why),
    riseTime: notEstimated(why),
    filterShape: null,
    filterWidth: notEstimated(why),
    rejected: null,
    idle: notEstimated(why),
    gain: notEstimated(why),
    residualRms: notEstimated(why),
  });
  if (bursts.length === 0) return failed('no bursts of load were given');
  const span = window(bursts, options);
  // Every load that ran: the filter of a load just before the window still shows in its first readings.
  const pattern = new LoadPattern([...bursts, ...(options.others ?? [])]);
  const series = publishedSeries(channel, grid);
  const samples = inWindow(series.times, series.values, span);
  if (samples.times.length < 6) return failed(`${samples.times.length} published values around the bursts; at least 6 are needed`);
  if (channel.quantity === 'energy') return counterStep(channel, samples, pattern, options, failed);
  return powerStep(channel, samples, pattern, grid, options, failed);
}

function powerStep(
  channel: TraceChannel,
  samples: Samples,
  pattern: LoadPattern,
  grid: UpdateGrid | null,
  options: StepResponseOptions,
  failed: (why: string) => StepResponseResult,
): StepResponseResult {
  const { times, values } = samples;
  const n = times.length;
  const maxDelay = options.maxDelayS ?? 0.5;
  const maxWidth = options.maxWidthS ?? 3;
  const period = grid?.periodS;
  const linear = (shape: FilterShape, width: number, delay: number) =>
    linearLeastSquares(
      n,
      (i) => [1, pattern.filtered(shape, times[i] - delay, width)],
      (i) => values[i],
    );
  const fits = (['boxcar', 'exponential'] as const).map((shape) => {
    const rss = ([width, delay]: number[]) => linear(shape, width, delay)?.rss ?? Infinity;
    const best = gridMinimize(rss, [
      { grid: logGrid(5e-4, maxWidth, 48), lower: 1e-4, upper: maxWidth, tolerance: 1e-5 },
      { grid: linearGrid(-0.02, maxDelay, 105), lower: -0.05, upper: maxDelay, tolerance: 1e-5 },
    ]);
    return { shape, width: best.x[0], delay: best.x[1], rss: best.value };
  });
  fits.sort((a, b) => a.rss - b.rss);
  const [chosen, other] = fits;
  if (!Number.isFinite(chosen.rss)) return failed('the load and the readings do not vary together (no burst changed the readings)');
  const lin = linear(chosen.shape, chosen.width, chosen.delay)!;
  const [idle, gain] = lin.coefficients;
  const residualRms = Math.sqrt(chosen.rss / n);
  const residuals = ([width, delay, c0, c1]: number[]) =>
    times.map((t, i) => values[i] - (c0 + c1 * pattern.filtered(chosen.shape, t - delay, width)));
  const unc = leastSquaresUncertainty(
    residuals,
    [chosen.width, chosen.delay, idle, gain],
    [Math.max(1e-6, chosen.width * 1e-3), 1e-5, 1e-3, 1e-3],
  );
  const how = `${chosen.shape} and delay fitted by grid search and refinement over ${n} published values (residual ${residualRms.toPrecision(3)} W RMS; the ${other.shape} fit left ${Math.sqrt(other.rss / n).toPrecision(3)} W)`;
  // Where the data do not constrain a parameter (no reading on an edge), the bound is half a period.
  const bound = period ?? times.slice(1).reduce((m, t, i) => Math.max(m, t - times[i]), -Infinity);
  const param = (j: number, value: number, unit: string, what: string): Estimate =>
    unc && unc.standard[j] > 0
      ? estimate(value, unc.standard[j], unit, `standard uncertainty from the fit's Jacobian; ${what}${how}`)
      : estimate(
          value,
          bound / 2,
          unit,
          `bound (half an update period): the readings do not constrain it (too few on an edge); ${what}${how}`,
        );
  const width = param(0, chosen.width, 's', '');
  const riseFactor = chosen.shape === 'boxcar' ? 0.8 : Math.log(9);
  return {
    channel: channel.id,
    quantity: 'power',
    samples: n,
    delay: param(1, chosen.delay, 's', ''),
    riseTime: estimate(
      riseFactor * chosen.width,
      riseFactor * width.uncertainty,
      's',
      `10-90 % rise of the fitted ${chosen.shape} filter (readings arrive once per update period on top of it)`,
    ),
    filterShape: chosen.shape,
    filterWidth: width,
    rejected: { shape: other.shape, widthS: other.width, residualRms: Math.sqrt(other.rss / n) },
    idle: param(2, idle, 'W', ''),
    gain: param(3, gain, 'W', 'per unit of load intensity; '),
    residualRms: estimate(
      residualRms,
      residualRms / Math.sqrt(2 * Math.max(1, n - 4)),
      'W',
      'RMS of the residuals; uncertainty of an RMS of n normal residuals',
    ),
  };
}

function counterStep(
  channel: TraceChannel,
  samples: Samples,
  pattern: LoadPattern,
  options: StepResponseOptions,
  failed: (why: string) => StepResponseResult,
): StepResponseResult {
  const t0 = samples.times[0];
  const v0 = samples.values[0];
  const times = samples.times.map((t) => t - t0);
  const values = samples.values.map((v) => v - v0);
  const n = times.length;
  const maxDelay = options.maxDelayS ?? 0.5;
  const linear = (delay: number) =>
    linearLeastSquares(
      n,
      (i) => [1, times[i], pattern.integral(times[i] + t0 - delay)],
      (i) => values[i],
    );
  const best = gridMinimize(
    ([delay]) => linear(delay)?.rss ?? Infinity,
    [{ grid: linearGrid(-0.02, maxDelay, 261), lower: -0.05, upper: maxDelay, tolerance: 1e-6 }],
  );
  if (!Number.isFinite(best.value)) return failed('the counter does not follow the load (collinear fit)');
  const delay = best.x[0];
  const [c, idle, gain] = linear(delay)!.coefficients;
  const residuals = ([d, c0, c1, c2]: number[]) => times.map((t, i) => values[i] - (c0 + c1 * t + c2 * pattern.integral(t + t0 - d)));
  const unc = leastSquaresUncertainty(residuals, [delay, c, idle, gain], [1e-5, 1e-3, 1e-3, 1e-3]);
  const residualRms = Math.sqrt(best.value / n);
  const how = `counter fitted as E0 + idle t + gain x integral of the load up to t - delay over ${n} changes (residual ${residualRms.toPrecision(3)} J RMS)`;
  // A loop, not a spread: a modelled CPU read every millisecond changes at every read.
  const readGap = channel.changes.slice(1).reduce((m, ch) => Math.max(m, ch.t - ch.tPrev), 0);
  const param = (j: number, value: number, unit: string): Estimate =>
    unc && unc.standard[j] > 0
      ? estimate(value, unc.standard[j], unit, `standard uncertainty from the fit's Jacobian; ${how}`)
      : estimate(value, readGap / 2, unit, `bound (half a read gap): the fit does not constrain it; ${how}`);
  const noFilter = 'an energy counter integrates the power: it has no averaging filter to fit';
  return {
    channel: channel.id,
    quantity: 'energy',
    samples: n,
    delay: param(0, delay, 's'),
    riseTime: notEstimated(noFilter),
    filterShape: null,
    filterWidth: notEstimated(noFilter),
    rejected: null,
    idle: param(2, idle, 'W'),
    gain: param(3, gain, 'W'),
    residualRms: estimate(residualRms, residualRms / Math.sqrt(2 * Math.max(1, n - 4)), 'J', 'RMS of the residuals'),
  };
}
