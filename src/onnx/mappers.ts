/**
 * ONNX nodes that become sedjoule layers: a table, op type -> mapper. A mapper reads its node's
 * inputs (tensors and constants, values.ts), checks the attributes it supports (anything else is a
 * Refusal with the reason), adds layers to the chain with their weights converted to sedjoule's
 * layout, and returns the node's outputs. A new op is one more entry.
 *
 * Weight layouts: Conv weights [out, in, kh, kw] and BatchNormalization's scale, bias, mean and
 * variance are sedjoule's as they are; Gemm/MatMul weights become linear's [out, in] (a MatMul's
 * [in, out] constant transposed; Gemm's alpha and beta multiplied in); GRU: gru.ts.
 */
import { weightName, type LayerSpec } from '../spec.js';
import { constInts } from './fold.js';
import { mapGru } from './gru.js';
import { mapLstm } from './lstm.js';
import { requireAttr, tensorInput, weightInput, type MapContext } from './map-context.js';
import { Refusal } from './refusal.js';
import { normalizeAxis, numel, type TensorValue, type Value } from './values.js';

/** The per-sample [C, H, W] of an NCHW tensor (batch first). */
function nchw(x: TensorValue, op: string): [number, number, number] {
  if (x.batchAxis !== 0 || x.sample.length !== 3)
    throw new Refusal(
      `${op} reads an NCHW tensor with the batch first; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`,
    );
  return x.sample as [number, number, number];
}

/** 2-D window attributes shared by Conv and the pools: kernel, strides, symmetric pads; [h, w] pairs. */
function window(c: MapContext, kernel: number[]): { stride: [number, number]; padding: [number, number] } {
  const a = c.attrs;
  requireAttr(
    'auto_pad',
    ['NOTSET', ''].includes(a.string('auto_pad', 'NOTSET')),
    `'${a.string('auto_pad', '')}' is not supported; export with explicit pads`,
  );
  if (kernel.length !== 2) throw new Refusal(`a ${kernel.length}-D window; only 2-D is imported`);
  const strides = a.ints('strides') ?? [1, 1];
  const pads = a.ints('pads') ?? [0, 0, 0, 0];
  requireAttr(
    'pads',
    pads[0] === pads[2] && pads[1] === pads[3],
    `[${pads}] pads top/bottom or left/right unequally; only symmetric padding is imported`,
  );
  const dilations = a.ints('dilations') ?? [1, 1];
  requireAttr(
    'dilations',
    dilations.every((d) => d === 1),
    `[${dilations}]; only dilation 1 is imported`,
  );
  return { stride: [strides[0], strides[1]], padding: [pads[0], pads[1]] };
}

function windowOutput(size: number, k: number, s: number, p: number): number {
  return Math.floor((size + 2 * p - k) / s) + 1;
}

const conv = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const [, h, w] = nchw(x, 'Conv');
  const weight = weightInput(c, 1, 'weight');
  const groups = c.attrs.int('group', 1);
  requireAttr('group', groups === 1, `${groups} groups (a grouped or depthwise convolution) is not imported yet`);
  if (weight.dims.length !== 4) throw new Refusal(`a ${weight.dims.length - 2}-D convolution; only 2-D is imported`);
  const [out, , kh, kw] = weight.dims;
  const { stride, padding } = window(c, c.attrs.ints('kernel_shape') ?? [kh, kw]);
  const params: Record<string, Float32Array> = { weight: weight.float };
  const bias = c.inputs[2] !== undefined;
  if (bias) params.bias = weightInput(c, 2, 'bias').float;
  const layer: LayerSpec = { type: 'conv2d', out, kernel: [kh, kw], stride, padding, bias };
  const sample = [out, windowOutput(h, kh, stride[0], padding[0]), windowOutput(w, kw, stride[1], padding[1])];
  return [c.chain.add(c.node, x, layer, params, { sample, batchAxis: 0 }, ['weight [out, in, kh, kw] as in ONNX'])];
};

const batchNorm = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const [channels] = nchw(x, 'BatchNormalization');
  requireAttr(
    'training_mode',
    c.attrs.int('training_mode', 0) === 0,
    'a training-mode node (exported with training=TRAIN); export the model in eval mode',
  );
  if (c.node.output.filter(Boolean).length > 1 && c.node.output.slice(1).some((o) => o && c.readers(o) > 0)) {
    throw new Refusal('its running-statistics outputs are read (a training-mode export); export the model in eval mode');
  }
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => weightInput(c, i, ['scale', 'bias', 'mean', 'variance'][i - 1]));
  if (scale.float.length !== channels) throw new Refusal(`its scale has ${scale.float.length} values for ${channels} channels`);
  const onnxMomentum = c.attrs.float('momentum', 0.9);
  const layer: LayerSpec = {
    type: 'batchnorm2d',
    eps: Number(c.attrs.float('epsilon', 1e-5).toPrecision(7)),
    momentum: Number((1 - onnxMomentum).toPrecision(7)),
  };
  const params = { weight: scale.float, bias: bias.float, running_mean: mean.float, running_var: variance.float };
  return [
    c.chain.add(c.node, x, layer, params, { sample: x.sample, batchAxis: 0 }, [
      'scale, bias, mean, variance -> weight, bias, running_mean, running_var; momentum is 1 - ONNX momentum (PyTorch convention)',
    ]),
  ];
};

/** An op that keeps the shape: relu, sigmoid. */
const elementwise =
  (type: 'relu' | 'sigmoid'): ((c: MapContext) => Value[]) =>
  (c) => {
    const x = tensorInput(c, 0);
    return [c.chain.add(c.node, x, { type }, {}, { sample: x.sample, batchAxis: x.batchAxis })];
  };

const softmax = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const rank = x.sample.length + 1;
  const axis = normalizeAxis(c.attrs.int('axis', c.opset < 13 ? 1 : -1), rank);
  requireAttr(
    'axis',
    axis === rank - 1 && x.batchAxis !== rank - 1,
    `softmax over axis ${c.attrs.int('axis', -1)} of a rank-${rank} tensor; only the last (non-batch) axis is imported`,
  );
  return [c.chain.add(c.node, x, { type: 'softmax', axis: -1 }, {}, { sample: x.sample, batchAxis: x.batchAxis })];
};

const pool =
  (type: 'maxpool2d' | 'avgpool2d'): ((c: MapContext) => Value[]) =>
  (c) => {
    const x = tensorInput(c, 0);
    const [channels, h, w] = nchw(x, c.node.opType);
    const kernel = c.attrs.ints('kernel_shape') ?? [];
    const { stride, padding } = window(c, kernel);
    requireAttr('ceil_mode', c.attrs.int('ceil_mode', 0) === 0, 'ceil_mode 1 is not imported (floor mode only)');
    if (type === 'maxpool2d') {
      requireAttr('storage_order', c.attrs.int('storage_order', 0) === 0, 'column-major indices are not imported');
      if (c.node.output[1] && c.readers(c.node.output[1]) > 0)
        throw new Refusal('its indices output is read; only the pooled values are imported');
    }
    const layer: LayerSpec =
      type === 'maxpool2d'
        ? { type, kernel: [kernel[0], kernel[1]], stride, padding }
        : { type, kernel: [kernel[0], kernel[1]], stride, padding, countIncludePad: c.attrs.int('count_include_pad', 0) === 1 };
    const sample = [channels, windowOutput(h, kernel[0], stride[0], padding[0]), windowOutput(w, kernel[1], stride[1], padding[1])];
    return [c.chain.add(c.node, x, layer, {}, { sample, batchAxis: 0 })];
  };

/** Gemm with a constant B: y = alpha A B' + beta C -> linear (weight [out, in] = alpha B'). */
const gemm = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  requireAttr('transA', c.attrs.int('transA', 0) === 0, 'a transposed input is not imported');
  if (x.batchAxis !== 0 || x.sample.length !== 1)
    throw new Refusal(`reads [batch, features]; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`);
  const b = weightInput(c, 1, 'weight');
  const transB = c.attrs.int('transB', 0) === 1;
  const [rows, cols] = b.dims;
  const out = transB ? rows : cols;
  const alpha = c.attrs.float('alpha', 1),
    beta = c.attrs.float('beta', 1);
  const weight = transB ? Float32Array.from(b.float) : transpose2d(b.float, rows, cols);
  if (alpha !== 1) weight.forEach((v, i) => (weight[i] = v * alpha));
  const params: Record<string, Float32Array> = { weight };
  const notes = [transB ? 'weight [out, in] as in ONNX (transB 1)' : 'weight transposed from ONNX [in, out] (transB 0) to [out, in]'];
  if (c.inputs[2] !== undefined) {
    const bias = weightInput(c, 2, 'bias');
    if (numel(bias.dims) !== out) throw new Refusal(`its bias C has shape [${bias.dims}]; only a per-output bias [${out}] is imported`);
    params.bias = Float32Array.from(bias.float, (v) => v * beta);
  }
  if (alpha !== 1 || beta !== 1) notes.push(`alpha ${alpha} and beta ${beta} multiplied into the weight and bias`);
  return [c.chain.add(c.node, x, { type: 'linear', out, bias: params.bias !== undefined }, params, { sample: [out], batchAxis: 0 }, notes)];
};

function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; ++r) for (let k = 0; k < cols; ++k) out[k * rows + r] = values[r * cols + k];
  return out;
}

/** MatMul by a constant [in, out] matrix over the last axis -> linear without bias (Add may give it one). */
const matmul = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const b = weightInput(c, 1, 'weight');
  if (b.dims.length !== 2) throw new Refusal(`multiplies by a rank-${b.dims.length} constant; only a matrix [in, out] is imported`);
  const [inner, out] = b.dims;
  if (x.batchAxis === x.sample.length) throw new Refusal('multiplies over the batch axis');
  if (x.sample[x.sample.length - 1] !== inner)
    throw new Refusal(`multiplies [..., ${x.sample[x.sample.length - 1]}] by [${inner}, ${out}]`);
  const sample = [...x.sample.slice(0, -1), out];
  return [
    c.chain.add(
      c.node,
      x,
      { type: 'linear', out, bias: false },
      { weight: transpose2d(b.float, inner, out) },
      { sample, batchAxis: x.batchAxis },
      ['weight transposed from ONNX [in, out] to [out, in]'],
    ),
  ];
};

/** Add of a constant [out] to the output of a bias-free linear layer just made: its bias. */
const add = (c: MapContext): Value[] => {
  const [a, b] = c.inputs;
  const x = a?.kind === 'tensor' ? a : b?.kind === 'tensor' ? b : undefined;
  const k = a?.kind === 'const' ? a : b?.kind === 'const' ? b : undefined;
  const last = c.chain.layers[c.chain.head];
  if (!x || !k?.float || x.layer !== c.chain.head || last?.type !== 'linear' || last.bias !== false) {
    throw new Refusal('adds something other than a constant bias to a MatMul just before it; general Add needs the graph layers');
  }
  if (numel(k.dims) !== last.out || k.dims.slice(0, -1).some((d) => d !== 1) || x.sample[x.sample.length - 1] !== last.out) {
    throw new Refusal(`adds a constant [${k.dims}] that is not a per-output bias [${last.out}] of the MatMul before it`);
  }
  // Folded into the layer, the bias reaches every reader of the MatMul's output: only this Add may read it.
  const product = c.node.input[a === x ? 0 : 1];
  if (c.readers(product) !== 1) throw new Refusal(`'${product}' is read by other nodes too, so the bias cannot be folded into the MatMul`);
  last.bias = true;
  c.chain.weights[weightName(c.chain.head, 'bias')] = Float32Array.from(k.float);
  c.chain.attachToLast(c.node, 'bias from the Add that follows the MatMul');
  return [x];
};

const flatten = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const axis = normalizeAxis(c.attrs.int('axis', 1), x.sample.length + 1);
  if (x.batchAxis !== 0 || axis !== 1)
    throw new Refusal(
      `flattens from axis ${c.attrs.int('axis', 1)} with the batch at axis ${x.batchAxis}; only Flatten(axis=1) after the batch is imported`,
    );
  c.chain.absorb(c.node);
  return [{ ...x, sample: [numel(x.sample)] }];
};

/**
 * Reshape: the batch must stay an axis of its own, found as the batch size carried through a
 * Shape chain (null), a 0 (copy) at its position, or a -1 when everything else is known; a view.
 */
const reshape = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const target = constInts(c, 1, 'shape');
  const full = [...x.sample];
  full.splice(x.batchAxis, 0, -2); // the batch
  const allowZero = c.attrs.int('allowzero', 0) === 1;
  let batchAt = target.findIndex((d) => d === null);
  const dims = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i === x.batchAxis) batchAt = i;
      return full[i];
    }
    return d;
  });
  if (batchAt < 0)
    throw new Refusal(
      `reshapes to [${target.map((d) => d ?? 'batch')}] without keeping the batch axis (use x.size(0) or 0 for it, or -1 with the rest known)`,
    );
  const sample = dims.filter((_, i) => i !== batchAt).map((d) => d as number);
  const total = numel(x.sample);
  const free = sample.indexOf(-1);
  if (free >= 0) sample[free] = total / numel(sample.filter((d) => d !== -1));
  if (numel(sample) !== total || sample.some((d) => !Number.isInteger(d) || d < 0))
    throw new Refusal(`reshapes per-sample [${x.sample}] to [${sample}]`);
  const before = numel(x.sample.slice(0, x.batchAxis));
  if (numel(sample.slice(0, batchAt)) !== before) throw new Refusal('reshapes across the batch axis');
  c.chain.absorb(c.node);
  return [{ ...x, sample, batchAxis: batchAt }];
};

/** Transpose: a permute of the per-sample axes, or nothing when only the batch axis moves. */
const transpose = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const rank = x.sample.length + 1;
  const perm = c.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sampleAxis = (a: number) => (a < x.batchAxis ? a : a - 1); // full axis -> per-sample axis
  const order = perm.filter((a) => a !== x.batchAxis).map(sampleAxis);
  const batchAxis = perm.indexOf(x.batchAxis);
  const sample = order.map((a) => x.sample[a]);
  if (order.every((a, i) => a === i)) {
    c.chain.absorb(c.node);
    return [{ ...x, batchAxis }];
  }
  return [c.chain.add(c.node, x, { type: 'permute', dims: order }, {}, { sample, batchAxis }, ['the ONNX perm without the batch axis'])];
};

/** Squeeze/Unsqueeze of non-batch axes: a view. */
const squeezeLike =
  (insert: boolean): ((c: MapContext) => Value[]) =>
  (c) => {
    const x = tensorInput(c, 0);
    const axes = c.opset < 13 ? c.attrs.ints('axes') : c.inputs[1] ? (constInts(c, 1, 'axes') as number[]) : undefined;
    const full: (number | null)[] = [...x.sample];
    full.splice(x.batchAxis, 0, null);
    let out: (number | null)[];
    if (insert) {
      const rank = full.length + (axes?.length ?? 0);
      const at = new Set((axes ?? []).map((a) => normalizeAxis(a, rank)));
      out = [];
      let next = 0;
      for (let i = 0; i < rank; ++i) out.push(at.has(i) ? 1 : full[next++]);
    } else {
      const drop = new Set((axes ?? full.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normalizeAxis(a, full.length)));
      if (drop.has(x.batchAxis)) throw new Refusal('squeezes the batch axis');
      out = full.filter((_, i) => !drop.has(i));
    }
    c.chain.absorb(c.node);
    const batchAxis = out.indexOf(null);
    return [{ ...x, batchAxis, sample: out.filter((d): d is number => d !== null) }];
  };

/** ReduceMean over one non-batch axis -> mean (keepdims 1 adds a view with the axis kept as 1). */
const reduceMean = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const rank = x.sample.length + 1;
  const axes = c.opset < 18 ? c.attrs.ints('axes') : c.inputs[1] ? (constInts(c, 1, 'axes') as number[]) : undefined;
  if (!axes || axes.length !== 1) throw new Refusal(`averages over ${axes ? `axes [${axes}]` : 'every axis'}; only one axis is imported`);
  const axis = normalizeAxis(axes[0], rank);
  if (axis === undefined || axis === x.batchAxis) throw new Refusal(`averages over axis ${axes[0]}, the batch axis or out of range`);
  const sampleAxis = axis < x.batchAxis ? axis : axis - 1;
  const sample = x.sample.filter((_, i) => i !== sampleAxis);
  const batchAxis = axis < x.batchAxis ? x.batchAxis - 1 : x.batchAxis;
  const y = c.chain.add(c.node, x, { type: 'mean', axis: sampleAxis }, {}, { sample, batchAxis });
  if (c.attrs.int('keepdims', 1) === 0) return [y];
  const kept = [...x.sample];
  kept[sampleAxis] = 1;
  return [{ ...y, sample: kept, batchAxis: x.batchAxis }];
};

/** Dropout at inference: the identity (its mask output must not be read). */
const dropout = (c: MapContext): Value[] => {
  if (c.node.output[1] && c.readers(c.node.output[1]) > 0) throw new Refusal('its mask output is read');
  c.chain.absorb(c.node);
  return [tensorInput(c, 0)];
};

/** Pad with zeros of nothing (PyTorch's AvgPool2d export at padding 0): the identity. */
const pad = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const pads = c.opset < 11 ? (c.attrs.ints('pads') ?? []) : (constInts(c, 1, 'pads') as number[]);
  if (pads.some((p) => p !== 0))
    throw new Refusal(`pads by [${pads}]; only an empty Pad is imported (give the next pool or conv its padding instead)`);
  c.chain.absorb(c.node);
  return [x];
};

/** Cast of a float tensor to float32: the identity. */
const cast = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  requireAttr('to', c.attrs.int('to', 1) === 1, 'casts a tensor to a type other than float32');
  c.chain.absorb(c.node);
  return [x];
};

export const MAPPERS: Record<string, (c: MapContext) => Value[]> = {
  Conv: conv,
  BatchNormalization: batchNorm,
  Relu: elementwise('relu'),
  Sigmoid: elementwise('sigmoid'),
  Softmax: softmax,
  MaxPool: pool('maxpool2d'),
  AveragePool: pool('avgpool2d'),
  Gemm: gemm,
  MatMul: matmul,
  Add: add,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeezeLike(false),
  Unsqueeze: squeezeLike(true),
  ReduceMean: reduceMean,
  Dropout: dropout,
  Pad: pad,
  Cast: cast,
  GRU: mapGru,
  LSTM: mapLstm,
};

/** Why ops with no mapper are missing, where there is more to say than "not supported". */
export const KNOWN_GAPS: Record<string, string> = {
  Erf: 'Erf (GELU as exported before opset 20) has no sedjoule layer yet',
  Gelu: 'Gelu has no sedjoule layer yet',
  QuantizeLinear: 'quantized (int8) models are not imported: export the float32 model',
  DequantizeLinear: 'quantized (int8) models are not imported: export the float32 model',
  QLinearConv: 'quantized (int8) models are not imported: export the float32 model',
  QLinearMatMul: 'quantized (int8) models are not imported: export the float32 model',
  Mul: 'elementwise Mul of tensors needs the graph layers (not yet imported)',
  Concat: 'Concat of tensors needs the graph layers (not yet imported)',
};
