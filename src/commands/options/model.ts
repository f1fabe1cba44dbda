/** The command-line options that choose a model, shared by train and profile. */
import type { Argv } from 'yargs';

import type { FrontendPreset } from '../frontend/extractor.js';
import { ARCHITECTURES, VARIANTS, type Architecture, type Variant } from '../models/families.js';
import { namedModel, type ModelRef } from '../models/presets.js';

export function withModelOptions<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', describe: 'A named model: dcase-crnn, or paper43:N (N from 1 to 43); see sedjoule presets' })
    .option('arch', { choices: ARCHITECTURES, default: 'cnn' as Architecture, describe: 'Model family (without --model)' })
    .option('variant', { choices: VARIANTS, default: 'fixed' as Variant, describe: "'faithful' keeps the study's code quirks; 'fixed' is the sound version (docs/models.md)" })
    .option('layers', { type: 'number', default: 2, describe: 'Layers (MLP hidden layers, CNN blocks, GRU layers)' })
    .option('width', { type: 'number', default: 64, describe: 'Width (MLP units, CNN channels, GRU hidden size)' })
    .option('conv-layers', { type: 'number', default: 2, describe: 'CRNN: conv blocks' })
    .option('rnn-layers', { type: 'number', default: 1, describe: 'CRNN: GRU layers' })
    .option('conv-width', { type: 'number', default: 64, describe: 'CRNN: conv channels' })
    .option('rnn-width', { type: 'number', default: 64, describe: 'CRNN: GRU hidden size' });
}

export interface ModelArgs {
  model?: string;
  arch: Architecture;
  variant: Variant;
  layers: number;
  width: number;
  'conv-layers': number;
  'rnn-layers': number;
  'conv-width': number;
  'rnn-width': number;
}

/** The model, and the front end it was defined for (a named model's, else dcase). */
export function modelChoice(argv: ModelArgs): { model: ModelRef; frontend: FrontendPreset } {
  if (argv.model) {
    const entry = namedModel(argv.model);
    return { model: entry.model, frontend: entry.frontend };
  }
  return {
    model: {
      kind: 'family',
      config: {
        arch: argv.arch,
        variant: argv.variant,
        layers: argv.layers,
        width: argv.width,
        convLayers: argv['conv-layers'],
        rnnLayers: argv['rnn-layers'],
        convWidth: argv['conv-width'],
        rnnWidth: argv['rnn-width'],
      },
    },
    frontend: 'dcase',
  };
}
