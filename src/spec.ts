/**
 * The JSON-serialisable description of a network, built natively by `Network.create`.
 * Sizes are per sample: the batch dimension is implicit. Field meanings are in docs/spec.md.
 */
import { SedjouleError } from './errors.js';

export type Pair = number | [number, number];
/** Convolution padding: one value for every side, `[height, width]`, or `[top, left, bottom, right]` (ONNX `pads` order). */
export type Padding2d = number | [number, number] | [number, number, number, number];

/** A parameter operand of add/sub/mul/div: `y = x op p` (`p op x` with `first`), shared by the batch. */
export interface OperandSpec {
  shape: number[];
  /** Starting value of every element. Default 0 for add and sub, 1 for mul and div. */
  init?: number;
  /** Default true. */
  trainable?: boolean;
  /** Put the parameter on the left: `p - x`, `p / x`. Default false. */
  first?: boolean;
}

/** A binary element-wise layer: two graph inputs, or one input and an own parameter operand. */
export type BinarySpec = { type: 'add' | 'sub' | 'mul' | 'div'; operand?: OperandSpec };

/** Fields every layer may carry in a graph network (docs/spec.md, "Graphs"). */
export interface GraphFields {
  /** Unique; not "input", "loss" or "output". Default "<index>:<type>", the ledger label. */
  name?: string;
  /** Tensors read: "input" or earlier layers' names. Default: the previous layer's output. */
  inputs?: string[];
}

/** One layer: the fields of its type, and the graph fields. */
export type LayerSpec = LayerFields & GraphFields;

export type LayerFields =
  | { type: 'conv2d'; out: number; kernel: Pair; stride?: Pair; padding?: Padding2d; dilation?: Pair; groups?: number; bias?: boolean }
  | {
      type: 'conv1d';
      out: number;
      kernel: number;
      stride?: number;
      /** One value for both ends, or `[left, right]`. */
      padding?: number | [number, number];
      dilation?: number;
      groups?: number;
      bias?: boolean;
    }
  | { type: 'batchnorm2d'; eps?: number; momentum?: number }
  | { type: 'relu' }
  | { type: 'sigmoid' }
  | { type: 'softmax'; axis?: number }
  /** log(softmax(x)) over `axis` (any per-sample axis; negative counts from the end; default -1). */
  | { type: 'log_softmax'; axis?: number }
  /**
   * x[..., start:end:step, ...] along per-sample `axis` (ONNX Slice for one axis): a negative start
   * or end counts from the end, both are clamped to the axis; `step` > 0. Defaults: start 0, end the
   * axis' length, step 1. ONNX Split is several slices of one tensor.
   */
  | { type: 'slice'; axis: number; start?: number; end?: number; step?: number }
  /**
   * ONNX Pad, constant mode: `pads` lists the begin pad of every per-sample axis, then the end pads
   * (non-negative); the new elements hold `value` (default 0).
   */
  | { type: 'pad'; pads: number[]; value?: number }
  | { type: 'glu' }
  | { type: 'maxpool2d'; kernel: Pair; stride?: Pair; padding?: Pair }
  | { type: 'avgpool2d'; kernel: Pair; stride?: Pair; padding?: Pair; countIncludePad?: boolean }
  | { type: 'dropout'; p: number }
  | { type: 'linear'; out: number; bias?: boolean }
  /**
   * PyTorch's GRU. `linearBeforeReset` (default true, PyTorch's form) is ONNX GRU's attribute:
   * false makes the candidate tanh(W_in x + b_in + W_hn (r * h) + b_hn), the reset gate applied
   * before the hidden product (Cho et al. 2014; Keras' reset_after=False).
   */
  | { type: 'gru'; hidden: number; layers?: number; bidirectional?: boolean; bias?: boolean; linearBeforeReset?: boolean }
  | { type: 'lstm'; hidden: number; layers?: number; bidirectional?: boolean; bias?: boolean }
  | { type: 'flatten' }
  | { type: 'reshape'; shape: number[] }
  | { type: 'permute'; dims: number[] }
  | { type: 'last_step' }
  | { type: 'mean'; axis: number }
  /**
   * ONNX ReduceSum/ReduceMean/ReduceMax over the per-sample `axes` (each may count from the end;
   * default all); `keepDims` (default true) keeps each reduced axis as a 1. Max's gradient goes to
   * the first maximal element.
   */
  | { type: 'reduce'; op: 'sum' | 'mean' | 'max'; axes?: number[]; keepDims?: boolean }
  | { type: 'attention_head'; classes: number }
  | BinarySpec
  | { type: 'concat'; axis: number }
  /** `inputs` [a, b]: numpy.matmul of [..., M, K] and [..., K, N] (leading dimensions broadcast) → [..., M, N]. */
  | { type: 'matmul' }
  | { type: 'gelu'; approximate?: 'none' | 'tanh' }
  | { type: 'silu' }
  | { type: 'hardswish' }
  | { type: 'hardsigmoid'; alpha?: number; beta?: number }
  | { type: 'clip'; min?: number; max?: number }
  | { type: 'leaky_relu'; slope?: number }
  | { type: 'tanh' }
  | { type: 'layer_norm'; axes?: number; eps?: number; affine?: boolean };

export type LayerType = LayerSpec['type'];

export type OptimizerSpec =
  | { type: 'adam'; lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }
  | { type: 'sgd'; lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number };

/** The losses a spec may name (the one list: the CLI's --loss choices come from here). */
export const LOSSES = ['bce-logits', 'bce', 'softmax-ce'] as const;
export type LossSpec = (typeof LOSSES)[number];

export interface NetworkSpec {
  /** Per-sample input shape, e.g. [1, 128, 64] for one mel spectrogram of 128 bands x 64 frames. */
  input: number[];
  layers: LayerSpec[];
  /** The layer whose output the loss reads (a graph network). Default: the last layer. */
  output?: string;
  /**
   * 'bce-logits' (default): the last layer gives logits; 'bce': it gives probabilities (both
   * multi-label, mean over every output); 'softmax-ce': single-label, the last layer gives logits
   * over its last axis (the classes), targets are one-hot or class-probability rows, mean over rows.
   */
  loss?: LossSpec;
  /** Default: Adam with lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
  optimizer?: OptimizerSpec;
  /** Seeds weight initialisation and dropout masks. Default 0. */
  seed?: number;
  /** Compute the input gradient of the first layer too (for kernel studies). Default false. */
  inputGradient?: boolean;
}

/**
 * The name of a layer's parameter or buffer in weights files and in Network.getParameters /
 * setParameters: `layers.<index>.<param>`, e.g. "layers.0.weight". The addon names them so when it
 * writes a weights file (native/network/network.cpp); this is the same rule for TypeScript code
 * that makes weights without a network (the ONNX importer).
 */
export function weightName(layer: number, param: string): string {
  return `layers.${layer}.${param}`;
}

/**
 * The spec as the JSON text the addon reads. A value JSON cannot hold (a circular reference, a
 * BigInt, nesting past the stack) is E_SPEC naming the field path, e.g. "spec.layers[2].self".
 */
export function specJson(spec: NetworkSpec): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(spec);
  } catch (error) {
    throw new SedjouleError('E_SPEC', `spec cannot be written as JSON: ${unwritableField(spec) ?? (error as Error).message}`);
  }
  if (text === undefined) throw new SedjouleError('E_SPEC', `spec must be an object, got ${typeof spec}`);
  return text;
}

/** Where JSON.stringify fails in a value: the path of a circular reference or a BigInt. */
function unwritableField(root: unknown): string | undefined {
  const ancestors: { value: object; path: string }[] = [];
  const visit = (value: unknown, path: string): string | undefined => {
    if (typeof value === 'bigint') return `${path} is a BigInt (${value}n); use a number`;
    if (value === null || typeof value !== 'object') return undefined;
    const loop = ancestors.find((a) => a.value === value);
    if (loop) return `${path} refers back to ${loop.path} (a circular reference)`;
    ancestors.push({ value, path });
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, i): [string, unknown] => [`${path}[${i}]`, item])
      : Object.entries(value).map(([key, item]): [string, unknown] => [`${path}.${key}`, item]);
    for (const [at, item] of entries) {
      const found = visit(item, at);
      if (found) return found;
    }
    ancestors.pop();
    return undefined;
  };
  try {
    return visit(root, 'spec');
  } catch {
    return undefined; // nested past the stack: JSON.stringify's own message says so
  }
}
