/** `sedjoule profile`: the exact cost of one training step on one clip (src/experiment/profile.ts). */
import { runProfile, type ProfileReport } from '../experiment/profile.js';
import { layerTable, moduleTable, profileTable } from '../format/profile-table.js';
import { withComputeOptions } from './options/compute.js';
import { modelChoice, withModelInputOptions } from './options/model.js';
import { numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { withOnnxOptions } from './options/onnx.js';
import { emit } from './options/output.js';

export const profileCommand = defineCommand({
  command: 'profile',
  describe:
    "The exact cost of one training step on one clip (batch 1): parameters, per-kernel rows, forward and backward totals, the counted backward/forward ratio, MACs per 10 s of audio, the step's time outside the kernels",
  builder: (c) =>
    withComputeOptions(withOnnxOptions(withModelInputOptions(c)))
      .option(
        'depth',
        numberOption(
          'depth',
          "Also group the layers into modules by the first N parts of their labels, parts split at '/' and '.' (an imported model's '/features/conv0/Conv' is in '/features' at 1); default: per layer only",
        ),
      )
      .group(['depth'], 'Output:')
      .example('$0 profile --model dcase-crnn', "the DCASE baseline's counts, kernel by kernel")
      .example('$0 profile --arch cnn --layers 2 --width 128 --variant faithful --frontend toolbox --json', 'a study model, as JSON')
      .example('$0 profile --onnx model.onnx', 'an ONNX model with its own weights, kernel by kernel')
      .example('$0 profile --onnx model.onnx --depth 1 --json', 'and module by module (the first part of the ONNX node names)'),
  handler: async (argv) => {
    const { model, frontend } = modelChoice(argv);
    const report = await runProfile({
      model,
      frontend: argv.frontend ?? frontend,
      classes: argv.classes,
      seed: argv.seed,
      threads: argv.threads,
      device: argv.device,
      depth: argv.depth,
    });
    emit('profile', argv, report, () => printProfile(report));
  },
});

const int = (n: number) => n.toLocaleString('en-US');
/** The multiply-adds the fast kernels executed, tile edges included, against what they count. */
const executed = (t: { macs: number; paddingMacs: number; executedMacs: number }) =>
  `${int(t.executedMacs)} multiply-adds (${(t.executedMacs / Math.max(1, t.macs + t.paddingMacs)).toFixed(3)}x macs + paddingMacs: the GEMM's edge tiles)`;
const mega = (n: number) => (n / 1e6).toFixed(3);

function printProfile(report: ProfileReport): string {
  const c = report.clip;
  const f = report.forward,
    b = report.backward,
    bp = report.backwardPasses,
    o = report.optimizer;
  const perTen = report.per10s;
  const head = [
    `model ${report.model.name}: ${int(report.params)} parameters; input [${report.inputShape}] from the ${c.frontend} front end (${c.frames} of ${c.clipFrames} frames at ${c.sampleRate} Hz, hop ${c.hop})`,
    `one training step on one clip (batch 1, seeded random features): forward, loss, backward (input, weight and bias gradients as separate passes), optimiser; ${report.threads} threads`,
    `time: warm-up step ${report.warmUpMs.toFixed(1)} ms (first touch, allocation, packing space); measured step ${report.stepMs.toFixed(1)} ms = kernels ${report.kernelMs.toFixed(1)} ms (the ledger) + ${report.outsideKernels.ms.toFixed(1)} ms outside the kernels (${(100 * report.outsideKernels.fraction).toFixed(1)} %)`,
    '',
    profileTable(report.kernels),
    '',
    layerTable(report.layers),
    '',
    ...(report.modules
      ? [`modules at depth ${report.modules.depth} (layers grouped by label prefix):`, moduleTable(report.modules.rows), '']
      : []),
    `forward:    ${int(f.macs)} MACs on data + ${int(f.paddingMacs)} MACs on padding the kernels execute; ${int(f.flops)} FLOPs, ${int(f.transcendentals)} transcendentals, ${int(f.comparisons)} comparisons`,
    `            executed by the fast kernels: ${executed(f)}`,
    `backward:   ${int(b.flops)} FLOPs (input ${int(bp.input.flops)}, weight ${int(bp.weight.flops)}, bias ${int(bp.bias.flops)}); ${int(b.macs)} MACs; executed ${executed(b)}`,
    `backward / forward FLOPs: ${report.backwardForwardRatio.toFixed(3)} (counted from the kernels' cost formulas; the study assumed 2)`,
    `optimizer:  ${int(o.flops)} FLOPs, ${int(o.transcendentals)} transcendentals over ${int(report.params)} parameters`,
    `per 10 s of audio: ${mega(perTen.macs)} M MACs (${int(perTen.macs)}), ${mega(perTen.flops)} M FLOPs forward; ${perTen.note}`,
  ];
  return head.join('\n');
}
