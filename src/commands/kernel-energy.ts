/** `sedjoule kernel-energy`: measured joules per kernel call on a GPU (src/experiment/measure-kernel-energy.ts). */
import type { Argv } from 'yargs';

import { measureKernelEnergy, type KernelEnergyReport } from '../experiment/measure-kernel-energy.js';
import { sig } from '../format/significant.js';
import { withCudaDeviceOption } from './options/compute.js';
import { withIdleOption, withSensorStudyOption } from './options/energy.js';
import { modelChoice, withModelInputOptions } from './options/model.js';
import { numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { withOnnxOptions } from './options/onnx.js';
import { emit, showsProgress } from './options/output.js';

function kernelEnergyOptions<T>(y: Argv<T>) {
  return withIdleOption(
    withSensorStudyOption(
      withCudaDeviceOption(withOnnxOptions(withModelInputOptions(y))),
      "Folder of a `sedjoule sensor-study` run on this GPU: the counter's measured update period (unless --update-period-ms), and windows at least its shortest window for the study's target error",
    ),
    'Seconds of idle baseline (the figures are idle-subtracted, so not 0)',
    5,
  )
    .option('batch', numberOption('batch', 'Batch size of the training step whose kernels are measured', 8))
    .option('min-updates', numberOption('min-updates', 'Energy-counter updates each measurement window must span', 20))
    .option(
      'update-period-ms',
      numberOption('update-period-ms', "The counter's update period (default: the source's, as `sedjoule probe` measures it)"),
    )
    .option('max-seconds', numberOption('max-seconds', 'Budget for the per-kernel windows; kernels left unmeasured are listed', 600))
    .group(['batch', 'min-updates', 'update-period-ms', 'max-seconds'], 'Measurement:')
    .example('$0 kernel-energy --model dcase-crnn', 'every kernel of one dcase-crnn training step (needs an NVIDIA GPU and NVML)')
    .example('$0 kernel-energy --arch cnn --layers 2 --width 256 --min-updates 30 --json', 'a CNN, longer windows, as JSON')
    .example('$0 kernel-energy --onnx model.onnx --batch 16', "an ONNX model's kernels, with its own weights and input shape");
}

export const kernelEnergyCommand = defineCommand({
  command: 'kernel-energy',
  describe:
    'Measured joules per kernel call on a GPU (NVML energy counter): every kernel of one training step replayed for >= 20 counter updates, idle-subtracted, with mean power, GFLOP/J, and a closure check against a measured whole step',
  builder: (y) => kernelEnergyOptions(y),
  handler: async (argv) => {
    const { model, frontend } = modelChoice(argv);
    const report = await measureKernelEnergy({
      model,
      frontend: argv.frontend ?? frontend,
      batch: argv.batch,
      minUpdates: argv['min-updates'],
      updatePeriodMs: argv['update-period-ms'],
      ...(argv['sensor-study'] === undefined ? {} : { sensorStudy: argv['sensor-study'] }),
      idleSeconds: argv.idle,
      maxSeconds: argv['max-seconds'],
      classes: argv.classes,
      seed: argv.seed,
      cudaDevice: argv['cuda-device'],
      progress: showsProgress(argv),
    });
    emit('kernel-energy', argv, report, () => printKernelEnergy(report));
  },
});

function printKernelEnergy(r: KernelEnergyReport): string {
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
  lines.push(
    `closure: kernels ${j(c.kernelsJ, c.kernelsUncertaintyJ)} J vs step ${j(c.stepJ, c.stepUncertaintyJ)} J: ratio ${sig(c.ratio)}, gap ${j(c.gapJ, c.gapUncertaintyJ)} J; measured kernels cover ${sig(c.timeCoverage * 100)} % of the step's kernel time`,
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.kernels.some((k) => k.energy?.unresolved)) lines.push('* within its uncertainty of 0');
  return lines.join('\n');
}
