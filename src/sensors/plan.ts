/**
 * The burst plans of the sensor study: when each known load runs. Every plan is a list of bursts on
 * the steady clock (the `bursts` of the native `sensorTrace` options) and the time the study should
 * keep reading after the last one. Phases that must vary from burst to burst follow the golden-ratio
 * sequence frac(i x 0.618...), which covers [0, 1) evenly for any number of bursts and needs no seed.
 */
import { SedjouleError } from '../errors.js';
import type { TraceBurst } from './trace.js';
import type { UpdateGrid } from './update-period.js';

export interface PlannedBurst {
  atS: number;
  durationS: number;
  intensity: number;
  label: string;
}

export interface BurstPlan {
  bursts: PlannedBurst[];
  /** Keep reading until this steady time (the last burst's decay included). */
  untilS: number;
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

function goldenPhase(i: number): number {
  return (i * GOLDEN) % 1;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new SedjouleError('E_VALUE', `${name} must be a number > 0, got ${value}`);
  return value;
}

function count(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new SedjouleError('E_VALUE', `${name} must be a whole number >= 1, got ${value}`);
  return value;
}

export type PlanKind = 'step' | 'part-time' | 'naive';

/** The plan a burst belongs to, from the label its plan gave it; null for any other label. */
export function planOf(label: string): PlanKind | null {
  if (label.startsWith('step-')) return 'step';
  if (label.startsWith('part-time-')) return 'part-time';
  if (label.startsWith('naive-')) return 'naive';
  return null;
}

export interface StepPlanOptions {
  /** Idle -> busy -> idle cycles. Default 10: with edges at spread phases, enough of them land on a boxcar's ramp. */
  cycles?: number;
  busyS?: number;
  idleS?: number;
  intensity?: number;
  /**
   * Each cycle starts a golden-ratio fraction of this later than a fixed cadence would put it, so the
   * edges fall at different phases of the sensor's update grid. Default 0.1 s (the longest usual period).
   */
  phaseSpreadS?: number;
}

/** Step response: `cycles` bursts of busyS, separated by at least idleS of idle, starting after idleS of idle. */
export function stepPlan(startS: number, options: StepPlanOptions = {}): BurstPlan {
  const cycles = count(options.cycles ?? 10, 'cycles');
  const busyS = positive(options.busyS ?? 2, 'busyS');
  const idleS = positive(options.idleS ?? 2, 'idleS');
  const spread = options.phaseSpreadS ?? 0.1;
  const intensity = options.intensity ?? 1;
  const cycle = busyS + idleS + spread;
  const bursts = Array.from({ length: cycles }, (_, i) => ({
    atS: startS + idleS + i * cycle + goldenPhase(i) * spread,
    durationS: busyS,
    intensity,
    label: `step-${i}`,
  }));
  return { bursts, untilS: bursts[bursts.length - 1].atS + busyS + idleS };
}

export interface PartTimePlanOptions {
  /** Burst lengths, shorter than the update period. Default 5, 10, 25 and 50 ms. */
  burstS?: number[];
  /** Phases k / phases of the period at which bursts of each length start. Default 16. */
  phases?: number;
  /** Idle between bursts: longer than the averaging filter and the delay. Default 1 s. */
  gapS?: number;
  intensity?: number;
}

/**
 * Part-time sampling: for every phase k / phases and every burst length, one burst starting at that
 * phase of the channel's update grid (t = anchor + (m + k / phases) period, the first such time after
 * the previous burst and its gap).
 */
export function partTimePlan(startS: number, grid: UpdateGrid, options: PartTimePlanOptions = {}): BurstPlan {
  const period = positive(grid.periodS, 'grid.periodS');
  const lengths = options.burstS ?? [0.005, 0.01, 0.025, 0.05];
  lengths.forEach((d, i) => positive(d, `burstS[${i}]`));
  const phases = count(options.phases ?? 16, 'phases');
  const gapS = positive(options.gapS ?? 1, 'gapS');
  const intensity = options.intensity ?? 1;
  const bursts: PlannedBurst[] = [];
  let cursor = startS + gapS;
  for (let k = 0; k < phases; ++k) {
    for (const d of lengths) {
      const phase = k / phases;
      const m = Math.ceil((cursor - grid.anchorS) / period - phase);
      const atS = grid.anchorS + (m + phase) * period;
      bursts.push({ atS, durationS: d, intensity, label: `part-time-${d * 1000}ms-${k}` });
      cursor = atS + d + gapS;
    }
  }
  return { bursts, untilS: cursor };
}

export interface NaivePlanOptions {
  /** Load lengths. Default 0.1, 1, 10 and 60 s. */
  durationsS?: number[];
  /** Idle between loads (and before the first). Default 5 s: longer than the 1 s averages and their delay. */
  gapS?: number;
  /** Seconds of load each corrected protocol runs: repetitions = protocolS / the load's length, at least 2, at most 80. Default 8. */
  protocolS?: number;
  /** Groups the repetitions are split into; a phase-shifting sleep separates groups. Default 4. */
  groups?: number;
  /** Shortest sleep between groups; each adds a golden-ratio fraction of shiftSpreadS. Default 0.025 s (Yang et al.'s 25 ms). */
  shiftS?: number;
  shiftSpreadS?: number;
}

export function protocolRepetitions(durationS: number, protocolS = 8): number {
  return Math.min(80, Math.max(2, Math.ceil(protocolS / durationS)));
}

/** Label of a naive-method burst: the single run, or repetition r of group g of the corrected protocol. */
export function naiveLabel(durationS: number, run: 'single' | { group: number; repetition: number }): string {
  return run === 'single' ? `naive-${durationS}s-single` : `naive-${durationS}s-rep-${run.group}-${run.repetition}`;
}

/**
 * Naive methods: each load once (sampled by the naive integrators), then the corrected protocol of
 * Yang et al. (SC'24, https://arxiv.org/abs/2312.02741; their experiment 3 in
 * https://github.com/JimZeyuYang/GPU_Power_Benchmark/blob/4b5c944/source/benchmark_load.cu runs the
 * repetitions in groups with a sleep between groups to shift the phase against the sensor): R
 * repetitions in G groups, the repetitions of a group separated by half a load (at most 1 s) of rest,
 * the groups by shiftS plus a golden-ratio fraction of shiftSpreadS.
 */
export function naivePlan(startS: number, options: NaivePlanOptions = {}): BurstPlan {
  const durations = options.durationsS ?? [0.1, 1, 10, 60];
  durations.forEach((d, i) => positive(d, `durationsS[${i}]`));
  const gapS = positive(options.gapS ?? 5, 'gapS');
  const groupsWanted = count(options.groups ?? 4, 'groups');
  const shiftS = options.shiftS ?? 0.025;
  const spread = options.shiftSpreadS ?? 0.1;
  const bursts: PlannedBurst[] = [];
  let cursor = startS + gapS;
  let shifts = 0;
  for (const d of durations) {
    bursts.push({ atS: cursor, durationS: d, intensity: 1, label: naiveLabel(d, 'single') });
    cursor += d + gapS;
    const repetitions = protocolRepetitions(d, positive(options.protocolS ?? 8, 'protocolS'));
    const groups = Math.min(groupsWanted, repetitions);
    const perGroup = Math.ceil(repetitions / groups);
    const rest = Math.min(d / 2, 1);
    for (let g = 0; g < groups; ++g) {
      if (g > 0) cursor += shiftS + goldenPhase(++shifts) * spread - rest;
      for (let r = 0; r < perGroup; ++r) {
        bursts.push({ atS: cursor, durationS: d, intensity: 1, label: naiveLabel(d, { group: g, repetition: r }) });
        cursor += d + rest;
      }
    }
    cursor += gapS - rest;
  }
  return { bursts, untilS: cursor };
}

/** One load of the naive plan as it ran: the single run and the corrected protocol's repetitions. */
export interface NaiveLoad {
  durationS: number;
  single: TraceBurst | null;
  repetitions: TraceBurst[];
  /** Groups the repetitions ran in (phase-shifting sleeps between them). */
  groups: number;
}

const NAIVE_LABEL = /^naive-(.+)s-(single|rep-(\d+)-(\d+))$/;

/** Groups the recorded bursts of a naive plan by load length (bursts with other labels are ignored). */
export function naiveLoads(bursts: readonly TraceBurst[]): NaiveLoad[] {
  const byDuration = new Map<string, NaiveLoad & { groupSet: Set<string> }>();
  for (const burst of bursts) {
    const m = NAIVE_LABEL.exec(burst.label);
    if (!m) continue;
    let load = byDuration.get(m[1]);
    if (!load) {
      load = { durationS: Number(m[1]), single: null, repetitions: [], groups: 0, groupSet: new Set() };
      byDuration.set(m[1], load);
    }
    if (m[2] === 'single') {
      load.single = burst;
    } else {
      load.repetitions.push(burst);
      load.groupSet.add(m[3]);
    }
  }
  return [...byDuration.values()].map(({ groupSet, ...load }) => ({ ...load, groups: groupSet.size }));
}
