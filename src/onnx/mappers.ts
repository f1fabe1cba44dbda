/**
 * ONNX nodes that become sedjoule layers: a table, op type -> mapper. A mapper reads its node's
 * inputs (tensors and constants, values.ts), checks the attributes it supports (anything else is a
 * Refusal with the reason), adds layers to the graph with their weights converted to sedjoule's
 * layout, and returns the node's outputs. A new op is one more entry.
 *
 * Weight layouts: Conv weights [out, in, kh, kw] and BatchNormalization's scale, bias, mean and
 * variance are sedjoule's as they are; Gemm/MatMul weights become linear's [out, in] (a MatMul's
 * [in, out] constant transposed; Gemm's alpha and beta multiplied in); GRU: gru.ts.
 */
import type { LayerSpec } from '../spec.js';
import { constInts } from './fold.js';
import { mapGru } from './gru.js';
import { mapLstm } from './lstm.js';
import { requireAttr, tensorInput, tensorOrConst, weightInput, type MapContext } from './map-context.js';
import { Refusal } from './refusal.js';
import { float32, fullShape, normalizeAxis, numel, type ConstValue, type TensorValue, type Value } from './values.js';

/** The per-sample [C, H, W] of an NCHW tensor (batch first). */
function nchw(x: TensorValue, op: string): [number, number, number] {
  if (x.batchAxis !== 0 || x.sample.length !== 3)
    throw new Refusal(
      `${op} reads an NCHW tensor with the batch first; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`,
    );
  return x.sample as [number, number, number];
}

/** 2-D window attributes of the pools: kernel, strides, symmetric pads; [h, w] pairs. */
function window(c: MapContext, kernel: number[]): { stride: [number, number]; padding: [number, number] } {
  const a = c.attrs;
  requireNoAutoPad(c);
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

function requireNoAutoPad(c: MapContext): void {
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  requireAttr('auto_pad', ['NOTSET', ''].includes(autoPad), `'${autoPad}' is not supported; export with explicit pads`);
}

/** An ONNX axis of `x` as a per-sample axis (the batch axis removed); a Refusal for the batch axis. */
function sampleAxis(x: TensorValue, axis: number, what: string): number {
  const rank = x.sample.length + 1;
  const a = normalizeAxis(axis, rank);
  if (a === undefined) throw new Refusal(`${what} ${axis} is out of range for a rank-${rank} tensor`);
  if (a === x.batchAxis) throw new Refusal(`${what} ${axis} is the batch axis`);
  return a < x.batchAxis ? a : a - 1;
}

function windowOutput(size: number, k: number, s: number, p: number): number {
  return Math.floor((size + 2 * p - k) / s) + 1;
}

/**
 * Conv, 2-D -> conv2d and 1-D -> conv1d: `group` (grouped and depthwise), `dilations`, `pads` per
 * side (ONNX order: the begins, then the ends), and a zero Pad just before it added in. Weights
 * [out, in/group, k...] as in ONNX.
 */
const conv = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0, 'input', true);
  const weight = weightInput(c, 1, 'weight');
  const spatial = weight.dims.length - 2;
  if (spatial !== 1 && spatial !== 2) throw new Refusal(`a ${spatial}-D convolution; 1-D and 2-D are imported`);
  if (x.batchAxis !== 0 || x.sample.length !== spatial + 1)
    throw new Refusal(
      `a ${spatial}-D Conv reads [N, C, ${spatial === 2 ? 'H, W' : 'T'}]; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`,
    );
  requireNoAutoPad(c);
  const groups = c.attrs.int('group', 1);
  const [out, perGroup, ...kernel] = weight.dims;
  const channels = x.sample[0];
  if (perGroup * groups !== channels || out % groups !== 0)
    throw new Refusal(`weight [${weight.dims}] with group ${groups} does not fit ${channels} input channels`);
  const shape = c.attrs.ints('kernel_shape');
  requireAttr('kernel_shape', !shape || shape.join() === kernel.join(), `[${shape}] is not the weight's [${kernel}]`);
  const ones = kernel.map(() => 1);
  const stride = c.attrs.ints('strides') ?? ones;
  const dilation = c.attrs.ints('dilations') ?? ones;
  const pads = (c.attrs.ints('pads') ?? new Array<number>(2 * spatial).fill(0)).map((p, i) => p + (x.pad?.[i] ?? 0));
  const size = x.sample
    .slice(1)
    .map((n, i) => Math.floor((n + pads[i] + pads[i + spatial] - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1);
  if (size.some((n) => n < 1)) throw new Refusal(`its window does not fit the input [${x.sample}]`);
  const params: Record<string, Float32Array> = { weight: weight.float };
  const bias = c.inputs[2] !== undefined;
  if (bias) params.bias = weightInput(c, 2, 'bias').float;
  const dilated = dilation.some((d) => d !== 1);
  const grouped = groups !== 1 ? { groups } : {};
  const symmetric = pads.slice(0, spatial).join() === pads.slice(spatial).join();
  const layer: LayerSpec =
    spatial === 2
      ? {
          type: 'conv2d',
          out,
          kernel: [kernel[0], kernel[1]],
          stride: [stride[0], stride[1]],
          padding: symmetric ? [pads[0], pads[1]] : [pads[0], pads[1], pads[2], pads[3]],
          ...(dilated ? { dilation: [dilation[0], dilation[1]] as [number, number] } : {}),
          ...grouped,
          bias,
        }
      : {
          type: 'conv1d',
          out,
          kernel: kernel[0],
          stride: stride[0],
          padding: symmetric ? pads[0] : [pads[0], pads[1]],
          ...(dilated ? { dilation: dilation[0] } : {}),
          ...grouped,
          bias,
        };
  const notes = [`weight [out, in/group, ${spatial === 2 ? 'kh, kw' : 'k'}] as in ONNX`];
  if (x.pad) notes.push(`the zero Pad before it added to its padding`);
  return [c.graph.add(c.node, [x], layer, params, { sample: [out, ...size], batchAxis: 0 }, notes)];
};

const batchNorm = (c: MapContext): Value[] => {
  const read = tensorInput(c, 0);
  // BatchNorm1d's [N, C, L] is batchnorm2d's [N, C, L, 1]: a view on both sides.
  const x = read.batchAxis === 0 && read.sample.length === 2 ? { ...read, sample: [...read.sample, 1] } : read;
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
  const y = c.graph.add(c.node, [x], layer, params, { sample: x.sample, batchAxis: 0 }, [
    'scale, bias, mean, variance -> weight, bias, running_mean, running_var; momentum is 1 - ONNX momentum (PyTorch convention)',
  ]);
  return [{ ...y, sample: read.sample }];
};

/** An op that keeps the shape, its layer made from the node's attributes: activations. */
const unary =
  (make: (c: MapContext) => LayerSpec): ((c: MapContext) => Value[]) =>
  (c) => {
    const x = tensorInput(c, 0);
    return [c.graph.add(c.node, [x], make(c), {}, { sample: x.sample, batchAxis: x.batchAxis })];
  };

/** Gelu (opset 20, or PyTorch's Erf pattern fused by fuse.ts): exact (erf) or tanh form. */
const gelu = (c: MapContext): LayerSpec => {
  const approximate = c.attrs.string('approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') throw new Refusal(`attribute approximate: '${approximate}' (none or tanh)`);
  return { type: 'gelu', approximate };
};

/** Clip: bounds from its inputs (opset 11 on), each absent (unbounded) or a constant scalar. */
const clip = (c: MapContext): LayerSpec => {
  const bound = (index: number, what: string): number | undefined => {
    const v = c.inputs[index];
    if (v === undefined) return undefined;
    if (v.kind !== 'const' || numel(v.dims) !== 1) throw new Refusal(`its ${what} (input ${index}) must be a constant scalar`);
    const value = v.float ? v.float[0] : v.ints![0];
    if (value === null) throw new Refusal(`its ${what} is the batch size`);
    return float32(value);
  };
  const [min, max] = [bound(1, 'min'), bound(2, 'max')];
  return { type: 'clip', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
};

/** Softmax and LogSoftmax over one axis (opset 13 on: any axis; before, the last axis only, as their 2-D coercion then equals it). */
const softmaxLike =
  (type: 'softmax' | 'log_softmax'): ((c: MapContext) => Value[]) =>
  (c) => {
    const x = tensorInput(c, 0);
    const rank = x.sample.length + 1;
    const given = c.attrs.int('axis', c.opset < 13 ? 1 : -1);
    requireAttr(
      'axis',
      c.opset >= 13 || normalizeAxis(given, rank) === rank - 1,
      `${given} of a rank-${rank} tensor before opset 13 (softmax over the flattened axes from it); only the last axis is imported`,
    );
    const axis = sampleAxis(x, given, 'axis');
    return [c.graph.add(c.node, [x], { type, axis }, {}, { sample: x.sample, batchAxis: x.batchAxis })];
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
    return [c.graph.add(c.node, [x], layer, {}, { sample, batchAxis: 0 })];
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
  return [
    c.graph.add(c.node, [x], { type: 'linear', out, bias: params.bias !== undefined }, params, { sample: [out], batchAxis: 0 }, notes),
  ];
};

function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; ++r) for (let k = 0; k < cols; ++k) out[k * rows + r] = values[r * cols + k];
  return out;
}

/** MatMul by a constant [in, out] matrix over the last axis -> linear without bias (Add may give it one). */
const matmul = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  if (c.inputs[1]?.kind === 'tensor') return matmulOfTensors(c, x, tensorInput(c, 1));
  const b = weightInput(c, 1, 'weight');
  if (b.dims.length !== 2) throw new Refusal(`multiplies by a rank-${b.dims.length} constant; only a matrix [in, out] is imported`);
  const [inner, out] = b.dims;
  if (x.batchAxis === x.sample.length) throw new Refusal('multiplies over the batch axis');
  if (x.sample[x.sample.length - 1] !== inner)
    throw new Refusal(`multiplies [..., ${x.sample[x.sample.length - 1]}] by [${inner}, ${out}]`);
  const sample = [...x.sample.slice(0, -1), out];
  return [
    c.graph.add(
      c.node,
      [x],
      { type: 'linear', out, bias: false },
      { weight: transpose2d(b.float, inner, out) },
      { sample, batchAxis: x.batchAxis },
      ['weight transposed from ONNX [in, out] to [out, in]'],
    ),
  ];
};

/** MatMul of two run-time tensors (attention's q k^T and weights v): the `matmul` layer, batch on the same leading axis of both. */
function matmulOfTensors(c: MapContext, a: TensorValue, b: TensorValue): Value[] {
  const shape = (v: TensorValue) => `[${fullShape(v).map((d) => d ?? 'N')}]`;
  if (a.sample.length !== b.sample.length || a.batchAxis !== b.batchAxis || a.batchAxis >= a.sample.length - 1)
    throw new Refusal(`multiplies ${shape(a)} by ${shape(b)}; both need the batch on the same leading axis (not one of the last two)`);
  const [m, k] = a.sample.slice(-2);
  const [k2, n] = b.sample.slice(-2);
  if (k !== k2) throw new Refusal(`multiplies ${shape(a)} by ${shape(b)}: inner sizes ${k} and ${k2} differ`);
  const leading = broadcast(a.sample.slice(0, -2), b.sample.slice(0, -2));
  if (!leading) throw new Refusal(`multiplies ${shape(a)} by ${shape(b)}: the leading axes do not broadcast`);
  return [c.graph.add(c.node, [a, b], { type: 'matmul' }, {}, { sample: [...leading, m, n], batchAxis: a.batchAxis })];
}

/**
 * Add of a constant [out] to the output of a bias-free linear layer (a MatMul), when nothing else
 * reads the product: the linear layer's bias (as Gemm has it). Undefined when it is not that.
 */
function foldBias(c: MapContext, x: TensorValue, k: ConstValue): Value[] | undefined {
  const linear = x.layer >= 0 ? c.graph.layer(x.layer) : undefined;
  if (linear?.type !== 'linear' || linear.bias !== false || !k.float) return undefined;
  if (numel(k.dims) !== linear.out || k.dims.slice(0, -1).some((d) => d !== 1) || x.sample[x.sample.length - 1] !== linear.out)
    return undefined;
  // Folded into the layer, the bias reaches every reader of the MatMul's output: only this Add may read it.
  const product = c.node.input[c.inputs[0] === x ? 0 : 1];
  if (c.readers(product) !== 1) return undefined;
  linear.bias = true;
  c.graph.extend(x.layer, c.node, { bias: Float32Array.from(k.float) }, 'bias from the Add that follows the MatMul');
  return [x];
}

/** numpy broadcasting of two shapes (right-aligned); undefined when they do not broadcast. */
function broadcast(a: number[], b: number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; ++i) {
    const da = a[a.length - n + i] ?? 1,
      db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Add, Sub, Mul, Div -> the binary layer of the same name: of two tensors (their batch axes must
 * line up), or of a tensor and a float constant, which becomes the layer's `operand` parameter
 * (the constant's values as weight `layers.<i>.operand`; the batch axis, of size 1 in the
 * constant, removed from its shape; trainable when it is an initializer, as PyTorch parameters
 * are, fixed when it is a literal of the graph).
 */
const binary =
  (type: 'add' | 'sub' | 'mul' | 'div'): ((c: MapContext) => Value[]) =>
  (c) => {
    const [a, b] = [tensorOrConst(c, 0), tensorOrConst(c, 1)];
    if (a.kind === 'tensor' && b.kind === 'tensor') {
      if (a.batchAxis !== b.batchAxis || a.sample.length !== b.sample.length)
        throw new Refusal(
          `combines [${fullShape(a).map((d) => d ?? 'N')}] and [${fullShape(b).map((d) => d ?? 'N')}]; the batch axes must line up`,
        );
      const sample = broadcast(a.sample, b.sample);
      if (!sample) throw new Refusal(`per-sample shapes [${a.sample}] and [${b.sample}] do not broadcast`);
      return [c.graph.add(c.node, [a, b], { type }, {}, { sample, batchAxis: a.batchAxis })];
    }
    if (a.kind !== 'tensor' && b.kind !== 'tensor') throw new Refusal('combines two constants that are not folded (float constants)');
    const [x, k] = a.kind === 'tensor' ? [a, b as ConstValue] : [b as TensorValue, a];
    if (type === 'add') {
      const folded = foldBias(c, x, k);
      if (folded) return folded;
    }
    if (!k.float) throw new Refusal(`its constant operand is not float32`);
    const rank = x.sample.length + 1;
    if (k.dims.length > rank)
      throw new Refusal(`its constant [${k.dims}] has more axes than the tensor [${fullShape(x).map((d) => d ?? 'N')}]`);
    const aligned = [...new Array<number>(rank - k.dims.length).fill(1), ...k.dims];
    if (aligned[x.batchAxis] !== 1) throw new Refusal(`its constant [${k.dims}] varies along the batch axis`);
    const perSample = aligned.filter((_, i) => i !== x.batchAxis);
    const firstKept = perSample.findIndex((d) => d !== 1);
    const shape = firstKept < 0 ? [1] : perSample.slice(firstKept);
    const sample = broadcast(x.sample, shape);
    if (!sample) throw new Refusal(`per-sample shape [${x.sample}] and constant [${k.dims}] do not broadcast`);
    const values = Float32Array.from(k.float);
    const uniform = values.every((v) => v === values[0]);
    const first = a === k && (type === 'sub' || type === 'div');
    const operand = {
      shape,
      ...(uniform ? { init: float32(values[0]) } : {}),
      trainable: k.initializer === true,
      ...(first ? { first: true } : {}),
    };
    const notes = [
      `the constant ${k.initializer ? `initializer '${c.node.input[a === k ? 0 : 1]}' (trainable, as a PyTorch parameter)` : '(a literal: not trained)'} as the parameter operand [${shape}]`,
    ];
    return [c.graph.add(c.node, [x], { type, operand }, { operand: values }, { sample, batchAxis: x.batchAxis }, notes)];
  };

/** Concat of tensors (of constants it is folded) -> concat along the same axis without the batch. */
const concat = (c: MapContext): Value[] => {
  const parts = c.inputs.map((_, i) => tensorInput(c, i));
  const [x] = parts;
  const rank = x.sample.length + 1;
  const axis = normalizeAxis(c.attrs.int('axis', 0), rank);
  if (axis === undefined || axis === x.batchAxis)
    throw new Refusal(`concatenates along axis ${c.attrs.int('axis', 0)}, the batch axis or out of range`);
  const sampleAxis = axis < x.batchAxis ? axis : axis - 1;
  const sample = [...x.sample];
  sample[sampleAxis] = 0;
  for (const p of parts) {
    if (
      p.batchAxis !== x.batchAxis ||
      p.sample.some((d, i) => i !== sampleAxis && d !== x.sample[i]) ||
      p.sample.length !== x.sample.length
    )
      throw new Refusal(`joins per-sample [${x.sample}] and [${p.sample}] along axis ${sampleAxis}; the other axes must agree`);
    sample[sampleAxis] += p.sample[sampleAxis];
  }
  return [c.graph.add(c.node, parts, { type: 'concat', axis: sampleAxis }, {}, { sample, batchAxis: x.batchAxis })];
};

/**
 * LayerNormalization (opset 17, or PyTorch's pattern fused by fuse.ts) over axes `axis`.. -> layer_norm
 * over the last rank - axis per-sample axes, Scale and B as its weight and bias (B absent: zeros).
 */
const layerNorm = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const rank = x.sample.length + 1;
  const axis = normalizeAxis(c.attrs.int('axis', -1), rank);
  if (x.batchAxis !== 0 || axis === undefined || axis === 0)
    throw new Refusal(
      `normalises from axis ${c.attrs.int('axis', -1)} with the batch at axis ${x.batchAxis}; the batch must be first and not normalised`,
    );
  const reduced = c.attrs.ints('reduced_axes')?.map((a) => normalizeAxis(a, rank));
  if (reduced && reduced.sort().join() !== Array.from({ length: rank - axis }, (_, i) => axis + i).join())
    throw new Refusal(`averages over axes [${c.attrs.ints('reduced_axes')}]; only the trailing axes are imported`);
  if (c.node.output.slice(1).some((o) => o && c.readers(o) > 0)) throw new Refusal('its Mean or InvStdDev output is read');
  const normalised = x.sample.slice(axis - 1);
  const layer: LayerSpec = { type: 'layer_norm', axes: rank - axis, eps: float32(c.attrs.float('epsilon', 1e-5)) };
  const params: Record<string, Float32Array> = {};
  const notes: string[] = [];
  if (c.inputs[1] === undefined) layer.affine = false;
  else {
    const scale = weightInput(c, 1, 'scale');
    if (numel(scale.dims) !== numel(normalised) || scale.dims.some((d, i) => d !== normalised[normalised.length - scale.dims.length + i]))
      throw new Refusal(`its scale [${scale.dims}] is not of the normalised shape [${normalised}]`);
    params.weight = Float32Array.from(scale.float);
    params.bias = c.inputs[2] === undefined ? new Float32Array(scale.float.length) : Float32Array.from(weightInput(c, 2, 'bias').float);
    if (params.bias.length !== params.weight.length)
      throw new Refusal(`its bias has ${params.bias.length} values for ${params.weight.length}`);
    notes.push(c.inputs[2] === undefined ? 'scale as weight; no B: bias zeros (trainable)' : 'scale and B as weight and bias');
  }
  return [c.graph.add(c.node, [x], layer, params, { sample: x.sample, batchAxis: 0 }, notes)];
};

/** GlobalAveragePool -> mean over the positions of each channel, [C, H*W] -> [C], seen as [C, 1, 1]. */
const globalAveragePool = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  if (x.batchAxis !== 0 || x.sample.length < 2)
    throw new Refusal(`reads [N, C, ...]; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`);
  const [channels, ...space] = x.sample;
  const positions = { ...x, sample: [channels, numel(space)] };
  const sample = [channels, ...space.map(() => 1)];
  return [
    c.graph.add(c.node, [positions], { type: 'mean', axis: 1 }, {}, { sample, batchAxis: 0, sedShape: [channels] }, [
      `the mean over the ${numel(space)} positions of each channel`,
    ]),
  ];
};

const flatten = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const axis = normalizeAxis(c.attrs.int('axis', 1), x.sample.length + 1);
  if (x.batchAxis !== 0 || axis !== 1)
    throw new Refusal(
      `flattens from axis ${c.attrs.int('axis', 1)} with the batch at axis ${x.batchAxis}; only Flatten(axis=1) after the batch is imported`,
    );
  c.graph.absorb(c.node);
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
  c.graph.absorb(c.node);
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
    c.graph.absorb(c.node);
    return [{ ...x, batchAxis }];
  }
  return [c.graph.add(c.node, [x], { type: 'permute', dims: order }, {}, { sample, batchAxis }, ['the ONNX perm without the batch axis'])];
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
    c.graph.absorb(c.node);
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
  const y = c.graph.add(c.node, [x], { type: 'mean', axis: sampleAxis }, {}, { sample, batchAxis });
  if (c.attrs.int('keepdims', 1) === 0) return [y];
  const kept = [...x.sample];
  kept[sampleAxis] = 1;
  return [{ ...y, sample: kept, batchAxis: x.batchAxis }];
};

/** The axes of a Reduce* node: an attribute, or from `inputFrom` on an input (ReduceSum 13, the others 18); undefined: every axis. */
function reduceAxes(c: MapContext, inputFrom: number): number[] | undefined {
  if (c.opset < inputFrom) return c.attrs.ints('axes');
  if (c.inputs[1] === undefined) return undefined;
  return constInts(c, 1, 'axes') as number[];
}

/** ReduceSum, ReduceMax, ReduceMean (several axes; one axis stays `mean`, as before): `reduce` over per-sample axes. */
const reduce =
  (op: 'sum' | 'mean' | 'max', inputFrom: number): ((c: MapContext) => Value[]) =>
  (c) => {
    const x = tensorInput(c, 0);
    const given = reduceAxes(c, inputFrom);
    if (!given || given.length === 0) {
      requireAttr('noop_with_empty_axes', c.attrs.int('noop_with_empty_axes', 0) === 0, 'the identity with empty axes is not imported');
      throw new Refusal('reduces over every axis, the batch included; name the axes');
    }
    if (op === 'mean' && given.length === 1) return reduceMean(c);
    const axes = [...new Set(given.map((a) => sampleAxis(x, a, 'axis')))].sort((p, q) => p - q);
    const keepDims = c.attrs.int('keepdims', 1) === 1;
    const sample = keepDims ? x.sample.map((d, i) => (axes.includes(i) ? 1 : d)) : x.sample.filter((_, i) => !axes.includes(i));
    const before = axes.filter((a) => a < x.batchAxis).length;
    const batchAxis = keepDims ? x.batchAxis : x.batchAxis - before;
    return [c.graph.add(c.node, [x], { type: 'reduce', op, axes, keepDims }, {}, { sample, batchAxis })];
  };

/** GlobalMaxPool of [N, C, spatial...]: the maximum over the spatial axes, kept as 1s. */
const globalMaxPool = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  if (x.batchAxis !== 0 || x.sample.length < 2) throw new Refusal(`reads [N, C, ...] with the batch first; got per-sample [${x.sample}]`);
  const axes = x.sample.slice(1).map((_, i) => i + 1);
  const sample = [x.sample[0], ...axes.map(() => 1)];
  return [c.graph.add(c.node, [x], { type: 'reduce', op: 'max', axes, keepDims: true }, {}, { sample, batchAxis: 0 })];
};

/** ONNX Slice's clamping of a start or end to an axis of `size` (positive step). */
function clampIndex(i: number, size: number): number {
  return Math.min(Math.max(i < 0 ? i + size : i, 0), size);
}

/** Slice of a run-time tensor: one `slice` layer per sliced per-sample axis; the batch axis only whole. */
const slice = (c: MapContext): Value[] => {
  let x = tensorInput(c, 0);
  const starts = constInts(c, 1, 'starts') as number[];
  const ends = constInts(c, 2, 'ends') as number[];
  const rank = x.sample.length + 1;
  const axes = c.inputs[3] ? (constInts(c, 3, 'axes') as number[]) : starts.map((_, i) => i);
  const steps = c.inputs[4] ? (constInts(c, 4, 'steps') as number[]) : starts.map(() => 1);
  const whole = axes.map((axis) => normalizeAxis(axis, rank) === x.batchAxis);
  whole.forEach((isBatch, i) => {
    if (isBatch && (starts[i] !== 0 || ends[i] < 2 ** 31 - 1 || steps[i] !== 1))
      throw new Refusal(`slices the batch axis [${starts[i]}:${ends[i]}:${steps[i]}]; only per-sample axes are sliced`);
  });
  const parts = axes.map((axis, i) => ({ axis, start: starts[i], end: ends[i], step: steps[i] })).filter((_, i) => !whole[i]);
  if (parts.some((p) => p.step < 1)) throw new Refusal(`slices with steps [${steps}]; only positive steps are imported`);
  if (parts.length === 0) {
    c.graph.absorb(c.node);
    return [x];
  }
  for (const p of parts) {
    const axis = sampleAxis(x, p.axis, 'axis');
    const size = x.sample[axis];
    const start = clampIndex(p.start, size);
    const end = clampIndex(p.end, size);
    const sample = [...x.sample];
    sample[axis] = Math.max(0, Math.ceil((end - start) / p.step));
    if (sample[axis] === 0) throw new Refusal(`slices axis ${p.axis} [${p.start}:${p.end}:${p.step}] of size ${size} to nothing`);
    x = c.graph.add(c.node, [x], { type: 'slice', axis, start, end, step: p.step }, {}, { sample, batchAxis: x.batchAxis });
  }
  return [x];
};

/** Split: one `slice` layer per output, each reading the input. */
const split = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const given = c.attrs.int('axis', 0);
  const axis = sampleAxis(x, given, 'axis');
  const size = x.sample[axis];
  const outputs = c.node.output.length;
  const sizes =
    c.opset >= 13 && c.inputs[1] !== undefined
      ? (constInts(c, 1, 'split') as number[])
      : (c.attrs.ints('split') ??
        Array.from({ length: outputs }, (_, i) => {
          const part = Math.ceil(size / outputs);
          return Math.min(part, size - i * part);
        }));
  if (sizes.length !== outputs || sizes.reduce((p, q) => p + q, 0) !== size || sizes.some((n) => n <= 0))
    throw new Refusal(`splits axis ${given} of size ${size} into [${sizes}] for ${outputs} outputs`);
  let start = 0;
  return sizes.map((n) => {
    const sample = [...x.sample];
    sample[axis] = n;
    const y = c.graph.add(c.node, [x], { type: 'slice', axis, start, end: start + n }, {}, { sample, batchAxis: x.batchAxis });
    start += n;
    return y;
  });
};

/** Dropout at inference: the identity (its mask output must not be read). */
const dropout = (c: MapContext): Value[] => {
  if (c.node.output[1] && c.readers(c.node.output[1]) > 0) throw new Refusal('its mask output is read');
  c.graph.absorb(c.node);
  return [tensorInput(c, 0)];
};

/**
 * Pad: of nothing, the identity (PyTorch's AvgPool2d export at padding 0); with zeros on the spatial
 * axes, read by one Conv only, added to that Conv's padding (PyTorch's ZeroPad2d / F.pad before a
 * convolution with asymmetric padding); any other constant Pad, the `pad` layer.
 */
const pad = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  const pads = constInts(c, 1, 'pads') as number[];
  if (pads.every((p) => p === 0)) {
    c.graph.absorb(c.node);
    return [x];
  }
  const mode = c.attrs.string('mode', 'constant');
  if (mode !== 'constant') throw new Refusal(`mode '${mode}'; only constant padding is imported`);
  if (c.inputs[3] !== undefined) throw new Refusal('has an axes input; pads over every axis are imported');
  const value = c.inputs[2];
  if (value !== undefined && (value.kind !== 'const' || !value.float || value.float.length !== 1))
    throw new Refusal('pads with a value that is not a float32 constant scalar');
  const fill = value?.float?.[0] ?? 0;
  const rank = x.sample.length + 1;
  if (pads.some((p) => p < 0)) throw new Refusal(`pads by [${pads}]; negative pads (cropping) are not imported`);
  if (pads[x.batchAxis] !== 0 || pads[rank + x.batchAxis] !== 0) throw new Refusal(`pads by [${pads}], the batch axis included`);
  // Zeros on the spatial axes read by one Conv only: the Conv's own padding (no copy).
  const readers = c.consumers(c.node.output[0]);
  const intoConv = readers.length === 1 && readers[0].opType === 'Conv' && c.readers(c.node.output[0]) === 1;
  if (intoConv && fill === 0 && x.batchAxis === 0 && pads[1] === 0 && pads[rank + 1] === 0) {
    c.graph.absorb(c.node);
    return [{ ...x, pad: [...pads.slice(2, rank), ...pads.slice(rank + 2)] }];
  }
  const begin = pads.slice(0, rank).filter((_, i) => i !== x.batchAxis);
  const end = pads.slice(rank).filter((_, i) => i !== x.batchAxis);
  const sample = x.sample.map((d, i) => d + begin[i] + end[i]);
  return [
    c.graph.add(c.node, [x], { type: 'pad', pads: [...begin, ...end], value: float32(fill) }, {}, { sample, batchAxis: x.batchAxis }),
  ];
};

/** Cast of a float tensor to float32: the identity. */
const cast = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  requireAttr('to', c.attrs.int('to', 1) === 1, 'casts a tensor to a type other than float32');
  c.graph.absorb(c.node);
  return [x];
};

export const MAPPERS: Record<string, (c: MapContext) => Value[]> = {
  Conv: conv,
  BatchNormalization: batchNorm,
  Relu: unary(() => ({ type: 'relu' })),
  Sigmoid: unary(() => ({ type: 'sigmoid' })),
  Tanh: unary(() => ({ type: 'tanh' })),
  Gelu: unary(gelu),
  HardSwish: unary(() => ({ type: 'hardswish' })),
  // ONNX's defaults (0.2, 0.5) are not PyTorch's (1/6, 0.5), so both are written out.
  HardSigmoid: unary((c) => ({
    type: 'hardsigmoid',
    alpha: float32(c.attrs.float('alpha', 0.2)),
    beta: float32(c.attrs.float('beta', 0.5)),
  })),
  LeakyRelu: unary((c) => ({ type: 'leaky_relu', slope: float32(c.attrs.float('alpha', 0.01)) })),
  Clip: unary(clip),
  Softmax: softmaxLike('softmax'),
  LogSoftmax: softmaxLike('log_softmax'),
  MaxPool: pool('maxpool2d'),
  AveragePool: pool('avgpool2d'),
  GlobalAveragePool: globalAveragePool,
  Gemm: gemm,
  MatMul: matmul,
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Concat: concat,
  LayerNormalization: layerNorm,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeezeLike(false),
  Unsqueeze: squeezeLike(true),
  ReduceMean: reduce('mean', 18),
  ReduceSum: reduce('sum', 13),
  ReduceMax: reduce('max', 18),
  Slice: slice,
  Split: split,
  GlobalMaxPool: globalMaxPool,
  Dropout: dropout,
  Pad: pad,
  Cast: cast,
  GRU: mapGru,
  LSTM: mapLstm,
};

/** Glu (fuse.ts: DESED's GLU) of x [N, C, H, W], W [C, C] (in, out), b [C] -> glu, W transposed to linear.weight [out, in]. */
const fusedGlu = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  if (x.batchAxis !== 0 || x.sample.length !== 3)
    throw new Refusal(
      `a GLU reads an NCHW tensor with the batch first; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`,
    );
  const channels = x.sample[0];
  const w = weightInput(c, 1, 'linear weight');
  const b = weightInput(c, 2, 'linear bias');
  if (w.dims.length !== 2 || w.dims[0] !== channels || w.dims[1] !== channels || b.float.length !== channels)
    throw new Refusal(
      `a GLU over ${channels} channels needs a [${channels}, ${channels}] weight and ${channels} biases; got [${w.dims}] and ${b.float.length}`,
    );
  const weight = transpose2d(w.float, channels, channels);
  return [
    c.graph.add(c.node, [x], { type: 'glu' }, { 'linear.weight': weight, 'linear.bias': b.float }, { sample: x.sample, batchAxis: 0 }, [
      "MatMul's [in, out] weight transposed to linear.weight [out, in]",
    ]),
  ];
};

/** AttentionHead (fuse.ts: DESED's clip head) of x [N, T, F], Wd, Ws [F, C] (in, out), bd, bs [C] -> attention_head. */
const fusedAttentionHead = (c: MapContext): Value[] => {
  const x = tensorInput(c, 0);
  if (x.batchAxis !== 0 || x.sample.length !== 2)
    throw new Refusal(
      `the attention head reads [N, T, F] with the batch first; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`,
    );
  const features = x.sample[1];
  const [wd, bd, ws, bs] = [1, 2, 3, 4].map((i) =>
    weightInput(c, i, ['', 'dense weight', 'dense bias', 'dense_softmax weight', 'dense_softmax bias'][i]),
  );
  const classes = wd.dims[1];
  for (const w of [wd, ws])
    if (w.dims.length !== 2 || w.dims[0] !== features || w.dims[1] !== classes)
      throw new Refusal(`the attention head's weights must be [${features}, ${classes}]; got [${wd.dims}] and [${ws.dims}]`);
  if (bd.float.length !== classes || bs.float.length !== classes)
    throw new Refusal(`the attention head's biases must hold ${classes} values`);
  const params = {
    'dense.weight': transpose2d(wd.float, features, classes),
    'dense.bias': bd.float,
    'dense_softmax.weight': transpose2d(ws.float, features, classes),
    'dense_softmax.bias': bs.float,
  };
  return [
    c.graph.add(c.node, [x], { type: 'attention_head', classes }, params, { sample: [classes], batchAxis: 0 }, [
      "MatMul's [in, out] weights transposed to dense.weight and dense_softmax.weight [out, in]",
    ]),
  ];
};

/** Mappers of the nodes fuse.ts makes for patterns no ONNX op stands for. */
export const FUSED_MAPPERS: Record<string, (c: MapContext) => Value[]> = {
  Silu: unary(() => ({ type: 'silu' })),
  Glu: fusedGlu,
  AttentionHead: fusedAttentionHead,
};

/** Why ops with no mapper are missing, where there is more to say than "not supported". */
export const KNOWN_GAPS: Record<string, string> = {
  Erf: 'Erf outside the GELU pattern PyTorch exports (x * (Erf(x / sqrt 2) + 1) * 0.5) has no sedjoule layer',
  QuantizeLinear: 'quantized (int8) models are not imported: export the float32 model',
  DequantizeLinear: 'quantized (int8) models are not imported: export the float32 model',
  QLinearConv: 'quantized (int8) models are not imported: export the float32 model',
  QLinearMatMul: 'quantized (int8) models are not imported: export the float32 model',
};
