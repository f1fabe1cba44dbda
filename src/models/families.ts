/**
 * The four tagger families of Douwes & Serizel (2024) as network specs, in two variants:
 *
 * - `faithful` reproduces the study's released code (ConstanceDws/toolbox_energy, src/model.py),
 *   quirks included, on its 1 x 128 x 64 input:
 *   1. every model ends in Linear -> Softmax over the classes and is trained with BCE on those
 *      probabilities (softmax under a multi-label loss: the scores of a clip sum to 1);
 *   2. the MLP flattens the 128 x 64 spectrogram to 8192 inputs;
 *   3. the RNN reads x.view(B, 1, -1): a GRU over ONE step of 8192 features (a gated MLP), its
 *      last (only) output feeding the classifier;
 *   4. the CRNN reshapes the conv output [hc, H', W'] with view(B, -1, hc), no permute: the
 *      "sequence" of length H'W' interleaves channels and positions; the classifier reads the
 *      GRU's last step only.
 * - `fixed` is the sound version: sigmoid outputs (BCE on logits), the RNN runs over the time
 *   frames, the CRNN runs its GRU over the time frames left after pooling and averages over time.
 */
import { SedjouleError } from '../errors.js';
import type { LayerSpec, LossSpec, NetworkSpec } from '../spec.js';

export type Architecture = 'mlp' | 'cnn' | 'rnn' | 'crnn';
export const ARCHITECTURES: Architecture[] = ['mlp', 'cnn', 'rnn', 'crnn'];
export type Variant = 'faithful' | 'fixed';
export const VARIANTS: Variant[] = ['faithful', 'fixed'];

export interface ModelConfig {
  arch: Architecture;
  /** 'fixed' unless said otherwise. */
  variant?: Variant;
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
  for (let l = 0; l < layers; ++l)
    out.push({ type: 'conv2d', out: width, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 });
  return out;
}

function checkPooling(layers: number, bands: number, frames: number): void {
  if (bands >> layers < 1 || frames >> layers < 1)
    throw new SedjouleError('E_USAGE', `${layers} pooling blocks do not fit an input of ${bands} x ${frames}`);
}

export function modelLayers(config: ModelConfig, ctx: ModelContext): LayerSpec[] {
  if (ctx.inputShape.length !== 3)
    throw new SedjouleError('E_SHAPE', `models expect an input [channels, bands, frames], got [${ctx.inputShape}]`);
  const [channels, bands, frames] = ctx.inputShape;
  const faithful = (config.variant ?? 'fixed') === 'faithful';
  // Faithful models end in a softmax over the classes (quirk 1).
  const head: LayerSpec[] = faithful ? [{ type: 'linear', out: ctx.classes }, { type: 'softmax' }] : [{ type: 'linear', out: ctx.classes }];
  switch (config.arch) {
    case 'mlp': {
      const layers = positive('layers', config.layers),
        width = positive('width', config.width);
      const out: LayerSpec[] = [{ type: 'flatten' }];
      for (let l = 0; l < layers; ++l) out.push({ type: 'linear', out: width }, { type: 'relu' });
      return [...out, ...head];
    }
    case 'cnn': {
      const layers = positive('layers', config.layers),
        width = positive('width', config.width);
      checkPooling(layers, bands, frames);
      return [...convBlocks(layers, width), { type: 'flatten' }, ...head];
    }
    case 'rnn': {
      const layers = positive('layers', config.layers),
        width = positive('width', config.width);
      if (faithful) {
        // Quirk 3: one step of every input value.
        return [
          { type: 'reshape', shape: [1, channels * bands * frames] },
          { type: 'gru', hidden: width, layers },
          { type: 'last_step' },
          ...head,
        ];
      }
      // [C, bands, frames] -> [frames, C * bands]: the GRU runs over time frames.
      return [
        { type: 'permute', dims: [2, 0, 1] },
        { type: 'reshape', shape: [frames, channels * bands] },
        { type: 'gru', hidden: width, layers },
        { type: 'mean', axis: 0 },
        ...head,
      ];
    }
    case 'crnn': {
      const lc = positive('conv-layers', config.convLayers),
        lr = positive('rnn-layers', config.rnnLayers);
      const hc = positive('conv-width', config.convWidth),
        hr = positive('rnn-width', config.rnnWidth);
      checkPooling(lc, bands, frames);
      const b = bands >> lc,
        f = frames >> lc;
      if (faithful) {
        // Quirk 4: view(B, -1, hc) of [hc, b, f] without permute, then the last step.
        return [
          ...convBlocks(lc, hc),
          { type: 'reshape', shape: [b * f, hc] },
          { type: 'gru', hidden: hr, layers: lr },
          { type: 'last_step' },
          ...head,
        ];
      }
      // conv output [hc, b, f] -> [f, hc * b]: time frames stay the sequence axis.
      return [
        ...convBlocks(lc, hc),
        { type: 'permute', dims: [2, 0, 1] },
        { type: 'reshape', shape: [f, hc * b] },
        { type: 'gru', hidden: hr, layers: lr },
        { type: 'mean', axis: 0 },
        ...head,
      ];
    }
  }
}

export function modelLoss(config: ModelConfig): LossSpec {
  return (config.variant ?? 'fixed') === 'faithful' ? 'bce' : 'bce-logits';
}

export function modelSpec(config: ModelConfig, ctx: ModelContext): NetworkSpec {
  return {
    input: ctx.inputShape,
    layers: modelLayers(config, ctx),
    loss: modelLoss(config),
    optimizer: { type: 'adam', lr: 1e-3 },
    seed: ctx.seed,
  };
}

export function describeModel(config: ModelConfig): string {
  const body =
    config.arch === 'crnn'
      ? `crnn conv ${config.convLayers}x${config.convWidth} rnn ${config.rnnLayers}x${config.rnnWidth}`
      : `${config.arch} ${config.layers}x${config.width}`;
  return `${body} (${config.variant ?? 'fixed'})`;
}
