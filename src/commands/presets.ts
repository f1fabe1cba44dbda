/** `sedjoule presets`: the table of named models (src/models/presets-report.ts). */
import { renderTable } from '../format/table.js';
import { presetsReport, type PresetsReport } from '../models/presets-report.js';
import { defineCommand } from './command.js';
import { emit } from './options/output.js';

export const presetsCommand = defineCommand({
  command: 'presets',
  describe: 'The named models (paper43:1..43, dcase-crnn, demo): configuration, front end, input shape and parameter count',
  builder: (c) => c.example('$0 presets', 'every named model; use one with --model ID, or an ONNX model with --onnx FILE'),
  handler: (argv) => {
    const report = presetsReport();
    emit('presets', argv, report, () => printPresets(report));
  },
});

function printPresets(report: PresetsReport): string {
  const out: string[] = [];
  for (const preset of report.presets) {
    out.push(`${preset.name}: ${preset.description}`);
    out.push(
      renderTable(
        ['id', 'model', 'front end', 'input', 'parameters'],
        preset.entries.map((e) => [e.id, e.name, e.frontend, e.inputShape.join(' x '), e.params.toLocaleString('en-US')]),
        [false, false, false, false, true],
      ),
      '',
    );
  }
  out.push(
    'Use one with --model ID (train, profile); docs/models.md describes them.',
    '',
    'Or bring a model exported to ONNX (docs/onnx.md):',
    '  sedjoule import tagger.onnx --out tagger/            check the import: spec, weights, which nodes became which layer',
    '  sedjoule profile --onnx tagger.onnx --depth 1        its exact costs, layer by layer and per module',
    '  sedjoule train --onnx tagger.onnx --data DESED/      trained with sedjoule kernels (also sweep grids: {"onnx": "tagger.onnx"})',
  );
  return out.join('\n');
}
