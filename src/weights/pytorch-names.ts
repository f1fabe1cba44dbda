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
 *   `dcase-crnn` preset (src/models/dcase-crnn.ts);
 * - `toolbox-energy`: the study's DynamicMLP, DynamicCNN, DynamicRNN and DynamicCRNN
 *   (ConstanceDws/toolbox_energy, src/model.py at commit 4c6f87d2d7cfbaee2a8dcf1f2c9b6df2bc5b521b),
 *   as built by the paper43 families (src/models/families.ts).
 */
export type WeightNames = 'sedjoule' | 'desed-crnn' | 'toolbox-energy';
export const WEIGHT_NAMES: WeightNames[] = ['sedjoule', 'desed-crnn', 'toolbox-energy'];

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

/**
 * toolbox_energy's names: the conv blocks are nn.ModuleList `conv_layers` of [Conv2d, ReLU,
 * MaxPool2d] per block (Conv2d k at 3k); the GRU is `rnn`; the classifier `fc`, except in
 * DynamicMLP, whose ModuleList `layers` holds [Linear, ReLU] per hidden layer then the output
 * Linear and Softmax (Linear k at 2k). `hasFc`: the network has a conv2d or a gru (not the MLP).
 */
function toolboxEnergyParts(
  layer: LayerTensors,
  convs: number,
  linears: number,
  hasFc: boolean,
  param: string,
  shape: number[],
): NamedPart[] {
  switch (layer.type) {
    case 'conv2d':
      return [{ name: `conv_layers.${3 * convs}.${param}`, shape }];
    case 'gru':
      return gruParts('rnn.', param, shape);
    case 'linear':
      if (!hasFc) return [{ name: `layers.${2 * linears}.${param}`, shape }];
      if (linears > 0)
        throw new SedjouleError(
          'E_VALUE',
          `layer ${layer.index} (linear) is a second linear layer; toolbox_energy's conv and GRU models have one, fc`,
        );
      return [{ name: `fc.${param}`, shape }];
    default:
      throw new SedjouleError(
        'E_VALUE',
        `layer ${layer.index} (${layer.type}) has parameters but no name in toolbox_energy's models (conv2d, gru, linear have)`,
      );
  }
}

/** Every tensor of a network with its names in `names`. */
export function tensorMappings(layers: LayerTensors[], names: WeightNames): TensorMapping[] {
  const out: TensorMapping[] = [];
  const hasFc = layers.some((l) => l.type === 'conv2d' || l.type === 'gru');
  let convs = 0,
    linears = 0;
  for (const layer of layers) {
    for (const t of layer.tensors) {
      const sedjoule = weightName(layer.index, t.name);
      const parts =
        names === 'sedjoule'
          ? [{ name: sedjoule, shape: t.shape }]
          : names === 'desed-crnn'
            ? desedCrnnParts(layer, convs - (layer.type === 'conv2d' ? 0 : 1), t.name, t.shape)
            : toolboxEnergyParts(layer, convs, linears, hasFc, t.name, t.shape);
      out.push({ sedjoule, shape: t.shape, parts });
    }
    if (layer.type === 'conv2d') ++convs;
    if (layer.type === 'linear') ++linears;
  }
  return out;
}
