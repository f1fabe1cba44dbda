/**
 * The JSON-serialisable description of a network, built natively by `Network.create`.
 * Sizes are per sample: the batch dimension is implicit. Field meanings are in docs/spec.md.
 */
import { SedjouleError } from './errors.js';

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
