/**
 * Named models and grids:
 * - `paper43`: the 43 (family, layers, widths) configurations of Douwes & Serizel (2024), as
 *   launched by launch_experiment.sh of the authors' code (ConstanceDws/toolbox_energy @4c6f87d2), in the
 *   faithful variant on the toolbox front end (1 x 128 x 64);
 * - `dcase-crnn`: the DCASE 2023 task 4 baseline CRNN on the dcase front end (1 x 128 x 626);
 * - `demo`: the grid of `sedjoule demo`, three small configurations per family.
 * `paper43:N` (`demo:N`) names the N-th configuration (1-based, in the order below).
 */
import { SedjouleError } from '../errors.js';
import type { FrontendPreset } from '../frontend/extractor.js';
import { importOnnx, type OnnxImport } from '../onnx/import.js';
import type { LossSpec, NetworkSpec } from '../spec.js';
import { dcaseCrnnSpec } from './dcase-crnn.js';
import { describeModel, modelSpec, type ModelConfig, type ModelContext } from './families.js';

/** An imported ONNX model (docs/onnx.md): the file, the shape for its symbolic axes, its loss. */
export interface OnnxModelRef {
  kind: 'onnx';
  path: string;
  inputShape?: number[];
  loss?: LossSpec;
  /** The file's SHA-256 (hex) when the reference was made: records say which bytes were measured. */
  sha256?: string;
}

export type ModelRef = { kind: 'family'; config: ModelConfig } | { kind: 'dcase-crnn' } | OnnxModelRef;

export interface PresetEntry {
  /** e.g. "paper43:7", "dcase-crnn". */
  id: string;
  name: string;
  model: ModelRef;
  /** The front end the model was defined for. */
  frontend: FrontendPreset;
}

export interface Preset {
  name: string;
  description: string;
  entries: PresetEntry[];
}

const mlp = (layers: number, width: number): ModelConfig => ({ arch: 'mlp', variant: 'faithful', layers, width });
const cnn = (layers: number, width: number): ModelConfig => ({ arch: 'cnn', variant: 'faithful', layers, width });
const rnn = (layers: number, width: number): ModelConfig => ({ arch: 'rnn', variant: 'faithful', layers, width });
const crnn = (convLayers: number, rnnLayers: number, convWidth: number, rnnWidth: number): ModelConfig => ({
  arch: 'crnn',
  variant: 'faithful',
  convLayers,
  rnnLayers,
  convWidth,
  rnnWidth,
});

/** The study's grid: 10 MLP, 12 CNN, 11 GRU, 10 CRNN. "728" is in the released code (probably 768). */
export const PAPER43_CONFIGS: ModelConfig[] = [
  mlp(1, 512),
  mlp(1, 1024),
  mlp(4, 1024),
  mlp(1, 2048),
  mlp(4, 2048),
  mlp(4, 4096),
  mlp(6, 4096),
  mlp(10, 4096),
  mlp(16, 4096),
  mlp(32, 4096),
  cnn(1, 128),
  cnn(1, 256),
  cnn(1, 512),
  cnn(1, 1024),
  cnn(2, 128),
  cnn(2, 256),
  cnn(2, 384),
  cnn(2, 512),
  cnn(2, 768),
  cnn(2, 1024),
  cnn(6, 384),
  cnn(6, 768),
  rnn(1, 128),
  rnn(1, 512),
  rnn(1, 1024),
  rnn(4, 1024),
  rnn(6, 1024),
  rnn(1, 2048),
  rnn(2, 2048),
  rnn(4, 2048),
  rnn(6, 2048),
  rnn(10, 2048),
  rnn(14, 2048),
  crnn(1, 1, 64, 64),
  crnn(2, 1, 64, 64),
  crnn(1, 2, 64, 64),
  crnn(1, 1, 256, 64),
  crnn(1, 1, 512, 256),
  crnn(1, 2, 512, 256),
  crnn(2, 1, 512, 256),
  crnn(1, 2, 1024, 256),
  crnn(2, 2, 728, 256),
  crnn(2, 2, 1024, 256),
];

/**
 * `sedjoule demo`'s grid: three configurations per family in the fixed variant, each family
 * spanning about two decades of counted FLOPs, so the log-log fits have a range to fit, while a
 * 2-epoch sweep on 160 synthetic clips stays well within 10 minutes on 2 cores.
 */
export const DEMO_CONFIGS: ModelConfig[] = [
  { arch: 'mlp', variant: 'fixed', layers: 1, width: 64 },
  { arch: 'mlp', variant: 'fixed', layers: 2, width: 512 },
  { arch: 'mlp', variant: 'fixed', layers: 4, width: 2048 },
  { arch: 'cnn', variant: 'fixed', layers: 1, width: 16 },
  { arch: 'cnn', variant: 'fixed', layers: 2, width: 32 },
  { arch: 'cnn', variant: 'fixed', layers: 3, width: 96 },
  { arch: 'rnn', variant: 'fixed', layers: 1, width: 32 },
  { arch: 'rnn', variant: 'fixed', layers: 1, width: 128 },
  { arch: 'rnn', variant: 'fixed', layers: 2, width: 384 },
  { arch: 'crnn', variant: 'fixed', convLayers: 1, rnnLayers: 1, convWidth: 16, rnnWidth: 32 },
  { arch: 'crnn', variant: 'fixed', convLayers: 2, rnnLayers: 1, convWidth: 32, rnnWidth: 64 },
  { arch: 'crnn', variant: 'fixed', convLayers: 3, rnnLayers: 2, convWidth: 96, rnnWidth: 192 },
];

export const PRESETS: Record<string, Preset> = {
  paper43: {
    name: 'paper43',
    description: "Douwes & Serizel's 43 configurations (faithful variant, toolbox front end, 1 x 128 x 64)",
    entries: PAPER43_CONFIGS.map((config, i) => ({
      id: `paper43:${i + 1}`,
      name: describeModel(config),
      model: { kind: 'family', config },
      frontend: 'toolbox',
    })),
  },
  'dcase-crnn': {
    name: 'dcase-crnn',
    description: 'the DCASE 2023 task 4 baseline CRNN (dcase front end, 1 x 128 x 626; 1,112,420 parameters)',
    entries: [{ id: 'dcase-crnn', name: 'dcase-crnn', model: { kind: 'dcase-crnn' }, frontend: 'dcase' }],
  },
  demo: {
    name: 'demo',
    description: 'sedjoule demo: three small configurations of each family (fixed variant, toolbox front end, 1 x 128 x 64)',
    entries: DEMO_CONFIGS.map((config, i) => ({
      id: `demo:${i + 1}`,
      name: describeModel(config),
      model: { kind: 'family', config },
      frontend: 'toolbox',
    })),
  },
};

/** "dcase-crnn" or "paper43:N" (1-based); E_USAGE naming what exists otherwise. */
export function namedModel(name: string): PresetEntry {
  if (PRESETS[name] && PRESETS[name].entries.length === 1) return PRESETS[name].entries[0];
  const match = /^([a-z0-9-]+):(\d+)$/.exec(name);
  const preset = match ? PRESETS[match[1]] : undefined;
  if (preset && match) {
    const n = Number(match[2]);
    if (n >= 1 && n <= preset.entries.length) return preset.entries[n - 1];
    throw new SedjouleError('E_USAGE', `${name}: ${preset.name} has configurations 1 to ${preset.entries.length}`);
  }
  throw new SedjouleError(
    'E_USAGE',
    `unknown model '${name}': use dcase-crnn or paper43:N (N from 1 to ${PAPER43_CONFIGS.length}); see sedjoule presets`,
  );
}

export function presetNamed(name: string): Preset {
  const preset = PRESETS[name];
  if (!preset) throw new SedjouleError('E_USAGE', `unknown preset '${name}' (known: ${Object.keys(PRESETS).join(', ')})`);
  return preset;
}

/** A model's spec, and for an imported model the weights it comes with (by weights-file name). */
export interface ModelNetwork {
  spec: NetworkSpec;
  weights?: Record<string, Float32Array>;
}

/**
 * The network of a model for an input and a number of classes. An imported model has its own
 * input shape and outputs: E_SHAPE when they are not the data's.
 */
export function modelRefNetwork(model: ModelRef, ctx: ModelContext): ModelNetwork {
  if (model.kind === 'dcase-crnn') return { spec: dcaseCrnnSpec(ctx.inputShape, ctx.classes, ctx.seed) };
  if (model.kind === 'family') return { spec: modelSpec(model.config, ctx) };
  const imported = importedModel(model);
  if (imported.inputShape.join() !== ctx.inputShape.join()) {
    throw new SedjouleError(
      'E_SHAPE',
      `${model.path} takes per-sample input [${imported.inputShape}], but the data gives [${ctx.inputShape}] (choose the front end, --input or --input-shape to match)`,
    );
  }
  if (imported.outputShape.join() !== String(ctx.classes)) {
    throw new SedjouleError(
      'E_SHAPE',
      `${model.path} gives per-sample output [${imported.outputShape}], but the data has ${ctx.classes} classes`,
    );
  }
  return { spec: { ...imported.spec, seed: ctx.seed }, weights: imported.weights };
}

export function modelRefSpec(model: ModelRef, ctx: ModelContext): NetworkSpec {
  return modelRefNetwork(model, ctx).spec;
}

/** An ONNX model imported once per process and reference (sweeps and checks ask again). */
const imports = new Map<string, OnnxImport>();
export function importedModel(model: OnnxModelRef): OnnxImport {
  const key = JSON.stringify(model);
  let found = imports.get(key);
  if (!found) {
    found = importOnnx(model.path, { inputShape: model.inputShape, loss: model.loss });
    imports.set(key, found);
  }
  return found;
}

export function describeModelRef(model: ModelRef): string {
  if (model.kind === 'onnx') return `onnx ${model.path}`;
  return model.kind === 'dcase-crnn' ? 'dcase-crnn' : describeModel(model.config);
}
