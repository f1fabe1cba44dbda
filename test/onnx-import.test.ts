/**
 * The ONNX importer against PyTorch and ONNX Runtime, on the models scripts/make-onnx-fixtures.py
 * exported (test/fixtures/onnx/): parameter counts as PyTorch counts them, forward outputs as ONNX
 * Runtime and PyTorch compute them, one training step's gradients as PyTorch's autograd gives them,
 * refusals that list every offending node, and the command line (import, profile --onnx).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import { importOnnx } from '../src/onnx/import.js';
import { modelProtoType, type ModelProto } from '../src/onnx/schema.js';
import { packageRoot } from '../src/version.js';
import { failure } from './helpers.js';
import { fixture, ortOutput, relativeError, sidecar } from './onnx-fixtures.js';

const made: Network[] = [];
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});
async function fromOnnx(file: string, options: Parameters<typeof Network.fromOnnx>[1] = {}): Promise<Network> {
  const net = await Network.fromOnnx(fixture(file), { threads: 2, ...options });
  made.push(net);
  return net;
}

/** sedjoule's parameter name -> the PyTorch parameters it holds, in order (directions stacked for a GRU). */
const CNN_NAMES: Record<string, string[]> = {
  'layers.0.weight': ['features.0.weight'],
  'layers.0.bias': ['features.0.bias'],
  'layers.1.weight': ['features.1.weight'],
  'layers.1.bias': ['features.1.bias'],
  'layers.4.weight': ['features.4.weight'],
  'layers.4.bias': ['features.4.bias'],
  'layers.5.weight': ['features.5.weight'],
  'layers.5.bias': ['features.5.bias'],
  'layers.9.weight': ['classifier.weight'],
  'layers.9.bias': ['classifier.bias'],
};
const gruNames = (layer: number): Record<string, string[]> =>
  Object.fromEntries(
    [0, 1].flatMap((l) =>
      ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((p) => [
        `layers.${layer}.${p}_l${l}`,
        [`gru.${p}_l${l}`, `gru.${p}_l${l}_reverse`],
      ]),
    ),
  );
const CRNN_NAMES: Record<string, string[]> = {
  'layers.0.weight': ['conv.0.weight'],
  'layers.0.bias': ['conv.0.bias'],
  'layers.1.weight': ['conv.1.weight'],
  'layers.1.bias': ['conv.1.bias'],
  ...gruNames(6),
  'layers.7.weight': ['head.weight'],
  'layers.7.bias': ['head.bias'],
};

const MODELS = [
  { file: 'cnn_tagger_opset17.onnx', data: 'cnn_tagger', names: CNN_NAMES },
  { file: 'crnn_opset14.onnx', data: 'crnn', names: CRNN_NAMES },
];

describe('importing PyTorch exports', () => {
  it('maps the CNN tagger and the CRNN onto conv2d/batchnorm2d/pool/linear and a 2-layer bidirectional gru', () => {
    const cnn = importOnnx(fixture('cnn_tagger_opset17.onnx'));
    const block = ['conv2d', 'batchnorm2d', 'relu', 'maxpool2d'];
    expect(cnn.spec.layers.map((l) => l.type)).toEqual([...block, ...block, 'flatten', 'linear']);
    expect(cnn.inputShape).toEqual([1, 16, 20]);
    expect(cnn.outputShape).toEqual([3]);
    expect(cnn.spec.loss).toBe('bce-logits');
    const crnn = importOnnx(fixture('crnn_opset14.onnx'));
    expect(crnn.spec.layers).toContainEqual({ name: '/gru/GRU', type: 'gru', hidden: 8, layers: 2, bidirectional: true, bias: true });
    expect(crnn.spec.layers.map((l) => l.type)).toEqual([
      'conv2d',
      'batchnorm2d',
      'relu',
      'avgpool2d',
      'permute',
      'reshape',
      'gru',
      'linear',
      'mean',
    ]);
    // Every node of the graph is accounted for in the report, once.
    const nodes = crnn.report.flatMap((r) => r.nodes.map((n) => n.name));
    expect(new Set(nodes).size).toBe(nodes.length);
    expect(crnn.report.find((r) => r.type === 'gru')!.nodes.filter((n) => n.opType === 'GRU')).toHaveLength(2);
    expect(crnn.report.find((r) => r.type === 'linear')!.nodes.map((n) => n.opType)).toEqual(expect.arrayContaining(['MatMul', 'Add']));
  });

  it('reads a model from its bytes as from its path', () => {
    const bytes = fs.readFileSync(fixture('crnn_opset14.onnx'));
    const fromBytes = importOnnx(new Uint8Array(bytes));
    const fromPath = importOnnx(fixture('crnn_opset14.onnx'));
    expect(fromBytes.spec).toEqual(fromPath.spec);
    expect(fromBytes.weights).toEqual(fromPath.weights);
  });

  it('imports the opset 11 and opset 17 exports of one model to the same spec and weights', () => {
    const a = importOnnx(fixture('cnn_tagger_opset11.onnx'));
    const b = importOnnx(fixture('cnn_tagger_opset17.onnx'));
    expect(a.model.opset).toBe(11);
    expect(b.model.opset).toBe(17);
    expect(a.spec).toEqual(b.spec);
    expect(a.weights).toEqual(b.weights);
  });

  it('imports a chain as a chain spec: layers named after their ONNX nodes, no inputs, the last layer the output', () => {
    const { spec, report } = importOnnx(fixture('cnn_tagger_opset17.onnx'));
    expect(spec.layers.map((l) => l.name)).toEqual([
      '/features/features.0/Conv',
      '/features/features.1/BatchNormalization',
      '/features/features.2/Relu',
      '/features/features.3/MaxPool',
      '/features/features.4/Conv',
      '/features/features.5/BatchNormalization',
      '/features/features.6/Relu',
      '/features/features.7/MaxPool',
      '/features/features.7/MaxPool/flatten',
      '/classifier/Gemm',
    ]);
    expect(spec.layers.filter((l) => l.inputs !== undefined)).toEqual([]);
    expect(spec.output).toBe('/classifier/Gemm');
    expect(report.map((r) => r.name)).toEqual(spec.layers.map((l) => l.name));
  });

  it.each(MODELS)("$file: the parameter count is PyTorch's", ({ file, data }) => {
    expect(Network.inspect(importOnnx(fixture(file)).spec).parameters).toBe(sidecar(data).parameters);
  });
});

describe('forward: the outputs of ONNX Runtime and PyTorch', () => {
  const cases = [
    ...MODELS,
    { file: 'cnn_tagger_opset11.onnx', data: 'cnn_tagger' },
    { file: 'cnn_tagger_fused_opset13.onnx', data: 'cnn_tagger' },
  ];
  it.each(cases)('$file', async ({ file, data }) => {
    const s = sidecar(data);
    const x = Float32Array.from(s.input);
    // 'bce': predict returns the last layer's output as it is (no sigmoid), the model's logits.
    const net = await fromOnnx(file, { loss: 'bce' });
    const ours = await net.predict(x);
    const theirs = await ortOutput(file, x, s.inputShape);
    expect(relativeError(ours, theirs)).toBeLessThan(1e-4);
    expect(relativeError(ours, s.output)).toBeLessThan(1e-4);
  });
});

describe("training: one step's gradients are PyTorch's", () => {
  it.each(MODELS)('$file', async ({ file, data, names }) => {
    const s = sidecar(data);
    // SGD with lr 1, no momentum or decay: the change of each parameter is minus its gradient.
    const net = await fromOnnx(file, { optimizer: { type: 'sgd', lr: 1 } });
    const before = await net.getParameters();
    const loss = await net.trainStep(Float32Array.from(s.input), Float32Array.from(s.targets));
    expect(Math.abs(loss - s.loss) / s.loss).toBeLessThan(1e-4);
    const after = await net.getParameters();
    let compared = 0;
    for (const [ours, torchNames] of Object.entries(names)) {
      const gradient = before[ours].map((v, i) => v - after[ours][i]);
      const expected = torchNames.flatMap((n) => s.gradients[n]);
      // A conv bias just before batch norm has no gradient in exact arithmetic (the batch mean
      // takes it away): both sides hold rounding noise, compared in absolute terms.
      if (Math.max(...expected.map(Math.abs)) < 1e-6) expect(Math.max(...gradient.map(Math.abs)), ours).toBeLessThan(1e-5);
      else expect(relativeError(gradient, expected), ours).toBeLessThan(1e-3);
      ++compared;
    }
    // Every trainable PyTorch parameter was compared.
    expect(Object.values(names).flat().sort()).toEqual(Object.keys(s.gradients).sort());
    expect(compared).toBeGreaterThan(0);
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

/** A fixture decoded, changed and encoded again: models with one thing wrong. */
function variant(file: string, change: (m: ModelProto) => void): Uint8Array {
  const type = modelProtoType();
  const model = type.decode(fs.readFileSync(fixture(file))) as unknown as ModelProto;
  change(model);
  return type.encode(model as unknown as Record<string, unknown>).finish();
}

describe('refusals: one E_ONNX error listing every problem', () => {
  it('lists every unsupported node of a model at once, with op type, name, opset and why', async () => {
    const e = await failure(() => importOnnx(fixture('unsupported_opset14.onnx')));
    expect(e.code).toBe('E_ONNX');
    expect(e.message).toContain('3 problem(s)');
    expect(e.message).toContain("Pad node '/conv/conv.0/Pad' (opset 14): mode 'reflect'");
    expect(e.message).toContain("MaxPool node '/MaxPool' (opset 14): attribute ceil_mode");
    expect(e.message).toContain("Erf node '/Erf' (opset 14): Erf outside the GELU pattern");
  });

  it('refuses a symbolic axis besides the batch unless the input shape is given', async () => {
    const bytes = variant('cnn_tagger_opset17.onnx', (m) => {
      m.graph!.input[0].type!.tensorType!.shape!.dim![3] = { dimParam: 'time' };
    });
    const e = await failure(() => importOnnx(bytes));
    expect(e.code).toBe('E_ONNX');
    expect(e.message).toContain("input 'input': axis 3 is symbolic ('time'); give the per-sample input shape");
    expect(importOnnx(bytes, { inputShape: [1, 16, 20] }).inputShape).toEqual([1, 16, 20]);
    const wrong = await failure(() => importOnnx(bytes, { inputShape: [1, 8, 20] }));
    expect(wrong.message).toContain('axis 2 is 16 in the model, but the input shape given says 8');
  });

  it('names float16 inputs and weights, external data and an opset out of range, all in one error', async () => {
    const bytes = variant('cnn_tagger_opset17.onnx', (m) => {
      m.graph!.input[0].type!.tensorType!.elemType = 10;
      m.graph!.initializer[0].dataType = 10;
      m.graph!.initializer[1].dataLocation = 1;
      m.opsetImport[0].version = 9;
    });
    const e = await failure(() => importOnnx(bytes));
    expect(e.code).toBe('E_ONNX');
    expect(e.message).toContain('4 problem(s)');
    expect(e.message).toContain('opset 9 of the default domain; sedjoule imports opsets 11 to 21');
    expect(e.message).toContain("input 'input': is float16");
    expect(e.message).toContain("initializer 'features.0.weight': is float16");
    expect(e.message).toContain("initializer 'features.0.bias': keeps its data in an external file");
  });

  it('says what is wrong with bytes that are not a model, and with a path that does not exist', async () => {
    expect(await failure(() => importOnnx(new Uint8Array([0xff, 0xff, 0xff])))).toMatchObject({
      code: 'E_ONNX',
      message: expect.stringContaining('not an ONNX model'),
    });
    expect(await failure(() => importOnnx('/nonexistent/model.onnx'))).toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining('/nonexistent/model.onnx'),
    });
  });
});

describe('the command line', () => {
  const cli = path.join(packageRoot, 'dist', 'cli.js');
  const sedjoule = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });

  it('sedjoule import writes spec.json, weights.sjw and mapping.json that rebuild the model', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-import-'));
    try {
      const r = sedjoule('import', fixture('crnn_opset14.onnx'), '--out', out, '--json');
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({
        command: 'import',
        parameters: sidecar('crnn').parameters,
        inputShape: [1, 16, 20],
        outputShape: [3],
      });
      expect(fs.readdirSync(out).sort()).toEqual(['mapping.json', 'spec.json', 'weights.sjw']);
      const spec = JSON.parse(fs.readFileSync(path.join(out, 'spec.json'), 'utf8'));
      expect(spec).toEqual(importOnnx(fixture('crnn_opset14.onnx')).spec);
      const mapping = JSON.parse(fs.readFileSync(path.join(out, 'mapping.json'), 'utf8'));
      expect(mapping.layers.map((l: { type: string }) => l.type)).toEqual(spec.layers.map((l: { type: string }) => l.type));
      // The weights file gives the network the ONNX model's outputs.
      const net = Network.create({ ...spec, loss: 'bce' }, { threads: 2 });
      made.push(net);
      await net.loadWeights(path.join(out, 'weights.sjw'));
      const s = sidecar('crnn');
      expect(relativeError(await net.predict(Float32Array.from(s.input)), s.output)).toBeLessThan(1e-4);
      const text = sedjoule('import', fixture('crnn_opset14.onnx'), '--out', out);
      expect(text.stdout).toMatch(/\n\s+6 gru\s+<- .*GRU.*GRU/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('sedjoule import refuses an unsupported model with E_ONNX and writes nothing', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-import-')), 'model');
    const r = sedjoule('import', fixture('unsupported_opset14.onnx'), '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('E_ONNX');
    expect(r.stderr).toContain('/conv/conv.0/Pad');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('profile --onnx prints the cost of each imported layer', () => {
    const r = sedjoule('profile', '--onnx', fixture('cnn_tagger_opset17.onnx'), '--frontend', 'toolbox', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.params).toBe(sidecar('cnn_tagger').parameters);
    expect(report.inputShape).toEqual([1, 16, 20]);
    // Rows are labelled with the layers' names, those of their ONNX nodes.
    const [conv0, bn0, head] = ['/features/features.0/Conv', '/features/features.1/BatchNormalization', '/classifier/Gemm'];
    expect(report.layers.map((l: { layer: string }) => l.layer)).toEqual(expect.arrayContaining([conv0, bn0, head]));
    // conv 1 -> 4 channels, 3x3, on 16 x 20 (padding 1): every output tap, padding taps counted apart.
    const conv = report.layers.find((l: { layer: string }) => l.layer === conv0).forward;
    expect(conv.macs + conv.paddingMacs).toBe(4 * 9 * 16 * 20);
    expect(conv.paddingMacs).toBeGreaterThan(0);
    const text = sedjoule('profile', '--onnx', fixture('cnn_tagger_opset17.onnx'));
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^layer\s+onnx ops\s+fwd MACs\s+fwd pad MACs\s+fwd FLOPs\s+bwd FLOPs\s+bwd\/fwd counted$/m);
    expect(text.stdout).toMatch(/^\/features\/features\.0\/Conv\s+Conv\s+[\d,]+\s+[\d,]+/m);
    expect(text.stdout).toMatch(/^\/features\/features\.1\/BatchNormalization\s/m);
    expect(text.stdout).toMatch(/^\/classifier\/Gemm\s/m);
  });

  it('train --onnx trains the imported model on the data like any model, and refuses data of another shape', () => {
    const model = fixture('cnn_tagger_opset17.onnx');
    const common = ['--data', 'random', '--classes', '3', '--clips', '16', '--test-clips', '8', '--batch', '4', '--no-energy', '--json'];
    const r = sedjoule('train', '--onnx', model, '--input', '1,16,20', '--epochs', '2', ...common);
    expect(r.status, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout);
    expect(record.params).toBe(sidecar('cnn_tagger').parameters);
    expect(record.model.name).toBe(`onnx ${model}`);
    expect(record.model.spec.layers).toEqual(importOnnx(model).spec.layers);
    expect(record.phases.train.result.epochs).toBe(2);
    const wrong = sedjoule('train', '--onnx', model, '--input', '1,16,24', ...common);
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).error).toMatchObject({
      code: 'E_SHAPE',
      message: expect.stringContaining('takes per-sample input [1,16,20], but the data gives [1,16,24]'),
    });
  });

  it('--input-shape without --onnx is a usage error', () => {
    const r = sedjoule('profile', '--input-shape', '1,16,20');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--input-shape applies to an ONNX model');
  });
});
