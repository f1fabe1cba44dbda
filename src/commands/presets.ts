/** `sedjoule presets`: the table of named models (src/models/presets-report.ts). */
import { renderTable } from '../format/table.js';
import type { PresetsReport } from '../models/presets-report.js';

export function printPresets(report: PresetsReport): string {
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
