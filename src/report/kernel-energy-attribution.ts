/**
 * Energy per kernel, ATTRIBUTED, not measured. Energy sources see a device (a GPU, a CPU package)
 * over a window, not a kernel: RAPL and NVML counters update every millisecond to every 100 ms,
 * while a kernel call lasts microseconds to milliseconds, and the modelled CPU figure is process
 * CPU time. So the report splits a phase's measured energy over its kernels by a stated model:
 *
 *   energy(kernel) = E_phase x (measured wall time of the kernel's calls / wall time of the phase)
 *
 * and the remainder, E_phase x (1 - kernel time / phase time), is shown as "outside kernels"
 * (batch assembly, the JavaScript between calls, waiting). If the kernels' summed time exceeds the
 * phase's (timer granularity on tiny phases), shares are taken of the kernel time instead and
 * nothing is left outside. The model assumes every kernel draws the phase's mean power; it cannot
 * see that a memory-bound or single-threaded kernel draws less than a dense convolution per
 * second (docs/report.md).
 */
import type { LedgerRow } from '../ledger.js';

export type AttributionBasis = 'phase-time' | 'kernel-time';

export interface AttributedRow<R> {
  row: R;
  /** The kernel's share of the phase's energy (its share of the time). */
  timeShare: number;
  /** Null when the phase has no energy to attribute: see `missing`. */
  energyJ: number | null;
}

export interface KernelAttribution<R> {
  phaseEnergyJ: number | null;
  /** Why nothing is attributed: the phase's energy is missing, or not positive. */
  missing?: string;
  phaseSeconds: number;
  kernelSeconds: number;
  basis: AttributionBasis;
  rows: Array<AttributedRow<R>>;
  outside: { timeShare: number; energyJ: number | null };
}

export function attributeEnergy<R extends Pick<LedgerRow, 'ms'>>(
  rows: R[],
  phase: { energyJ: number | null; missing?: string; seconds: number },
): KernelAttribution<R> {
  const kernelSeconds = rows.reduce((a, r) => a + r.ms, 0) / 1000;
  const basis: AttributionBasis = phase.seconds > 0 && kernelSeconds <= phase.seconds ? 'phase-time' : 'kernel-time';
  const denominator = basis === 'phase-time' ? phase.seconds : kernelSeconds;
  let missing: string | undefined;
  if (phase.energyJ === null) missing = phase.missing ?? 'no energy for this phase';
  // A net figure at or below zero (idle power above the phase's mean) has nothing to share out.
  else if (!(phase.energyJ > 0)) missing = `the phase's energy is ${phase.energyJ} J (not positive): nothing to attribute`;
  const energy = missing === undefined ? phase.energyJ : null;
  const out: Array<AttributedRow<R>> = rows.map((row) => {
    const timeShare = denominator > 0 ? row.ms / 1000 / denominator : 0;
    return { row, timeShare, energyJ: energy === null ? null : energy * timeShare };
  });
  const outsideShare = basis === 'phase-time' && denominator > 0 ? Math.max(0, 1 - kernelSeconds / denominator) : 0;
  return {
    phaseEnergyJ: phase.energyJ,
    ...(missing !== undefined ? { missing } : {}),
    phaseSeconds: phase.seconds,
    kernelSeconds,
    basis,
    rows: out,
    outside: { timeShare: outsideShare, energyJ: energy === null ? null : energy * outsideShare },
  };
}
