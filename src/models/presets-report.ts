/**
 * The named models (paper43:1..43, dcase-crnn), each with its configuration,
 * its front end and its exact parameter count. Counts come from Network.inspect, which builds the
 * description without allocating the weights, so listing the 553 M-parameter MLP costs nothing.
 */
import { clipInfo } from '../frontend/clip.js';
import type { FrontendPreset } from '../frontend/extractor.js';
import { Network } from '../network.js';
import { PRESETS, modelRefSpec, type ModelRef } from './presets.js';

export interface PresetRow {
  id: string;
  name: string;
  model: ModelRef;
  frontend: FrontendPreset;
  inputShape: number[];
  params: number;
}

export interface PresetsReport {
  presets: Array<{ name: string; description: string; entries: PresetRow[] }>;
}

export function presetsReport(classes = 10, seed = 1): PresetsReport {
  const inputs = new Map<FrontendPreset, number[]>();
  const inputOf = (frontend: FrontendPreset) => {
    if (!inputs.has(frontend)) inputs.set(frontend, clipInfo(frontend).inputShape);
    return inputs.get(frontend)!;
  };
  return {
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
