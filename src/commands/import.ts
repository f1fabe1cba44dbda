/** `sedjoule import`: an ONNX model into spec.json, weights.sjw and mapping.json (src/experiment/import-onnx.ts). */
import { importOnnxTo, type OnnxImportReport } from '../experiment/import-onnx.js';
import { LOSSES, type LossSpec } from '../spec.js';
import { defineCommand } from './command.js';
import { shapeParser } from './options/data.js';
import { emit } from './options/output.js';

export const importCommand = defineCommand({
  command: 'import <model>',
  describe:
    'Import an ONNX model onto sedjoule kernels: writes spec.json, weights.sjw and mapping.json (which ONNX nodes became which layer)',
  builder: (y) =>
    y
      .positional('model', {
        type: 'string',
        demandOption: true,
        describe: 'The .onnx file (docs/onnx.md: exporting from PyTorch, the ops imported)',
      })
      .option('out', { type: 'string', requiresArg: true, demandOption: true, describe: 'Folder for the three files (created if missing)' })
      .option('input-shape', {
        requiresArg: true,
        coerce: shapeParser('input-shape'),
        describe: "Per-sample input shape (no batch axis), e.g. 1,64,1000, fixing the model's symbolic axes",
      })
      .option('loss', {
        choices: LOSSES,
        default: 'bce-logits' as LossSpec,
        describe:
          "The spec's loss: bce-logits when the model outputs logits, bce when it outputs probabilities, softmax-ce for single-label logits",
      })
      .example('$0 import tagger.onnx --out tagger/', 'tagger/spec.json, tagger/weights.sjw, tagger/mapping.json')
      .example('$0 import crnn.onnx --out crnn/ --input-shape 1,64,1000 --json', 'a model with a symbolic time axis, reported as JSON'),
  handler: async (argv) => {
    const report = await importOnnxTo(argv.model, argv.out, { inputShape: argv['input-shape'], loss: argv.loss });
    emit('import', argv, report, () => printImport(report));
  },
});

function printImport(report: OnnxImportReport): string {
  const lines = [
    `${report.source}: ${report.model.producer || 'unknown producer'}, opset ${report.model.opset}; input [${report.inputShape}] -> output [${report.outputShape}], ${report.parameters.toLocaleString('en-US')} parameters`,
  ];
  for (const l of report.layers) {
    const nodes = l.nodes.map((n) => n.opType).join(', ');
    lines.push(`  ${String(l.layer).padStart(3)} ${l.type.padEnd(12)} <- ${nodes}${l.notes.length ? ` (${l.notes.join('; ')})` : ''}`);
  }
  lines.push(`wrote ${report.files.spec}, ${report.files.weights}, ${report.files.mapping}`);
  return lines.join('\n');
}
