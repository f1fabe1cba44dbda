/**
 * How wrong the usual ways of turning power readings into energy are, against the energy counter, for
 * loads of 0.1 s to 60 s:
 * - sampled: a logger reading the power every 1 s or 5 s (nvidia-smi's --loop, CodeCarbon's tracker
 *   with its measurement interval) and integrating sum of reading x interval over the samples taken
 *   while the load runs, for several phases of the sampler against the load (the sampler runs
 *   independently of the load, so every phase is as likely);
 * - every update: one run, every published value integrated (reading x update period) over the
 *   load's window, idle subtracted outside the load;
 * - corrected: the protocol of Yang et al. (SC'24, https://arxiv.org/abs/2312.02741; their experiment
 *   3, https://github.com/JimZeyuYang/GPU_Power_Benchmark/blob/4b5c944/source/benchmark_load.cu): the
 *   load repeated R times in groups separated by phase-shifting sleeps, every published value
 *   integrated over the whole block, idle subtracted outside the busy time, divided by R. Its residual
 *   against the counter is what the protocol leaves.
 * The counter's energy of a load (a window measured as the counter's difference, as Zeus's
 * ZeusMonitor does, https://ml.energy/zeus/measure/) is its increase over the load's window minus its
 * idle power over the window's idle time, so the counter's own delay does not matter.
 */
import { segmentWindows, type Segment, type SegmentWindow } from './burst-windows.js';
import { estimate, notEstimated, type Estimate, type MaybeEstimate, type NotEstimated } from './estimate.js';
import { mean, standardDeviation } from './fit.js';
import type { NaiveLoad } from './plan.js';
import { latestIndex, publishedSeries, valueAt } from './published-values.js';
import type { SensorTrace, TraceChannel } from './trace.js';
import type { UpdateGrid } from './update-period.js';

export interface NaiveOptions {
  /** The power channel's update grid (from updatePeriod). */
  powerGrid: UpdateGrid | null;
  /** The counter's update grid: its values are placed on it; without one, at their change midpoints. */
  counterGrid: UpdateGrid | null;
  /** The power channel's reading at no load (the step response's idle). */
  powerIdle: Estimate;
  /** The counter's power at no load (the counter's step response idle). */
  counterIdle: Estimate;
  /** Sampling intervals of the naive integrators. Default 1 s and 5 s. */
  intervalsS?: number[];
  /** Phases of each sampler against the load. Default 8. */
  phases?: number;
}

export interface SampledMethod {
  intervalS: number;
  /** Relative error for each phase (m + 0.5) / phases of the interval after the load starts. */
  errors: number[];
  meanError: MaybeEstimate;
  maxAbsError: number;
}

export interface CorrectedProtocol {
  repetitions: number;
  groups: number;
  /** The counter's energy of one repetition. */
  referenceJ: Estimate;
  /** The protocol's energy of one repetition. */
  estimateJ: number;
  /** estimate / reference - 1. */
  residual: Estimate;
}

export interface NaiveLoadResult {
  durationS: number;
  /** The counter's energy of the single run. */
  referenceJ: MaybeEstimate;
  sampled: SampledMethod[];
  /** Relative error of the single run integrated at every update. */
  everyUpdate: MaybeEstimate;
  corrected: CorrectedProtocol | NotEstimated;
}

export interface NaiveResult {
  counter: string;
  power: string;
  loads: NaiveLoadResult[];
}

export function naiveErrors(
  trace: SensorTrace,
  counter: TraceChannel,
  power: TraceChannel,
  loads: readonly NaiveLoad[],
  options: NaiveOptions,
): NaiveResult {
  const intervals = options.intervalsS ?? [1, 5];
  const phases = options.phases ?? 8;
  const counterValues = publishedSeries(counter, options.counterGrid, trace.endS);
  const powerValues = publishedSeries(power, options.powerGrid, trace.endS);
  const all: Segment[] = trace.bursts;
  const resolution = Math.max(counter.resolution, 0);

  /** The counter's energy over a window, minus its idle power over the window's idle time. */
  const reference = (w: SegmentWindow, busyS: number): MaybeEstimate => {
    const lo = latestIndex(counterValues, w.fromS);
    const hi = latestIndex(counterValues, w.toS);
    if (lo < 0 || hi <= lo) return notEstimated(`the counter has no reading before ${w.fromS.toFixed(3)} s or none inside the window`);
    const span = counterValues.times[hi] - counterValues.times[lo];
    const idleS = span - busyS;
    const value = counterValues.values[hi] - counterValues.values[lo] - options.counterIdle.value * idleS;
    const uncertainty = Math.hypot(Math.SQRT2 * resolution, options.counterIdle.uncertainty * idleS);
    return estimate(
      value,
      uncertainty,
      'J',
      `counter increase over the window minus idle ${options.counterIdle.value.toPrecision(4)} W x ${idleS.toPrecision(3)} s; uncertainty from the resolution and the idle power's`,
    );
  };

  /**
   * Every published value in the window times the period, minus the idle reading outside the busy
   * time. Publications off a fixed grid (a drifting clock) count for the time until the next one:
   * the readings as a step function of time, integrated over the window.
   */
  const everyUpdate = (w: SegmentWindow, busyS: number): { energyJ: number; uncertaintyJ: number } | null => {
    const grid = options.powerGrid;
    if (!grid) {
      const first = latestIndex(powerValues, w.fromS);
      if (first < 0) return null;
      let net = 0;
      for (let k = first; k < powerValues.times.length && powerValues.times[k] < w.toS; ++k) {
        const from = Math.max(w.fromS, powerValues.times[k]);
        const to = Math.min(w.toS, powerValues.times[k + 1] ?? w.toS);
        net += (powerValues.values[k] - options.powerIdle.value) * (to - from);
      }
      return {
        energyJ: net + options.powerIdle.value * busyS,
        uncertaintyJ: options.powerIdle.uncertainty * Math.abs(w.toS - w.fromS - busyS),
      };
    }
    let sum = 0;
    let count = 0;
    for (let k = latestIndex(powerValues, w.fromS) + 1; k < powerValues.times.length && powerValues.times[k] < w.toS; ++k) {
      sum += powerValues.values[k];
      ++count;
    }
    const idleS = count * grid.periodS - busyS;
    // The idle reading is subtracted over the idle part of the window: its uncertainty weighs that long.
    return {
      energyJ: (sum - options.powerIdle.value * count) * grid.periodS + options.powerIdle.value * busyS,
      uncertaintyJ: options.powerIdle.uncertainty * Math.abs(idleS),
    };
  };
  /** Relative error of an energy against a reference, with both uncertainties. */
  const relative = (got: { energyJ: number; uncertaintyJ: number }, ref: Estimate, what: string): Estimate =>
    estimate(
      got.energyJ / ref.value - 1,
      Math.hypot(got.uncertaintyJ / ref.value, (got.energyJ * ref.uncertainty) / ref.value ** 2),
      '1',
      `${what}; uncertainty from the idle reading subtracted and the counter reference`,
    );

  const results = loads.map((load): NaiveLoadResult => {
    const noSingle = notEstimated('the single run of this load is not in the trace');
    let referenceJ: MaybeEstimate = noSingle;
    let sampled: SampledMethod[] = [];
    let everyUpdateError: MaybeEstimate = noSingle;
    const single = load.single;
    if (single) {
      const d = single.endS - single.startS;
      const [w] = segmentWindows([single], all, 5);
      referenceJ = reference(w, d);
      const ref = referenceJ.value;
      if (ref !== null) {
        sampled = intervals.map((interval) => {
          const errors = Array.from({ length: phases }, (_, m) => {
            let energy = 0;
            for (let s = single.startS + ((m + 0.5) / phases) * interval; s < single.endS; s += interval)
              energy += (valueAt(powerValues, s) ?? NaN) * interval;
            return energy / ref - 1;
          });
          const sd = standardDeviation(errors);
          return {
            intervalS: interval,
            errors,
            meanError: Number.isFinite(sd)
              ? estimate(
                  mean(errors),
                  sd / Math.sqrt(errors.length),
                  '1',
                  `mean over ${phases} sampling phases; standard error of the mean`,
                )
              : notEstimated('fewer than 2 phases'),
            maxAbsError: Math.max(...errors.map(Math.abs)),
          };
        });
        const full = everyUpdate(w, d);
        everyUpdateError =
          full === null
            ? notEstimated('the power channel has no reading before the window')
            : relative(full, referenceJ, 'one run, every update integrated');
      }
    }
    return { durationS: load.durationS, referenceJ, sampled, everyUpdate: everyUpdateError, corrected: corrected(load) };
  });

  function corrected(load: NaiveLoad): CorrectedProtocol | NotEstimated {
    const reps = [...load.repetitions].sort((a, b) => a.startS - b.startS);
    if (reps.length === 0) return notEstimated('the corrected protocol did not run for this load');
    const block: Segment = { startS: reps[0].startS, endS: reps[reps.length - 1].endS };
    const others = all.filter((b) => !reps.includes(b as (typeof reps)[number]));
    const [w] = segmentWindows([block], [...others, block], 5);
    const busyS = reps.reduce((s, b) => s + (b.endS - b.startS), 0);
    const ref = reference(w, busyS);
    const got = everyUpdate(w, busyS);
    if (ref.value === null) return notEstimated(ref.why);
    if (got === null) return notEstimated('the power channel has no reading before the window');
    const n = reps.length;
    const referenceJ = estimate(ref.value / n, ref.uncertainty / n, 'J', `per repetition; ${ref.note}`);
    return {
      repetitions: n,
      groups: load.groups,
      referenceJ,
      estimateJ: got.energyJ / n,
      residual: relative(got, ref, 'corrected-protocol energy per repetition vs the counter'),
    };
  }

  return { counter: counter.id, power: power.id, loads: results };
}
