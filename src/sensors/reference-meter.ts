/**
 * An external reference meter (a wall or PSU meter, or any logger): a CSV of time and watts on the
 * meter's own clock. The study aligns it to the steady clock by cross-correlating it with the known
 * load pattern (the bursts that ran), so the meter's clock and its own delay need not be known; then
 * each channel's delay, gain and error are measured against it.
 */
import { SedjouleError } from '../errors.js';
import { parseCsv, readCsv, type CsvTable } from '../util/csv.js';
import { crossCorrelate, peakLag } from './cross-correlation.js';
import { estimate, notEstimated, type Estimate, type MaybeEstimate } from './estimate.js';
import { leastSquaresUncertainty, linearLeastSquares, median } from './fit.js';
import { segmentWindows } from './burst-windows.js';
import { LoadPattern } from './load-pattern.js';
import { publishedSeries, valueAt, latestIndex, type PublishedSeries } from './published-values.js';
import type { TraceBurst, TraceChannel } from './trace.js';
import type { UpdateGrid } from './update-period.js';

export interface ReferenceSeries {
  file: string;
  /** Seconds on the meter's clock, increasing. */
  times: number[];
  watts: number[];
}

/** Column names accepted (lower case, without a bracketed unit, spaces, '_' and '-'). */
const TIME_NAMES = ['time', 't', 'timestamp', 'times', 'seconds', 'timeseconds', 'elapsed', 'elapseds'];
const WATTS_NAMES = ['watts', 'watt', 'w', 'power', 'powerw', 'powerwatts'];

function normalise(name: string): string {
  return name
    .toLowerCase()
    .replace(/[[(].*$/, '')
    .replace(/[\s_-]+/g, '');
}

function referenceFromTable(table: CsvTable, file: string): ReferenceSeries {
  const header = table.header ?? [];
  const where = table.headerLine !== undefined ? `${file}:${table.headerLine}` : file;
  const find = (names: string[], what: string): number => {
    const at = header.findIndex((h) => names.includes(normalise(h)));
    if (at < 0) {
      throw new SedjouleError(
        'E_DATA',
        `${where}: no ${what} column (one of ${names.map((n) => `'${n}'`).join(', ')}; the header is ${header.map((h) => `'${h}'`).join(', ') || 'empty'})`,
      );
    }
    return at;
  };
  const timeAt = find(TIME_NAMES, 'time');
  const wattsAt = find(WATTS_NAMES, 'power');
  const times: number[] = [];
  const watts: number[] = [];
  for (const row of table.rows) {
    const field = (at: number, what: string): number => {
      const text = (row.fields[at] ?? '').trim();
      const n = text === '' ? NaN : Number(text);
      if (!Number.isFinite(n)) {
        throw new SedjouleError(
          'E_DATA',
          `${file}:${row.line}: field '${header[at]}': expected ${what} as a number, got ${JSON.stringify(row.fields[at] ?? '')}`,
        );
      }
      return n;
    };
    const t = field(timeAt, 'seconds');
    const w = field(wattsAt, 'watts');
    if (w < 0) throw new SedjouleError('E_DATA', `${file}:${row.line}: field '${header[wattsAt]}': a power cannot be negative, got ${w}`);
    if (times.length && t <= times[times.length - 1]) {
      throw new SedjouleError(
        'E_DATA',
        `${file}:${row.line}: field '${header[timeAt]}': times must increase, got ${t} after ${times[times.length - 1]}`,
      );
    }
    times.push(t);
    watts.push(w);
  }
  if (times.length < 2)
    throw new SedjouleError('E_DATA', `${file}: ${times.length} reading${times.length === 1 ? '' : 's'}; a reference needs at least 2`);
  return { file, times, watts };
}

/** Parses a reference CSV (time in seconds and watts; header names are flexible, see TIME_NAMES and WATTS_NAMES). */
export function parseReferenceCsv(text: string, file: string): ReferenceSeries {
  return referenceFromTable(parseCsv(text, file, { trim: true, comment: '#' }), file);
}

export async function readReferenceCsv(path: string): Promise<ReferenceSeries> {
  return referenceFromTable(await readCsv(path, { trim: true, comment: '#' }), path);
}

export interface ChannelAgainstReference {
  channel: string;
  /** How much later the channel follows the power than the reference does. */
  delay: MaybeEstimate;
  /** Channel watts per reference watt (slope of the channel against the reference, delay removed). */
  gain: MaybeEstimate;
  /** Channel watts at zero reference watts (the regression's intercept). */
  offset: MaybeEstimate;
  /** Channel energy / reference energy - 1 over the aligned span. */
  relativeError: MaybeEstimate;
  /** RMS of the window-energy residuals divided by the mean window length. */
  residualRmsW: number | null;
}

export interface ReferenceAlignment {
  file: string;
  /** Meter time = steady time + offset (the meter's own delay included). */
  offset: MaybeEstimate;
  /** The reference's power at no load and per unit of load intensity. */
  idle: MaybeEstimate;
  gain: MaybeEstimate;
  /** Resampling step of the comparison (s). */
  stepS: number;
  channels: ChannelAgainstReference[];
}

export interface AlignmentOptions {
  /** Resampling step; default the reference's median interval, at least 1 ms. */
  stepS?: number;
  /** Largest channel delay searched against the reference. Default 2 s. */
  maxDelayS?: number;
}

/** A channel as the alignment reads it: its readings and its update grid (null for a counter read at change midpoints). */
export interface ChannelWithGrid {
  channel: TraceChannel;
  grid: UpdateGrid | null;
}

/** Power on the uniform grid t0 + i step: the value in force for a power channel, the mean power of the step for a counter. */
function channelPower(channel: TraceChannel, grid: UpdateGrid | null, t0: number, step: number, count: number): Float64Array {
  const out = new Float64Array(count).fill(NaN);
  if (channel.quantity === 'power') {
    const series = publishedSeries(channel, grid);
    for (let i = 0; i < count; ++i) out[i] = valueAt(series, t0 + i * step) ?? NaN;
    return out;
  }
  const series = publishedSeries(channel, grid);
  // The cumulative energy, interpolated linearly between publications, differenced over each step.
  const energyAt = (t: number): number => {
    const i = latestIndex(series, t);
    if (i < 0 || i >= series.times.length - 1) return NaN;
    const f = (t - series.times[i]) / (series.times[i + 1] - series.times[i]);
    return series.values[i] + f * (series.values[i + 1] - series.values[i]);
  };
  for (let i = 0; i < count; ++i) out[i] = (energyAt(t0 + (i + 1) * step) - energyAt(t0 + i * step)) / step;
  return out;
}

/** Mean of the reference's power over each step (trapezoids), on the steady clock once offset is removed. */
function referencePower(ref: ReferenceSeries, offsetS: number, t0: number, step: number, count: number): Float64Array {
  const out = new Float64Array(count).fill(NaN);
  const series: PublishedSeries = { times: ref.times.map((t) => t - offsetS), values: ref.watts, grid: null };
  for (let i = 0; i < count; ++i) {
    const t = t0 + (i + 0.5) * step;
    const j = latestIndex(series, t);
    if (j < 0 || j >= series.times.length - 1) continue;
    const f = (t - series.times[j]) / (series.times[j + 1] - series.times[j]);
    out[i] = series.values[j] + f * (series.values[j + 1] - series.values[j]);
  }
  return out;
}

function zeroMean(values: ArrayLike<number>): Float64Array {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; ++i) {
    if (Number.isFinite(values[i])) {
      sum += values[i];
      ++n;
    }
  }
  const m = n ? sum / n : 0;
  return Float64Array.from(values, (v) => (Number.isFinite(v) ? v - m : 0));
}

/** A channel that could not be compared with the reference, and why. */
function channelNotCompared(channel: string, why: string): ChannelAgainstReference {
  return {
    channel,
    delay: notEstimated(why),
    gain: notEstimated(why),
    offset: notEstimated(why),
    relativeError: notEstimated(why),
    residualRmsW: null,
  };
}

export function alignReference(
  reference: ReferenceSeries,
  bursts: readonly TraceBurst[],
  channels: readonly ChannelWithGrid[],
  options: AlignmentOptions = {},
): ReferenceAlignment {
  const intervals = reference.times.slice(1).map((t, i) => t - reference.times[i]);
  const step = options.stepS ?? Math.max(1e-3, median(intervals));
  const failed = (why: string): ReferenceAlignment => ({
    file: reference.file,
    offset: notEstimated(why),
    idle: notEstimated(why),
    gain: notEstimated(why),
    stepS: step,
    channels: channels.map(({ channel }) => channelNotCompared(channel.id, why)),
  });
  if (bursts.length === 0) return failed('no bursts of load to align the reference with');
  const pattern = new LoadPattern(bursts);
  const loadStart = Math.min(...bursts.map((b) => b.startS)) - 5;
  const loadEnd = Math.max(...bursts.map((b) => b.endS)) + 5;
  const loadCount = Math.ceil((loadEnd - loadStart) / step);
  const refStart = reference.times[0];
  const refCount = Math.ceil((reference.times[reference.times.length - 1] - refStart) / step);
  if (refCount + loadCount > 1 << 24)
    return failed(`the reference and the study span too many ${step} s steps to correlate; pass a longer stepS`);
  // The load, averaged over each step, against the reference on its own clock.
  const load = Float64Array.from({ length: loadCount }, (_, i) => pattern.boxcar(loadStart + (i + 1) * step, step));
  const meter = referencePower(reference, 0, refStart, step, refCount);
  const c = crossCorrelate(zeroMean(meter), zeroMean(load));
  const lag = peakLag(c, loadCount - 1);
  const offsetS = refStart + lag * step - loadStart;

  // The reference's own idle and gain, from a fit to the load once aligned.
  const aligned = referencePower(reference, offsetS, loadStart, step, loadCount);
  const rows = [...aligned.keys()].filter((i) => Number.isFinite(aligned[i]));
  const fit = linearLeastSquares(
    rows.length,
    (r) => [1, load[rows[r]]],
    (r) => aligned[rows[r]],
  );
  if (!fit || rows.length < 3) return failed('the reference does not overlap the load once aligned');
  const s2 = fit.rss / (rows.length - 2);
  const seOf = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sxx = xs.reduce((a, b) => a + (b - m) ** 2, 0);
    return { slope: Math.sqrt(s2 / sxx), intercept: Math.sqrt(s2 * (1 / xs.length + (m * m) / sxx)) };
  };
  const se = seOf(rows.map((i) => load[i]));
  const correlatedNote = 'standard error of the regression (readings treated as independent, which neighbours are not: a lower bound)';
  const offset = estimate(
    offsetS,
    step / 2,
    's',
    `cross-correlation of the reference with the load pattern on ${step} s steps, peak refined by a parabola; bound: half a step`,
  );

  const maxLag = Math.ceil((options.maxDelayS ?? 2) / step);
  const windows = segmentWindows(bursts, bursts, 1);
  const binsOf = windows.map((w) => rows.filter((i) => loadStart + (i + 0.5) * step >= w.fromS && loadStart + (i + 0.5) * step < w.toS));
  const against = channels.map(({ channel, grid }): ChannelAgainstReference => {
    const idleRef = fit.coefficients[0];
    /** Match of the channel, moved earlier by delayS, with the reference's load-driven part. */
    const match = (delayS: number): { score: number; power: Float64Array } => {
      const power = channelPower(channel, grid, loadStart + delayS, step, loadCount);
      let score = 0;
      for (const i of rows) if (Number.isFinite(power[i])) score += (aligned[i] - idleRef) * power[i];
      return { score, power };
    };
    // A coarse scan in whole steps, then a fine one in tenths of a step around the best.
    const scan = (delays: number[]) => {
      const scores = delays.map((d) => match(d).score);
      let best = 0;
      for (let j = 1; j < delays.length; ++j) if (scores[j] > scores[best]) best = j;
      return { delays, scores, best };
    };
    const coarse = scan(Array.from({ length: 2 * maxLag + 1 }, (_, j) => (j - maxLag) * step));
    const fine = scan(Array.from({ length: 21 }, (_, j) => coarse.delays[coarse.best] + ((j - 10) / 10) * step));
    const { delays, scores, best } = fine;
    let delayS = delays[best];
    if (best > 0 && best < delays.length - 1) {
      const curvature = scores[best - 1] - 2 * scores[best] + scores[best + 1];
      if (curvature < 0) delayS += ((0.5 * (scores[best - 1] - scores[best + 1])) / curvature) * (step / 10);
    }
    const shifted = match(delayS).power;
    // Gain and offset from the energies of each burst's window (from mid-gap to mid-gap, so edges
    // and filters do not matter): channel energy = offset x length + gain x reference energy.
    const energies = binsOf
      .map((bins) => {
        const usable = bins.filter((i) => Number.isFinite(shifted[i]));
        return {
          lengthS: usable.length * step,
          channelJ: usable.reduce((sum, i) => sum + shifted[i] * step, 0),
          referenceJ: usable.reduce((sum, i) => sum + aligned[i] * step, 0),
        };
      })
      .filter((e) => e.lengthS > 0);
    const cfit = linearLeastSquares(
      energies.length,
      (r) => [energies[r].lengthS, energies[r].referenceJ],
      (r) => energies[r].channelJ,
    );
    if (!cfit || energies.length < 3) {
      const why = `${energies.length} burst windows where both the channel and the reference read; at least 3 are needed`;
      return channelNotCompared(channel.id, why);
    }
    const unc = leastSquaresUncertainty(
      ([o, g]) => energies.map((e) => e.channelJ - (o * e.lengthS + g * e.referenceJ)),
      cfit.coefficients,
      [1e-3, 1e-6],
    );
    const channelJ = energies.reduce((sum, e) => sum + e.channelJ, 0);
    const referenceJ = energies.reduce((sum, e) => sum + e.referenceJ, 0);
    const lengthS = energies.reduce((sum, e) => sum + e.lengthS, 0);
    const rms = Math.sqrt(cfit.rss / energies.length);
    const how = `least squares over the energies of ${energies.length} burst windows (residual ${rms.toPrecision(3)} J RMS)`;
    return {
      channel: channel.id,
      delay: estimate(
        delayS,
        step / 10,
        's',
        `best match with the aligned reference, scanned in tenths of a ${step} s step and refined by a parabola; bound: the scan's spacing`,
      ),
      gain: unc
        ? estimate(cfit.coefficients[1], unc.standard[1], 'W/W', `standard uncertainty; ${how}`)
        : notEstimated(`the fit is degenerate; ${how}`),
      offset: unc
        ? estimate(cfit.coefficients[0], unc.standard[0], 'W', `standard uncertainty; ${how}`)
        : notEstimated(`the fit is degenerate; ${how}`),
      relativeError: estimate(
        channelJ / referenceJ - 1,
        (rms * Math.sqrt(energies.length)) / referenceJ,
        '1',
        `energy over the ${lengthS.toPrecision(4)} s of the burst windows; uncertainty from the windows' residual scatter`,
      ),
      residualRmsW: rms / (lengthS / energies.length),
    };
  });
  const refFit = (j: number, unit: string, note: string): Estimate =>
    estimate(fit.coefficients[j], j === 0 ? se.intercept : se.slope, unit, note);
  return {
    file: reference.file,
    offset,
    idle: refFit(0, 'W', `reference at no load; ${correlatedNote}`),
    gain: refFit(1, 'W', `reference change per unit of load intensity; ${correlatedNote}`),
    stepS: step,
    channels: against,
  };
}
