/**
 * How sedjoule's weights-file names (`layers.<index>.<param>`) map to the names of a PyTorch
 * `state_dict`, per model family (docs/weights.md has the tables).
 *
 * A sedjoule tensor is one or more PyTorch tensors stacked along axis 0: a bidirectional gru keeps
 * both directions in one [2, 3H, I] tensor where nn.GRU has `weight_ih_l0` and
 * `weight_ih_l0_reverse`, each [3H, I]. Everything else is one tensor of the same layout (conv2d
 * [out, in, kh, kw], nn.Linear [out, in], batch-norm vectors).
 */
import { SedjouleError } from '../errors.js';
import { weightName } from '../spec.js';

/**
 * - `sedjoule`: sedjoule's own names, `layers.<index>.<param>`, shapes as sedjoule stores them;
 * - `desed-crnn`: the DCASE 2023 task 4 baseline CRNN of DESED_task (desed_task/nnet/CRNN.py,
 *   CNN.py, RNN.py at commit f7dc296e39b09ef26bd05f27b1c720cbc6208bb1), as built by the
 *   `dcase-crnn` preset (src/models/dcase-crnn.ts).
 */
export type WeightNames = 'sedjoule' | 'desed-crnn';
export const WEIGHT_NAMES: WeightNames[] = ['sedjoule', 'desed-crnn'];

/** A layer's parameters and buffers as the network describes them. */
export interface LayerTensors {
  index: number;
  type: string;
  tensors: Array<{ name: string; shape: number[] }>;
}

export interface NamedPart {
  name: string;
  shape: number[];
}

/** One sedjoule tensor and the PyTorch tensors it is made of, stacked along axis 0. */
export interface TensorMapping {
  sedjoule: string;
  shape: number[];
  parts: NamedPart[];
}

/**
 * state_dict entries that are not weights: BatchNorm's `num_batches_tracked` counts training
 * steps (only read when momentum is None, which the baseline never sets); it is skipped on load
 * and not written.
 */
export function isIgnoredPytorchName(name: string): boolean {
  return name.endsWith('.num_batches_tracked');
}

/** A gru tensor [D, ...] as nn.GRU's per-direction tensors: `<param>` and `<param>_reverse`. */
function gruParts(prefix: string, param: string, shape: number[]): NamedPart[] {
  const [directions, ...rest] = shape;
  if (directions === 1) return [{ name: `${prefix}${param}`, shape: rest }];
  return [
    { name: `${prefix}${param}`, shape: rest },
    { name: `${prefix}${param}_reverse`, shape: rest },
  ];
}

/**
 * DESED_task's names: CRNN.cnn is CNN, whose nn.Sequential `cnn` holds conv{i}, batchnorm{i},
 * glu{i} (GLU.linear), dropout{i}, pooling{i} for block i (CNN.py, CNN.__init__.conv); CRNN.rnn
 * is BidirectionalGRU, whose nn.GRU is `rnn` (RNN.py); the heads are CRNN.dense and
 * CRNN.dense_softmax (CRNN.py). Block i is counted by the conv2d layers seen so far.
 */
function desedCrnnParts(layer: LayerTensors, block: number, param: string, shape: number[]): NamedPart[] {
  if (block < 0 && (layer.type === 'batchnorm2d' || layer.type === 'glu'))
    throw new SedjouleError(
      'E_VALUE',
      `layer ${layer.index} (${layer.type}) comes before any conv2d: it belongs to no block of the DESED CRNN`,
    );
  switch (layer.type) {
    case 'conv2d':
      return [{ name: `cnn.cnn.conv${block}.${param}`, shape }];
    case 'batchnorm2d':
      return [{ name: `cnn.cnn.batchnorm${block}.${param}`, shape }];
    case 'glu':
      return [{ name: `cnn.cnn.glu${block}.${param}`, shape }];
    case 'gru':
      return gruParts('rnn.rnn.', param, shape);
    case 'attention_head':
      return [{ name: param, shape }];
    default:
      throw new SedjouleError(
        'E_VALUE',
        `layer ${layer.index} (${layer.type}) has parameters but no name in the DESED CRNN's state_dict (conv2d, batchnorm2d, glu, gru, attention_head have)`,
      );
  }
}

/** Every tensor of a network with its names in `names`. */
export function tensorMappings(layers: LayerTensors[], names: WeightNames): TensorMapping[] {
  const out: TensorMapping[] = [];
  let convs = 0;
  for (const layer of layers) {
    if (layer.type === 'conv2d') ++convs;
    for (const t of layer.tensors) {
      const sedjoule = weightName(layer.index, t.name);
      const parts = names === 'sedjoule' ? [{ name: sedjoule, shape: t.shape }] : desedCrnnParts(layer, convs - 1, t.name, t.shape);
      out.push({ sedjoule, shape: t.shape, parts });
    }
  }
  return out;
}
