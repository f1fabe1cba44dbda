/**
 * The arithmetic of measured per-kernel energy (`sedjoule kernel-energy`), kept apart from the
 * GPU so it is tested on known numbers. A kernel call lasts microseconds; an energy counter ticks
 * every 10-100 ms. So each distinct call of a training step is replayed back to back for long
 * enough to span at least `minUpdates` counter updates, inside one energy window, and:
 *
 *   J/call (net)  = (window energy - idle power x window duration) / repetitions
 *   mean power    = window energy / window duration
 *   GFLOP/J       = counted FLOPs of one call / 1e9 / J/call
 *
 * The uncertainty of J/call is the window's net uncertainty (counter resolution, one update
 * period of quantisation between the edges, the sensor's stated accuracy, the idle power's spread over
 * the window) divided by the repetitions. Closure: the sum over distinct calls of J/call x calls
 * per step, against a whole training step measured the same way; the gap is what the per-kernel
 * figures do not see (launch gaps, host work between kernels, power that lingers after a kernel).
 */
import type { KernelPass, LedgerRow } from '../ledger.js';

/** A kernel call of a training step, as captured for replay: the ledger columns read here. */
export type StepCall = Pick<LedgerRow, 'layer' | 'name' | 'pass' | 'shapes' | 'flops' | 'bytesRead' | 'bytesWritten'>;

/** Calls of one step with the same kernel, pass and shapes cost and draw the same: measured once. */
export interface CallGroup {
  name: string;
  pass: KernelPass;
  shapes: string;
  layers: string[];
  /** Index of the call that is replayed (its first occurrence in the step). */
  index: number;
  callsPerStep: number;
  flops: number;
  bytes: number;
}

export function groupCalls(calls: StepCall[]): CallGroup[] {
  const groups = new Map<string, CallGroup>();
  calls.forEach((c, index) => {
    const key = `${c.name}\u0000${c.pass}\u0000${c.shapes}`;
    const g = groups.get(key);
    if (g) {
      g.callsPerStep += 1;
      if (!g.layers.includes(c.layer)) g.layers.push(c.layer);
    } else {
      groups.set(key, {
        name: c.name,
        pass: c.pass,
        shapes: c.shapes,
        layers: [c.layer],
        index,
        callsPerStep: 1,
        flops: c.flops,
        bytes: c.bytesRead + c.bytesWritten,
      });
    }
  });
  return [...groups.values()];
}

/**
 * Repetitions so that `repetitions x secondsPerCall` spans `minUpdates` counter updates, never
 * fewer than `minRepetitions` (the replay's own warm-up is measured apart).
 */
export function repetitionsFor(secondsPerCall: number, updatePeriodS: number, minUpdates: number, minRepetitions = 10): number {
  if (!(secondsPerCall > 0)) throw new RangeError(`seconds per call must be positive, got ${secondsPerCall}`);
  if (!(updatePeriodS > 0)) throw new RangeError(`the counter's update period must be positive, got ${updatePeriodS}`);
  return Math.max(minRepetitions, Math.ceil((minUpdates * updatePeriodS) / secondsPerCall));
}

/** One energy window around `repetitions` back-to-back executions of the same work. */
export interface RepeatedWindow {
  repetitions: number;
  durationS: number;
  /** Gross joules of the GPU's counter over the window. */
  joules: number;
  /** Idle-subtracted joules and their uncertainty. */
  netJoules: number;
  netUncertaintyJ: number;
  /** GPU time of the repetitions (CUDA events), seconds; null for a whole step timed on the host. */
  gpuSeconds: number | null;
  /** Counter updates spanned: duration / update period. */
  updates: number;
}

export interface PerCallEnergy {
  joulesPerCall: number;
  uncertaintyJPerCall: number;
  grossJoulesPerCall: number;
  meanPowerW: number;
  /** Seconds per call: GPU time when known, else window time. */
  secondsPerCall: number;
  /** GFLOP per joule of net energy; null when the net energy is not positive (within noise of idle). */
  gflopPerJoule: number | null;
  /** The net energy is within its uncertainty of zero: the kernel's draw above idle was not resolved. */
  unresolved: boolean;
}

export function perCall(window: RepeatedWindow, flopsPerCall: number): PerCallEnergy {
  const n = window.repetitions;
  const joulesPerCall = window.netJoules / n;
  return {
    joulesPerCall,
    uncertaintyJPerCall: window.netUncertaintyJ / n,
    grossJoulesPerCall: window.joules / n,
    meanPowerW: window.joules / window.durationS,
    secondsPerCall: (window.gpuSeconds ?? window.durationS) / n,
    gflopPerJoule: joulesPerCall > 0 ? flopsPerCall / 1e9 / joulesPerCall : null,
    unresolved: Math.abs(window.netJoules) <= window.netUncertaintyJ,
  };
}

export interface Closure {
  /** Sum over measured groups of J/call x calls per step, and its uncertainty (in quadrature). */
  kernelsJ: number;
  kernelsUncertaintyJ: number;
  /** The measured whole step. */
  stepJ: number;
  stepUncertaintyJ: number;
  /** kernelsJ / stepJ. */
  ratio: number;
  /** stepJ - kernelsJ: energy the per-kernel figures do not account for (negative: over-count). */
  gapJ: number;
  gapUncertaintyJ: number;
  /** Share of the step's kernel GPU time covered by the measured groups (1 when all were measured). */
  timeCoverage: number;
}

export function closure(
  groups: Array<{ callsPerStep: number; energy: PerCallEnergy | null; stepSeconds: number }>,
  step: PerCallEnergy,
): Closure {
  let kernelsJ = 0;
  let variance = 0;
  let covered = 0;
  let total = 0;
  for (const g of groups) {
    total += g.stepSeconds;
    if (!g.energy) continue;
    covered += g.stepSeconds;
    kernelsJ += g.energy.joulesPerCall * g.callsPerStep;
    variance += (g.energy.uncertaintyJPerCall * g.callsPerStep) ** 2;
  }
  const kernelsUncertaintyJ = Math.sqrt(variance);
  return {
    kernelsJ,
    kernelsUncertaintyJ,
    stepJ: step.joulesPerCall,
    stepUncertaintyJ: step.uncertaintyJPerCall,
    ratio: kernelsJ / step.joulesPerCall,
    gapJ: step.joulesPerCall - kernelsJ,
    gapUncertaintyJ: Math.hypot(kernelsUncertaintyJ, step.uncertaintyJPerCall),
    timeCoverage: total > 0 ? covered / total : 0,
  };
}
