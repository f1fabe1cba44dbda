/**
 * `sedjoule presets`: the named models (paper43:1..43, dcase-crnn), each with its configuration,
 * its front end and its exact parameter count. Counts come from Network.inspect, which builds the
 * description without allocating the weights, so listing the 553 M-parameter MLP costs nothing.
 */
import { clipInfo } from './profile.js';
import { renderTable } from '../format/table.js';
import type { FrontendPreset } from '../frontend/extractor.js';
import { PRESETS, modelRefSpec, type ModelRef } from '../models/presets.js';
import { Network } from '../network.js';

export interface PresetRow {
  id: string;
  name: string;
  model: ModelRef;
  frontend: FrontendPreset;
  inputShape: number[];
  params: number;
}

export interface PresetsReport {
  command: 'presets';
  presets: Array<{ name: string; description: string; entries: PresetRow[] }>;
}

export function presetsReport(classes = 10, seed = 1): PresetsReport {
  const inputs = new Map<FrontendPreset, number[]>();
  const inputOf = (frontend: FrontendPreset) => {
    if (!inputs.has(frontend)) inputs.set(frontend, clipInfo(frontend).inputShape);
    return inputs.get(frontend)!;
  };
  return {
    command: 'presets',
    presets: Object.values(PRESETS).map((preset) => ({
      name: preset.name,
      description: preset.description,
      entries: preset.entries.map((entry) => {
        const inputShape = inputOf(entry.frontend);
        const params = Network.inspect(modelRefSpec(entry.model, { inputShape, classes, seed })).parameters;
        return { id: entry.id, name: entry.name, model: entry.model, frontend: entry.frontend, inputShape, params };
      }),
    })),
  };
}

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
