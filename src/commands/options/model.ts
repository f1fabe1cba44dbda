/** The options that choose a model (train, profile, kernel-energy; sweep grid files use their names). */
import type { Argv } from 'yargs';

import { SedjouleError } from '../../errors.js';
import type { FrontendPreset } from '../../frontend/extractor.js';
import { ARCHITECTURES, VARIANTS, type Architecture, type Variant } from '../../models/families.js';
import { namedModel, type ModelRef } from '../../models/presets.js';
import { withFrontendOption, withSeedOption } from './data.js';
import { numberOption } from './numbers.js';
import { onnxChoice, type OnnxArgs } from './onnx.js';

const MODEL_OPTIONS = ['model', 'arch', 'variant', 'layers', 'width', 'conv-layers', 'rnn-layers', 'conv-width', 'rnn-width'];

export function withModelOptions<T>(y: Argv<T>) {
  return y
    .option('model', {
      type: 'string',
      requiresArg: true,
      describe: 'A named model: dcase-crnn, or paper43:N (N from 1 to 43); see sedjoule presets',
    })
    .option('arch', { choices: ARCHITECTURES, default: 'cnn' as Architecture, describe: 'Model family (without --model)' })
    .option('variant', {
      choices: VARIANTS,
      default: 'fixed' as Variant,
      describe: "'faithful' keeps the study's code quirks; 'fixed' is the sound version (docs/models.md)",
    })
    .option('layers', numberOption('layers', 'Layers (MLP hidden layers, CNN blocks, GRU layers)', 2))
    .option('width', numberOption('width', 'Width (MLP units, CNN channels, GRU hidden size)', 64))
    .option('conv-layers', numberOption('conv-layers', 'CRNN: conv blocks', 2))
    .option('rnn-layers', numberOption('rnn-layers', 'CRNN: GRU layers', 1))
    .option('conv-width', numberOption('conv-width', 'CRNN: conv channels', 64))
    .option('rnn-width', numberOption('rnn-width', 'CRNN: GRU hidden size', 64))
    .group(MODEL_OPTIONS, 'Model:');
}

/** A model built for one seeded random input of its front end's shape (profile, kernel-energy). */
export function withModelInputOptions<T>(y: Argv<T>) {
  return withSeedOption(withFrontendOption(withModelOptions(y)), 'Seed for the weights, the random input and dropout')
    .option('classes', numberOption('classes', 'Output classes (DESED: 10)', 10))
    .group(['frontend', 'classes', 'seed'], 'Input:');
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

/**
 * The model, and the front end it was defined for (a named model's, else dcase). `base`: the
 * folder a relative --onnx path is read from (a grid file's), default the working directory.
 */
export function modelChoice(argv: ModelArgs & OnnxArgs, base?: string): { model: ModelRef; frontend: FrontendPreset } {
  const onnx = onnxChoice(argv, base);
  if (onnx) {
    if (argv.model) throw new SedjouleError('E_USAGE', '--onnx and --model both name a model: give one');
    return { model: onnx, frontend: 'dcase' };
  }
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
