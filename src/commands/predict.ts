/** `sedjoule predict`: an ONNX model's outputs on a .npy batch, by sedjoule's kernels (src/experiment/predict.ts). */
import { runPredict, type PredictReport } from '../experiment/predict.js';
import { sig } from '../format/significant.js';
import { withComputeOptions } from './options/compute.js';
import { numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { onnxChoice, withOnnxModelOptions } from './options/onnx.js';
import { emit } from './options/output.js';

export const predictCommand = defineCommand({
  command: 'predict',
  describe:
    "Run an ONNX model on a float32 .npy batch with sedjoule's kernels and write its outputs (the graph's own: logits stay logits) as .npy",
  builder: (y) =>
    withComputeOptions(withOnnxModelOptions(y, true))
      .option('input', {
        type: 'string',
        requiresArg: true,
        demandOption: true,
        describe: "A .npy file of float32, [samples, ...the model's per-sample input shape]",
      })
      .option('out', { type: 'string', requiresArg: true, demandOption: true, describe: 'The .npy file for the outputs (float32)' })
      .option('batch', numberOption('batch', 'Samples per forward pass', 32))
      .group(['input', 'out', 'batch'], 'Input:')
      .example('$0 predict --onnx tagger.onnx --input x.npy --out y.npy', 'outputs for every sample of x.npy')
      .example('$0 predict --onnx crnn.onnx --input x.npy --out y.npy --device cuda --json', 'on the GPU, reported as JSON'),
  handler: async (argv) => {
    const report = await runPredict({
      model: onnxChoice(argv)!,
      input: argv.input,
      out: argv.out,
      batch: argv.batch,
      threads: argv.threads,
      device: argv.device,
    });
    emit('predict', argv, report, () => printPredict(report));
  },
});

function printPredict(r: PredictReport): string {
  return [
    `model ${r.model.path} (sha256 ${r.model.sha256?.slice(0, 12) ?? '?'}): ${r.model.params.toLocaleString('en-US')} parameters, on ${r.device}`,
    `input ${r.input.file} [${r.input.shape}] -> output ${r.output.file} [${r.output.shape}]: ${r.passes} forward pass(es) of up to ${r.batch} samples, ${sig(r.seconds * 1000)} ms`,
    `forward kernels: ${r.kernels.calls.toLocaleString('en-US')} calls, ${r.kernels.macs.toLocaleString('en-US')} MACs, ${r.kernels.flops.toLocaleString('en-US')} FLOPs`,
  ].join('\n');
}
