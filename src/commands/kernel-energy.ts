/** `sedjoule kernel-energy`: its options and the text of its report (src/experiment/measure-kernel-energy.ts). */
import type { Argv } from 'yargs';

import type { KernelEnergyReport } from '../experiment/measure-kernel-energy.js';
import { sig } from '../format/significant.js';

export function withKernelEnergyOptions<T>(y: Argv<T>) {
  return y
    .option('batch', { type: 'number', default: 8, describe: 'Batch size of the training step whose kernels are measured' })
    .option('min-updates', { type: 'number', default: 20, describe: 'Energy-counter updates each measurement window must span' })
    .option('update-period-ms', { type: 'number', describe: "The counter's update period (default: the source's, as `sedjoule probe` measures it)" })
    .option('idle', { type: 'number', default: 5, describe: 'Seconds of idle baseline' })
    .option('max-seconds', { type: 'number', default: 600, describe: 'Budget for the per-kernel windows; kernels left unmeasured are listed' })
    .option('classes', { type: 'number', default: 10, describe: 'Output classes (DESED: 10)' })
    .option('seed', { type: 'number', default: 1, describe: 'Seed for the weights and the random batch' })
    .option('cuda-device', { type: 'number', default: 0, describe: 'CUDA device index' });
}

export function printKernelEnergy(r: KernelEnergyReport): string {
  const j = (v: number, u: number) => `${sig(v)} ± ${sig(u)}`;
  const lines = [
    `kernel-energy: ${r.model} (${r.params.toLocaleString('en-US')} parameters), one training step of batch ${r.batch} on ${r.gpu.name}`,
    `energy: ${r.gpu.method} ${r.gpu.source}, update period ${sig(r.gpu.updatePeriodS * 1000)} ms, each window >= ${r.minUpdates} updates; idle ${j(r.idle.powerW, r.idle.uncertaintyW)} W subtracted; accuracy ${r.gpu.accuracy}`,
    `whole step: ${j(r.step.energy.joulesPerCall, r.step.energy.uncertaintyJPerCall)} J net (${sig(r.step.energy.grossJoulesPerCall)} J gross), ${sig(r.step.energy.secondsPerCall * 1000)} ms, ${sig(r.step.energy.meanPowerW)} W mean, ${r.step.calls} kernel calls`,
    '',
    'kernel           pass             calls/step  us/call     J/call (net)          W mean  GFLOP/J  shapes',
  ];
  for (const k of r.kernels) {
    const head = `${k.name.padEnd(16)} ${k.pass.padEnd(16)} ${String(k.callsPerStep).padStart(10)}  `;
    if (!k.energy) {
      lines.push(`${head}${k.skipped}`);
      continue;
    }
    const e = k.energy;
    lines.push(
      `${head}${sig(e.secondsPerCall * 1e6).padStart(8)}  ${j(e.joulesPerCall, e.uncertaintyJPerCall).padEnd(22)}${e.unresolved ? '*' : ' '}${sig(e.meanPowerW).padStart(6)}  ${(e.gflopPerJoule === null ? '-' : sig(e.gflopPerJoule)).padStart(7)}  ${k.shapes}`,
    );
  }
  const c = r.closure;
  lines.push('');
  lines.push(`closure: kernels ${j(c.kernelsJ, c.kernelsUncertaintyJ)} J vs step ${j(c.stepJ, c.stepUncertaintyJ)} J: ratio ${sig(c.ratio)}, gap ${j(c.gapJ, c.gapUncertaintyJ)} J; measured kernels cover ${sig(c.timeCoverage * 100)} % of the step's kernel time`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.kernels.some((k) => k.energy?.unresolved)) lines.push('* within its uncertainty of 0');
  return lines.join('\n');
}
