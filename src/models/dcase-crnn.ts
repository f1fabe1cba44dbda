/**
 * The DCASE 2023 task 4 baseline CRNN (DESED_task, desed_task/nnet/CNN.py and CRNN.py) as a
 * spec, for the dcase front end's [1, mels, frames] features:
 *
 *   transpose to [1, frames, mels] (the baseline's x.transpose(1, 2).unsqueeze(1));
 *   7 blocks: conv 3x3 (padding 1) -> batch norm (eps 0.001, momentum 0.99: the baseline passes a
 *     Keras-style momentum to PyTorch, which weighs the new batch 0.99) -> GLU (a linear gate over
 *     channels) -> dropout 0.5 -> average pooling (time, frequency) [2,2], [2,2], then [1,2] x 5;
 *     channels 16, 32, 64, 128, 128, 128, 128;
 *   the frequency axis is then 1: [128, T, 1] -> [T, 128];
 *   a 2-layer bidirectional GRU of 128 per direction, dropout 0.5;
 *   the heads: frame-level sigmoid(dense) and the attention-pooled clip-level output
 *     (softmax over classes, clamped, weighting the frame-level outputs), trained with BCE on the
 *     clip-level probabilities.
 * 1,112,420 trainable parameters, as published.
 *
 * `options` change the widths only (the same code with DESED_task's nb_filters and n_RNN_cell
 * set otherwise): small instances for tests against PyTorch (scripts/make-desed-crnn-fixture.py).
 */
import { SedjouleError } from '../errors.js';
import type { LayerSpec, NetworkSpec } from '../spec.js';

const FILTERS = [16, 32, 64, 128, 128, 128, 128];
const POOLS: Array<[number, number]> = [
  [2, 2],
  [2, 2],
  [1, 2],
  [1, 2],
  [1, 2],
  [1, 2],
  [1, 2],
];

export interface DcaseCrnnOptions {
  /** Channels of the 7 conv blocks (nb_filters); default [16, 32, 64, 128, 128, 128, 128]. */
  filters?: number[];
  /** GRU hidden size per direction (n_RNN_cell); default 128. */
  rnnHidden?: number;
}

export function dcaseCrnnLayers(mels: number, frames: number, classes: number, options: DcaseCrnnOptions = {}): LayerSpec[] {
  const filters = options.filters ?? FILTERS;
  if (filters.length !== POOLS.length)
    throw new SedjouleError('E_SPEC', `dcase-crnn: filters has ${filters.length} entries, the baseline has ${POOLS.length} conv blocks`);
  const layers: LayerSpec[] = [{ type: 'permute', dims: [0, 2, 1] }];
  filters.forEach((out, i) => {
    layers.push(
      { type: 'conv2d', out, kernel: 3, padding: 1 },
      { type: 'batchnorm2d', eps: 0.001, momentum: 0.99 },
      { type: 'glu' },
      { type: 'dropout', p: 0.5 },
      { type: 'avgpool2d', kernel: POOLS[i] },
    );
  });
  let t = frames,
    f = mels;
  for (const [pt, pf] of POOLS) {
    t = Math.floor(t / pt);
    f = Math.floor(f / pf);
  }
  layers.push(
    { type: 'permute', dims: [1, 0, 2] },
    { type: 'reshape', shape: [t, filters[filters.length - 1] * f] },
    { type: 'gru', hidden: options.rnnHidden ?? 128, layers: 2, bidirectional: true },
    { type: 'dropout', p: 0.5 },
    { type: 'attention_head', classes },
  );
  return layers;
}

/** inputShape: [1, mels, frames] from the front end (dcase: [1, 128, 626]). */
export function dcaseCrnnSpec(inputShape: number[], classes: number, seed: number, options: DcaseCrnnOptions = {}): NetworkSpec {
  const [, mels, frames] = inputShape;
  return {
    input: inputShape,
    layers: dcaseCrnnLayers(mels, frames, classes, options),
    loss: 'bce',
    optimizer: { type: 'adam', lr: 1e-3, betas: [0.9, 0.999] },
    seed,
  };
}
