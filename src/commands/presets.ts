/** `sedjoule presets`: the table of named models (src/models/presets-report.ts). */
import { renderTable } from '../format/table.js';
import { presetsReport, type PresetsReport } from '../models/presets-report.js';
import { defineCommand } from './command.js';
import { emit } from './options/output.js';

export const presetsCommand = defineCommand({
  command: 'presets',
  describe: 'The named models (paper43:1..43, dcase-crnn, demo): configuration, front end, input shape and parameter count',
  builder: (c) => c.example('$0 presets', 'every named model; use one with --model ID'),
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
  out.push('Use one with --model ID (train, profile); docs/models.md describes them.');
  return out.join('\n');
}
