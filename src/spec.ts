/**
 * The JSON-serialisable description of a network, built natively by `Network.create`.
 * Sizes are per sample: the batch dimension is implicit. Field meanings are in docs/spec.md.
 */
export type Pair = number | [number, number];

export type LayerSpec =
  | { type: 'conv2d'; out: number; kernel: Pair; stride?: Pair; padding?: Pair; bias?: boolean }
  | { type: 'batchnorm2d'; eps?: number; momentum?: number }
  | { type: 'relu' }
  | { type: 'sigmoid' }
  | { type: 'softmax'; axis?: number }
  | { type: 'glu' }
  | { type: 'maxpool2d'; kernel: Pair; stride?: Pair; padding?: Pair }
  | { type: 'avgpool2d'; kernel: Pair; stride?: Pair; padding?: Pair; countIncludePad?: boolean }
  | { type: 'dropout'; p: number }
  | { type: 'linear'; out: number; bias?: boolean }
  | { type: 'gru'; hidden: number; layers?: number; bidirectional?: boolean; bias?: boolean }
  | { type: 'flatten' }
  | { type: 'reshape'; shape: number[] }
  | { type: 'permute'; dims: number[] }
  | { type: 'last_step' }
  | { type: 'mean'; axis: number }
  | { type: 'attention_head'; classes: number };

export type LayerType = LayerSpec['type'];

export type OptimizerSpec =
  | { type: 'adam'; lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }
  | { type: 'sgd'; lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number };

export type LossSpec = 'bce-logits' | 'bce';

export interface NetworkSpec {
  /** Per-sample input shape, e.g. [1, 128, 64] for one mel spectrogram of 128 bands x 64 frames. */
  input: number[];
  layers: LayerSpec[];
  /** 'bce-logits' (default): the last layer gives logits; 'bce': it gives probabilities. */
  loss?: LossSpec;
  /** Default: Adam with lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
  optimizer?: OptimizerSpec;
  /** Seeds weight initialisation and dropout masks. Default 0. */
  seed?: number;
  /** Compute the input gradient of the first layer too (for kernel studies). Default false. */
  inputGradient?: boolean;
}
