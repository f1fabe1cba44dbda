/**
 * The four tagger families of Douwes & Serizel (2024) as network specs, in their sound ("fixed")
 * form: sigmoid outputs trained with BCE on logits, recurrent layers run over time frames.
 * Input: one mel spectrogram [1, bands, frames]; output: one logit per class.
 */
import { SedjouleError } from '../errors.js';
import type { LayerSpec, NetworkSpec } from '../spec.js';

export type Architecture = 'mlp' | 'cnn' | 'rnn' | 'crnn';
export const ARCHITECTURES: Architecture[] = ['mlp', 'cnn', 'rnn', 'crnn'];

export interface ModelConfig {
  arch: Architecture;
  /** Layers (MLP hidden layers, CNN conv blocks, GRU layers). */
  layers?: number;
  /** Width (MLP units, CNN channels, GRU hidden size). */
  width?: number;
  /** CRNN only. */
  convLayers?: number;
  rnnLayers?: number;
  convWidth?: number;
  rnnWidth?: number;
}

export interface ModelContext {
  inputShape: number[];
  classes: number;
  seed: number;
}

function positive(name: string, value: number | undefined): number {
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    throw new SedjouleError('E_USAGE', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** L conv blocks: 3x3 conv (padding 1) + ReLU + 2x2 max-pool. */
function convBlocks(layers: number, width: number): LayerSpec[] {
  const out: LayerSpec[] = [];
  for (let l = 0; l < layers; ++l) out.push({ type: 'conv2d', out: width, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 });
  return out;
}

export function modelLayers(config: ModelConfig, ctx: ModelContext): LayerSpec[] {
  const [channels, bands, frames] = ctx.inputShape;
  if (ctx.inputShape.length !== 3) throw new SedjouleError('E_SHAPE', `models expect an input [channels, bands, frames], got [${ctx.inputShape}]`);
  switch (config.arch) {
    case 'mlp': {
      const layers = positive('layers', config.layers), width = positive('width', config.width);
      const out: LayerSpec[] = [{ type: 'flatten' }];
      for (let l = 0; l < layers; ++l) out.push({ type: 'linear', out: width }, { type: 'relu' });
      out.push({ type: 'linear', out: ctx.classes });
      return out;
    }
    case 'cnn': {
      const layers = positive('layers', config.layers), width = positive('width', config.width);
      if (bands >> layers < 1 || frames >> layers < 1) throw new SedjouleError('E_USAGE', `${layers} pooling blocks do not fit an input of ${bands}x${frames}`);
      return [...convBlocks(layers, width), { type: 'flatten' }, { type: 'linear', out: ctx.classes }];
    }
    case 'rnn': {
      const layers = positive('layers', config.layers), width = positive('width', config.width);
      // [C, bands, frames] -> [frames, C * bands]: the GRU runs over time frames.
      return [
        { type: 'permute', dims: [2, 0, 1] },
        { type: 'reshape', shape: [frames, channels * bands] },
        { type: 'gru', hidden: width, layers },
        { type: 'mean', axis: 0 },
        { type: 'linear', out: ctx.classes },
      ];
    }
    case 'crnn': {
      const lc = positive('conv-layers', config.convLayers), lr = positive('rnn-layers', config.rnnLayers);
      const hc = positive('conv-width', config.convWidth), hr = positive('rnn-width', config.rnnWidth);
      if (bands >> lc < 1 || frames >> lc < 1) throw new SedjouleError('E_USAGE', `${lc} pooling blocks do not fit an input of ${bands}x${frames}`);
      const b = bands >> lc, f = frames >> lc;
      // conv output [hc, b, f] -> [f, hc * b]: time frames stay the sequence axis.
      return [
        ...convBlocks(lc, hc),
        { type: 'permute', dims: [2, 0, 1] },
        { type: 'reshape', shape: [f, hc * b] },
        { type: 'gru', hidden: hr, layers: lr },
        { type: 'mean', axis: 0 },
        { type: 'linear', out: ctx.classes },
      ];
    }
  }
}

export function modelSpec(config: ModelConfig, ctx: ModelContext): NetworkSpec {
  return {
    input: ctx.inputShape,
    layers: modelLayers(config, ctx),
    loss: 'bce-logits',
    optimizer: { type: 'adam', lr: 1e-3 },
    seed: ctx.seed,
  };
}

export function describeModel(config: ModelConfig): string {
  return config.arch === 'crnn'
    ? `crnn conv ${config.convLayers}x${config.convWidth} rnn ${config.rnnLayers}x${config.rnnWidth}`
    : `${config.arch} ${config.layers}x${config.width}`;
}
