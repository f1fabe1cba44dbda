/**
 * The ONNX importer on graphs (test/fixtures/onnx, scripts/make-onnx-fixtures.py): a residual
 * MobileNetV2-style block with squeeze-excitation (depthwise dilated convolution, asymmetric zero
 * padding, Hardswish, Hardsigmoid, GlobalAveragePool) and a sequence model with a grouped conv1d,
 * GELU and layer norm (as PyTorch 1.13 decomposes them), Concat, LeakyReLU, Tanh, ReLU6 and SiLU;
 * each against ONNX Runtime and PyTorch (outputs, parameter counts, gradients, SGD steps). Models
 * PyTorch 1.13 cannot export (opset 17 LayerNormalization with a 2-D normalised shape, opset 20
 * Gelu, element-wise ops on constants, convolutions padded per side) are built here with protobufjs
 * and checked against ONNX Runtime; and every refusal of a model comes in one E_ONNX error.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import { importOnnx, type OnnxImport } from '../src/onnx/import.js';
import { modelProtoType } from '../src/onnx/schema.js';
import type { LayerSpec } from '../src/spec.js';
import { failure, randomArray } from './helpers.js';
import { fixture, ortOutput, relativeError, sidecar } from './onnx-fixtures.js';

const made: Network[] = [];
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});
async function fromOnnx(model: string | Uint8Array, options: Parameters<typeof Network.fromOnnx>[1] = {}): Promise<Network> {
  const net = await Network.fromOnnx(typeof model === 'string' ? fixture(model) : model, { threads: 2, ...options });
  made.push(net);
  return net;
}

const MODELS = [
  { file: 'inverted_residual_se_opset13.onnx', data: 'inverted_residual_se' },
  { file: 'inverted_residual_se_opset17.onnx', data: 'inverted_residual_se' },
  { file: 'sequence_mixer_opset14.onnx', data: 'sequence_mixer' },
  { file: 'sequence_mixer_opset17.onnx', data: 'sequence_mixer' },
];

const VIEWS = new Set(['reshape', 'flatten']);

/**
 * sedjoule's trainable parameter name -> PyTorch's: a layer's ONNX nodes are named after the
 * module that exported them ('/se/se.1/Conv' -> module 'se.1'), its parameters keep their names.
 */
function torchNames(imported: OnnxImport): Record<string, string> {
  const names: Record<string, string> = {};
  for (const r of imported.report) {
    const module = r.name.split('/').slice(1, -1).at(-1);
    for (const param of ['weight', 'bias']) {
      const ours = `layers.${r.layer}.${param}`;
      if (module && imported.weights[ours]) names[ours] = `${module}.${param}`;
    }
  }
  return names;
}

describe('graph imports of PyTorch exports', () => {
  it('maps the inverted residual block: depthwise dilated conv with the ZeroPad2d in its padding, SE scale, residual add', () => {
    const { spec, report } = importOnnx(fixture('inverted_residual_se_opset17.onnx'));
    const byName = (name: string) => spec.layers.find((l) => l.name === name)!;
    expect(byName('/depthwise/depthwise.1/Conv')).toEqual({
      name: '/depthwise/depthwise.1/Conv',
      type: 'conv2d',
      out: 16,
      kernel: [3, 3],
      stride: [1, 1],
      padding: [1, 1, 3, 3],
      dilation: [2, 2],
      groups: 16,
      bias: true,
    });
    // The Pad and the constants computing its pads are reported with the conv.
    expect(report.find((r) => r.name === '/depthwise/depthwise.1/Conv')!.nodes.map((n) => n.opType)).toEqual(
      expect.arrayContaining(['Pad', 'Conv']),
    );
    expect(byName('/stem/stem.2/HardSwish')).toEqual({ name: '/stem/stem.2/HardSwish', type: 'hardswish' });
    expect(byName('/se/se.4/HardSigmoid')).toEqual({ name: '/se/se.4/HardSigmoid', type: 'hardsigmoid', alpha: 0.16666667, beta: 0.5 });
    expect(byName('/expand/expand.2/Clip')).toEqual({ name: '/expand/expand.2/Clip', type: 'clip', min: 0, max: 6 });
    // SE: the channel means [16] seen as [16, 1, 1] scale the block's [16, 16, 20].
    expect(byName('/se/se.0/GlobalAveragePool')).toMatchObject({ type: 'mean', axis: 1 });
    expect(byName('/Mul')).toEqual({ name: '/Mul', type: 'mul', inputs: ['/depthwise/depthwise.3/HardSwish', '/se/se.4/HardSigmoid'] });
    expect(byName('/Add')).toEqual({
      name: '/Add',
      type: 'add',
      inputs: ['/stem/stem.2/HardSwish', '/project/project.1/BatchNormalization'],
    });
    expect(spec.output).toBe('/head/Gemm');
    // The opset 13 export has Hardswish as HardSigmoid and Mul: the same network, two layers.
    const at13 = importOnnx(fixture('inverted_residual_se_opset13.onnx')).spec.layers;
    expect(at13.find((l) => l.name === '/stem/stem.2/Mul')).toEqual({
      name: '/stem/stem.2/Mul',
      type: 'mul',
      inputs: ['/stem/stem.1/BatchNormalization', '/stem/stem.2/HardSigmoid'],
    });
  });

  it('fuses the GELU, layer norm and SiLU patterns of PyTorch 1.13 into one layer each, and maps Concat, LeakyRelu, Tanh, Clip', () => {
    for (const [file, norm] of [
      ['sequence_mixer_opset14.onnx', '/norm/Add_1'],
      ['sequence_mixer_opset17.onnx', '/norm/LayerNormalization'],
    ]) {
      const { spec, report } = importOnnx(fixture(file));
      const types: [string | undefined, LayerSpec['type']][] = spec.layers.map((l) => [l.name, l.type]);
      expect(types).toEqual([
        ['input/reshape', 'reshape'],
        ['/conv/Conv', 'conv1d'],
        ['/Mul_1', 'gelu'],
        ['/Transpose', 'permute'],
        [norm, 'layer_norm'],
        ['/mix/MatMul', 'linear'],
        ['/LeakyRelu', 'leaky_relu'],
        ['/Tanh', 'tanh'],
        ['/Concat_1', 'concat'],
        ['/Relu', 'relu'],
        ['/Clip', 'clip'],
        ['/Mul_2', 'silu'],
        ['/ReduceMean', 'mean'],
        ['/head/Gemm', 'linear'],
      ]);
      const layer = (name: string) => spec.layers.find((l) => l.name === name);
      expect(layer('/conv/Conv')).toMatchObject({ type: 'conv1d', out: 16, kernel: 3, padding: 1, groups: 4 });
      expect(layer('/Mul_1')).toMatchObject({ approximate: 'none' });
      expect(layer(norm)).toMatchObject({ axes: 1, eps: 0.00001 });
      expect(layer('/LeakyRelu')).toMatchObject({ slope: 0.1 });
      expect(layer('/Tanh')!.inputs).toEqual(['/mix/MatMul']);
      expect(layer('/Concat_1')).toMatchObject({ axis: 1, inputs: ['/LeakyRelu', '/Tanh'] });
      const nodes = (name: string) => report.find((r) => r.name === name)!.nodes.map((n) => n.opType);
      expect(nodes('/Mul_1')).toEqual(expect.arrayContaining(['Div', 'Erf', 'Add', 'Mul']));
      expect(nodes('/Mul_2')).toEqual(['Sigmoid', 'Mul']);
      if (norm === '/norm/Add_1')
        expect(nodes(norm)).toEqual(expect.arrayContaining(['ReduceMean', 'Sub', 'Pow', 'Sqrt', 'Div', 'Mul', 'Add']));
      // Every node of the model is in the report once.
      const all = report.flatMap((r) => r.nodes.map((n) => n.name));
      expect(new Set(all).size).toBe(all.length);
    }
  });

  it('imports a skip connection: the network input read by the conv and by the Add', async () => {
    const { spec } = importOnnx(fixture('residual_opset14.onnx'));
    expect(spec.layers.find((l) => l.type === 'add')).toEqual({ name: '/Add', type: 'add', inputs: ['input', '/Relu'] });
    const x = randomArray(2 * 16 * 20, 1);
    const net = await fromOnnx('residual_opset14.onnx', { loss: 'bce' });
    expect(relativeError(await net.predict(x), await ortOutput('residual_opset14.onnx', x, [2, 1, 16, 20]))).toBeLessThan(1e-4);
  });

  it.each(MODELS)("$file: the parameter count is PyTorch's", ({ file, data }) => {
    expect(Network.inspect(importOnnx(fixture(file)).spec).parameters).toBe(sidecar(data).parameters);
  });
});

describe('graph imports: forward, gradients and training as in ONNX Runtime and PyTorch', () => {
  it.each(MODELS)('$file: the outputs of ONNX Runtime and PyTorch', async ({ file, data }) => {
    const s = sidecar(data);
    const x = Float32Array.from(s.input);
    const net = await fromOnnx(file, { loss: 'bce' });
    const ours = await net.predict(x);
    expect(relativeError(ours, await ortOutput(file, x, s.inputShape))).toBeLessThan(1e-4);
    expect(relativeError(ours, s.output)).toBeLessThan(1e-4);
  });

  it.each(MODELS)("$file: one step's gradients are PyTorch's, and the ledger's rows carry the ONNX node names", async ({ file, data }) => {
    const s = sidecar(data);
    const imported = importOnnx(fixture(file));
    const names = torchNames(imported);
    // Every trainable PyTorch parameter has its sedjoule counterpart.
    expect(Object.values(names).sort()).toEqual(Object.keys(s.gradients).sort());
    // SGD with lr 1, no momentum or decay: the change of each parameter is minus its gradient.
    const net = await fromOnnx(file, { optimizer: { type: 'sgd', lr: 1 } });
    const before = await net.getParameters();
    const loss = await net.trainStep(Float32Array.from(s.input), Float32Array.from(s.targets));
    expect(Math.abs(loss - s.loss) / s.loss).toBeLessThan(1e-4);
    const after = await net.getParameters();
    for (const [ours, theirs] of Object.entries(names)) {
      const gradient = before[ours].map((v, i) => v - after[ours][i]);
      const expected = s.gradients[theirs];
      // A conv bias just before batch norm has no gradient in exact arithmetic: rounding noise on both sides.
      if (Math.max(...expected.map(Math.abs)) < 1e-6) expect(Math.max(...gradient.map(Math.abs)), ours).toBeLessThan(1e-5);
      else expect(relativeError(gradient, expected), `${ours} (${theirs})`).toBeLessThan(1e-3);
    }
    // Each computing layer's kernel calls are labelled with its name, that of its ONNX node.
    const labels = new Set(net.ledger().map((r) => r.layer));
    for (const layer of imported.spec.layers.filter((l) => !VIEWS.has(l.type))) expect(labels, layer.name).toContain(layer.name);
  });

  it.each(MODELS)('$file: a few SGD steps lower the loss as they do in PyTorch', async ({ file, data }) => {
    const s = sidecar(data);
    const net = await fromOnnx(file, { optimizer: { type: 'sgd', lr: 0.1 } });
    const losses: number[] = [];
    for (let i = 0; i < s.sgdLosses.length; ++i) losses.push(await net.trainStep(Float32Array.from(s.input), Float32Array.from(s.targets)));
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(relativeError(losses, s.sgdLosses)).toBeLessThan(1e-3);
  });
});

// ---- Models built here: ops and forms PyTorch 1.13 does not export ----

interface NodeDef {
  op: string;
  inputs: string[];
  output: string;
  name?: string;
  attrs?: Record<string, number | string | number[]>;
}

/** An ONNX model (bytes): input 'input' [batch, ...sample], output 'output', float32 initializers. */
function buildModel(
  opset: number,
  sample: number[],
  nodes: NodeDef[],
  initializers: Record<string, { dims: number[]; values: number[] }> = {},
): Uint8Array {
  const shape = (dims: (number | string)[]) => ({
    dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
  });
  const attribute = (name: string, v: number | string | number[]) =>
    typeof v === 'string'
      ? { name, type: 3, s: Buffer.from(v) }
      : Array.isArray(v)
        ? { name, type: 7, ints: v }
        : Number.isInteger(v) && name !== 'epsilon' && name !== 'alpha'
          ? { name, type: 2, i: v }
          : { name, type: 1, f: v };
  const model = {
    irVersion: 9,
    producerName: 'sedjoule test',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'built',
      node: nodes.map((n, i) => ({
        name: n.name ?? `node${i}`,
        opType: n.op,
        domain: '',
        input: n.inputs,
        output: [n.output],
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: Object.entries(initializers).map(([name, t]) => ({ name, dims: t.dims, dataType: 1, floatData: t.values })),
      input: [{ name: 'input', type: { tensorType: { elemType: 1, shape: shape(['batch', ...sample]) } } }],
      output: [{ name: 'output', type: { tensorType: { elemType: 1 } } }],
    },
  };
  const type = modelProtoType();
  return type.encode(type.fromObject(model)).finish();
}

/** The model with int64 initializers 'pads' (and 'batch_pads'), which buildModel's float initializers cannot hold. */
function withPads(bytes: Uint8Array, pads: number[], batchPads?: number[]): Uint8Array {
  const type = modelProtoType();
  const model = type.toObject(type.decode(bytes)) as { graph: { initializer: unknown[] } };
  model.graph.initializer.push({ name: 'pads', dims: [pads.length], dataType: 7, int64Data: pads });
  if (batchPads) model.graph.initializer.push({ name: 'batch_pads', dims: [batchPads.length], dataType: 7, int64Data: batchPads });
  return type.encode(type.fromObject(model)).finish();
}

const values = (n: number, seed: number, offset = 0) => Array.from(randomArray(n, seed), (v) => v + offset);

describe('models built with the ops PyTorch 1.13 cannot export', () => {
  it('opset 17 LayerNormalization (over the last two axes, and with no B) and opset 20 Gelu (erf and tanh) match ONNX Runtime', async () => {
    const bytes = buildModel(
      20,
      [3, 4, 5],
      [
        {
          op: 'LayerNormalization',
          inputs: ['input', 'scale2d', 'shift2d'],
          output: 'n1',
          name: 'norm_2d',
          attrs: { axis: -2, epsilon: 1e-3 },
        },
        { op: 'Gelu', inputs: ['n1'], output: 'g1', name: 'gelu_erf' },
        { op: 'LayerNormalization', inputs: ['g1', 'scale1d'], output: 'n2', name: 'norm_1d', attrs: { axis: 3 } },
        { op: 'Gelu', inputs: ['n2'], output: 'g2', name: 'gelu_tanh', attrs: { approximate: 'tanh' } },
        { op: 'Add', inputs: ['g2', 'input'], output: 'output', name: 'output' },
      ],
      {
        scale2d: { dims: [4, 5], values: values(20, 2, 1) },
        shift2d: { dims: [4, 5], values: values(20, 3) },
        scale1d: { dims: [5], values: values(5, 4, 1) },
      },
    );
    const { spec, weights } = importOnnx(bytes);
    expect(spec.layers).toEqual([
      { name: 'norm_2d', type: 'layer_norm', axes: 2, eps: 0.001 },
      { name: 'gelu_erf', type: 'gelu', approximate: 'none' },
      { name: 'norm_1d', type: 'layer_norm', axes: 1, eps: 0.00001 },
      { name: 'gelu_tanh', type: 'gelu', approximate: 'tanh' },
      // "output" is reserved for the spec: the layer takes its op and position instead.
      { name: 'Add_4', type: 'add', inputs: ['gelu_tanh', 'input'] },
    ]);
    expect(spec.output).toBe('Add_4');
    expect(Array.from(weights['layers.2.bias'])).toEqual([0, 0, 0, 0, 0]);
    const x = randomArray(2 * 60, 5, 2);
    const net = await fromOnnx(bytes, { loss: 'bce' });
    expect(relativeError(await net.predict(x), await ortOutput(bytes, x, [2, 3, 4, 5]))).toBeLessThan(1e-4);
  });

  it('maps element-wise ops on constants to parameter operands: scalars, per-channel initializers, the constant first', async () => {
    const bytes = buildModel(
      17,
      [3, 4],
      [
        { op: 'Constant', inputs: [], output: 'two', name: 'two', attrs: {} },
        { op: 'Sub', inputs: ['two', 'input'], output: 'a', name: 'two_minus' },
        { op: 'Mul', inputs: ['a', 'channel_scale'], output: 'b', name: 'scale' },
        { op: 'Div', inputs: ['b', 'row'], output: 'c', name: 'by_row' },
        { op: 'Add', inputs: ['c', 'a'], output: 'd', name: 'residual' },
        { op: 'Concat', inputs: ['d', 'a'], output: 'e', name: 'join', attrs: { axis: 1 } },
        { op: 'LeakyRelu', inputs: ['e'], output: 'f', name: 'leaky', attrs: { alpha: 0.2 } },
        { op: 'HardSigmoid', inputs: ['f'], output: 'output', name: 'hard' },
      ],
      { channel_scale: { dims: [3, 1], values: [0.5, -1.5, 2] }, row: { dims: [1, 1, 4], values: [1, 2, 4, 8] } },
    );
    // The Constant node: a scalar 2 (value attribute as a tensor).
    const type = modelProtoType();
    const model = type.toObject(type.decode(bytes)) as { graph: { node: { attribute: unknown[] }[] } };
    model.graph.node[0].attribute = [{ name: 'value', type: 4, t: { dims: [], dataType: 1, floatData: [2] } }];
    const patched = type.encode(type.fromObject(model)).finish();
    const { spec, weights } = importOnnx(patched);
    expect(spec.layers).toEqual([
      { name: 'two_minus', type: 'sub', operand: { shape: [1], init: 2, trainable: false, first: true } },
      { name: 'scale', type: 'mul', operand: { shape: [3, 1], trainable: true } },
      { name: 'by_row', type: 'div', operand: { shape: [4], trainable: true } },
      { name: 'residual', type: 'add', inputs: ['by_row', 'two_minus'] },
      { name: 'join', type: 'concat', axis: 0, inputs: ['residual', 'two_minus'] },
      { name: 'leaky', type: 'leaky_relu', slope: 0.2 },
      // ONNX's HardSigmoid defaults, written out (sedjoule's are PyTorch's 1/6 and 0.5).
      { name: 'hard', type: 'hardsigmoid', alpha: 0.2, beta: 0.5 },
    ]);
    expect(Array.from(weights['layers.1.operand'])).toEqual([0.5, -1.5, 2]);
    expect(Array.from(weights['layers.2.operand'])).toEqual([1, 2, 4, 8]);
    // The literal 2 is not a parameter; the two initializers are.
    expect(Network.inspect(spec).parameters).toBe(3 + 4);
    const x = randomArray(2 * 12, 6, 2);
    const net = await fromOnnx(patched, { loss: 'bce' });
    expect(relativeError(await net.predict(x), await ortOutput(patched, x, [2, 3, 4]))).toBeLessThan(1e-4);
  });

  it('maps Conv pads per side, strides, dilations and groups, 2-D and 1-D, as ONNX Runtime computes them', async () => {
    const conv2d = buildModel(
      17,
      [4, 7, 9],
      [
        {
          op: 'Conv',
          inputs: ['input', 'w', 'b'],
          output: 'output',
          name: 'conv',
          attrs: { pads: [0, 1, 2, 3], strides: [2, 1], dilations: [1, 2], group: 2 },
        },
      ],
      { w: { dims: [6, 2, 3, 3], values: values(108, 10) }, b: { dims: [6], values: values(6, 11) } },
    );
    expect(importOnnx(conv2d).spec.layers).toEqual([
      {
        name: 'conv',
        type: 'conv2d',
        out: 6,
        kernel: [3, 3],
        stride: [2, 1],
        padding: [0, 1, 2, 3],
        dilation: [1, 2],
        groups: 2,
        bias: true,
      },
    ]);
    const conv1d = buildModel(
      17,
      [3, 11],
      [{ op: 'Conv', inputs: ['input', 'w'], output: 'output', name: 'conv', attrs: { pads: [2, 0], dilations: [3], group: 3 } }],
      { w: { dims: [6, 1, 2], values: values(12, 12) } },
    );
    expect(importOnnx(conv1d).spec.layers).toEqual([
      { name: 'conv', type: 'conv1d', out: 6, kernel: 2, stride: 1, padding: [2, 0], dilation: 3, groups: 3, bias: false },
    ]);
    for (const [bytes, shape] of [
      [conv2d, [2, 4, 7, 9]],
      [conv1d, [2, 3, 11]],
    ] as const) {
      const x = randomArray(
        shape.reduce((a, b) => a * b, 1),
        13,
      );
      const net = await fromOnnx(bytes, { loss: 'bce' });
      expect(relativeError(await net.predict(x), await ortOutput(bytes, x, [...shape]))).toBeLessThan(1e-4);
    }
  });

  it("maps Clip with one bound (the other unbounded) and ONNX's defaults of LeakyRelu and HardSigmoid, as ONNX Runtime computes them", async () => {
    const bytes = buildModel(
      17,
      [8],
      [
        { op: 'Clip', inputs: ['input', '', 'top'], output: 'a', name: 'below_one' },
        { op: 'Clip', inputs: ['a', 'bottom'], output: 'b', name: 'above_minus_half' },
        { op: 'LeakyRelu', inputs: ['b'], output: 'c', name: 'leaky' },
        { op: 'HardSigmoid', inputs: ['c'], output: 'output', name: 'hard' },
      ],
      { top: { dims: [], values: [1] }, bottom: { dims: [], values: [-0.5] } },
    );
    expect(importOnnx(bytes).spec.layers).toEqual([
      { name: 'below_one', type: 'clip', max: 1 },
      { name: 'above_minus_half', type: 'clip', min: -0.5 },
      { name: 'leaky', type: 'leaky_relu', slope: 0.01 },
      { name: 'hard', type: 'hardsigmoid', alpha: 0.2, beta: 0.5 },
    ]);
    const x = randomArray(3 * 8, 14, 3);
    const net = await fromOnnx(bytes, { loss: 'bce' });
    expect(relativeError(await net.predict(x), await ortOutput(bytes, x, [3, 8]))).toBeLessThan(1e-4);
  });

  it("fuses PyTorch's GELU pattern in either operand order, but not when a tensor inside it is read elsewhere", async () => {
    const gelu = (prefix: string, x: string, out: string): NodeDef[] => [
      { op: 'Div', inputs: [x, 'sqrt2'], output: `${prefix}d`, name: `${prefix}div` },
      { op: 'Erf', inputs: [`${prefix}d`], output: `${prefix}e`, name: `${prefix}erf` },
      { op: 'Add', inputs: ['one', `${prefix}e`], output: `${prefix}a`, name: `${prefix}add` },
      { op: 'Mul', inputs: [`${prefix}a`, x], output: `${prefix}m`, name: `${prefix}mul` },
      { op: 'Mul', inputs: ['half', `${prefix}m`], output: out, name: `${prefix}half` },
    ];
    const constants = { sqrt2: { dims: [], values: [Math.SQRT2] }, one: { dims: [], values: [1] }, half: { dims: [], values: [0.5] } };
    const bytes = buildModel(17, [6], gelu('g_', 'input', 'output'), constants);
    expect(importOnnx(bytes).spec.layers).toEqual([{ name: 'g_half', type: 'gelu', approximate: 'none' }]);
    expect(importOnnx(bytes).report[0].nodes.map((n) => n.opType)).toEqual(['Div', 'Erf', 'Add', 'Mul', 'Mul']);
    const x = randomArray(2 * 6, 9, 2);
    const net = await fromOnnx(bytes, { loss: 'bce' });
    expect(relativeError(await net.predict(x), await ortOutput(bytes, x, [2, 6]))).toBeLessThan(1e-4);
    // The Erf's output also feeds the graph output: the pattern computes something else too.
    const leaky = buildModel(
      17,
      [6],
      [...gelu('g_', 'input', 'y'), { op: 'Add', inputs: ['y', 'g_e'], output: 'output', name: 'sum' }],
      constants,
    );
    const e = await failure(() => importOnnx(leaky));
    expect(e.message).toContain("Erf node 'g_erf' (opset 17): Erf outside the GELU pattern");
  });

  it('names unnamed and clashing nodes by op and position, and leaves out layers that do not lead to the output', () => {
    const bytes = buildModel(
      17,
      [4],
      [
        { op: 'Relu', inputs: ['input'], output: 'a', name: '' },
        { op: 'Tanh', inputs: ['a'], output: 'b', name: 'act' },
        { op: 'Sigmoid', inputs: ['b'], output: 'unused', name: 'dead' },
        { op: 'Sigmoid', inputs: ['b'], output: 'output', name: 'act' },
      ],
    );
    const { spec, report } = importOnnx(bytes);
    expect(spec.layers).toEqual([
      { name: 'Relu_0', type: 'relu' },
      { name: 'act', type: 'tanh' },
      { name: 'act_2', type: 'sigmoid' },
    ]);
    expect(spec.output).toBe('act_2');
    expect(report.map((r) => [r.layer, r.name])).toEqual([
      [0, 'Relu_0'],
      [1, 'act'],
      [2, 'act_2'],
    ]);
  });

  it('maps GlobalMaxPool, a Pad of ones before a Conv and a zero Pad before a Relu (pad layers), as ONNX Runtime computes them', async () => {
    const bytes = withPads(
      buildModel(
        17,
        [2, 6, 6],
        [
          { op: 'GlobalMaxPool', inputs: ['input'], output: 'gmp', name: 'gmp' },
          { op: 'Pad', inputs: ['input', 'pads', 'one'], output: 'p1', name: 'pad_one' },
          { op: 'Conv', inputs: ['p1', 'w'], output: 'c1', name: 'conv_after_pad_one' },
          { op: 'Pad', inputs: ['input', 'pads'], output: 'p2', name: 'pad_to_relu' },
          { op: 'Relu', inputs: ['p2'], output: 'r', name: 'relu' },
          { op: 'Conv', inputs: ['r', 'w'], output: 'c2', name: 'conv_after_relu' },
          { op: 'Add', inputs: ['gmp', 'c1'], output: 's1', name: 'sum1' },
          { op: 'Add', inputs: ['s1', 'c2'], output: 'output', name: 'sum' },
        ],
        { w: { dims: [2, 2, 3, 3], values: values(36, 7) }, one: { dims: [], values: [1] } },
      ),
      [0, 0, 1, 1, 0, 0, 1, 1],
    );
    const imported = importOnnx(bytes);
    expect(imported.spec.layers.filter((l) => l.type === 'pad').map((l) => (l as { value?: number }).value)).toEqual([1, 0]);
    expect(imported.spec.layers.find((l) => l.name === 'gmp')).toMatchObject({ type: 'reduce', op: 'max', axes: [1, 2], keepDims: true });
    const x = Float32Array.from(values(2 * 72, 9));
    const net = await fromOnnx(bytes, { loss: 'bce' });
    expect(relativeError(await net.predict(x), await ortOutput(bytes, x, [2, 2, 6, 6]))).toBeLessThan(1e-5);
  });

  it('lists every refused node at once: a reflection Pad, a Pad of the batch axis, a ReduceMax over every axis, LayerNormalization over the batch', async () => {
    const bytes = withPads(
      buildModel(
        17,
        [2, 6, 6],
        [
          { op: 'Pad', inputs: ['input', 'pads'], output: 'p1', name: 'pad_reflect', attrs: { mode: 'reflect' } },
          { op: 'Pad', inputs: ['input', 'batch_pads'], output: 'p2', name: 'pad_batch' },
          { op: 'ReduceMax', inputs: ['input'], output: 'm', name: 'max_all' },
          { op: 'LayerNormalization', inputs: ['input', 'scale'], output: 'n', name: 'norm_all', attrs: { axis: 0 } },
          { op: 'Add', inputs: ['p1', 'p2'], output: 's1', name: 'sum1' },
          { op: 'Add', inputs: ['m', 'n'], output: 's2', name: 'sum2' },
          { op: 'Add', inputs: ['s1', 's2'], output: 'output', name: 'sum' },
        ],
        { scale: { dims: [2, 6, 6], values: values(72, 8, 1) } },
      ),
      [0, 0, 1, 1, 0, 0, 1, 1],
      [1, 0, 0, 0, 0, 0, 0, 0],
    );
    const e = await failure(() => importOnnx(bytes));
    expect(e.code).toBe('E_ONNX');
    expect(e.message).toContain('4 problem(s)');
    expect(e.message).toContain("Pad node 'pad_reflect' (opset 17): mode 'reflect'; only constant padding is imported");
    expect(e.message).toContain("Pad node 'pad_batch' (opset 17): pads by [1,0,0,0,0,0,0,0], the batch axis included");
    expect(e.message).toContain("ReduceMax node 'max_all' (opset 17): reduces over every axis, the batch included");
    expect(e.message).toContain("LayerNormalization node 'norm_all' (opset 17): normalises from axis 0");
  });
});
