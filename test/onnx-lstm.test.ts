/**
 * The ONNX LSTM mapper (src/onnx/lstm.ts) against PyTorch and ONNX Runtime, on the bidirectional
 * 2-layer LSTM tagger scripts/make-onnx-fixtures.py exported (test/fixtures/onnx/lstm_tagger*):
 * the spec and parameter count, forward outputs, one step's gradients, SGD steps, and refusals
 * of the LSTM (and GRU) forms sedjoule does not have; and the GRU's linear_before_reset 0 form
 * against ONNX Runtime.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import { importOnnx } from '../src/onnx/import.js';
import { modelProtoType, type ModelProto } from '../src/onnx/schema.js';
import { failure } from './helpers.js';
import { fixture, ortOutput, relativeError, sidecar } from './onnx-fixtures.js';

const FILE = 'lstm_tagger_opset14.onnx';
const data = sidecar('lstm_tagger');

const made: Network[] = [];
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});
async function fromOnnx(options: Parameters<typeof Network.fromOnnx>[1] = {}, file: string | Uint8Array = fixture(FILE)) {
  const net = typeof file === 'string' ? await Network.fromOnnx(file, { threads: 2, ...options }) : await Network.fromOnnx(file, options);
  made.push(net);
  return net;
}

/** sedjoule's parameter name -> PyTorch's, the directions stacked. */
const NAMES: Record<string, string[]> = {
  ...Object.fromEntries(
    [0, 1].flatMap((l) =>
      ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((p) => [`layers.2.${p}_l${l}`, [`lstm.${p}_l${l}`, `lstm.${p}_l${l}_reverse`]]),
    ),
  ),
  'layers.3.weight': ['head.weight'],
  'layers.3.bias': ['head.bias'],
};

/** A fixture decoded, changed and encoded again. */
function variant(change: (m: ModelProto) => void, file = FILE): Uint8Array {
  const type = modelProtoType();
  const model = type.decode(fs.readFileSync(fixture(file))) as unknown as ModelProto;
  change(model);
  return type.encode(model as unknown as Record<string, unknown>).finish();
}
const lstmNodes = (m: ModelProto) => m.graph!.node.filter((n) => n.opType === 'LSTM');

describe('ONNX LSTM import', () => {
  it('maps the two LSTM nodes onto one 2-layer bidirectional lstm with PyTorch parameter count', () => {
    const imported = importOnnx(fixture(FILE));
    expect(imported.spec.layers.map((l) => l.type)).toEqual(['permute', 'reshape', 'lstm', 'linear', 'mean']);
    expect(imported.spec.layers[2]).toEqual({ name: '/lstm/LSTM', type: 'lstm', hidden: 6, layers: 2, bidirectional: true, bias: true });
    expect(imported.report.find((r) => r.type === 'lstm')!.nodes.filter((n) => n.opType === 'LSTM')).toHaveLength(2);
    expect(Network.inspect(imported.spec).parameters).toBe(data.parameters);
  });

  it('gives the outputs of ONNX Runtime and PyTorch', async () => {
    const x = Float32Array.from(data.input);
    const net = await fromOnnx({ loss: 'bce' });
    const ours = await net.predict(x);
    expect(relativeError(ours, await ortOutput(FILE, x, data.inputShape))).toBeLessThan(1e-4);
    expect(relativeError(ours, data.output)).toBeLessThan(1e-4);
  });

  it("gives one step's loss and gradients as PyTorch's autograd", async () => {
    // SGD with lr 1, no momentum or decay: the change of each parameter is minus its gradient.
    const net = await fromOnnx({ optimizer: { type: 'sgd', lr: 1 } });
    const before = await net.getParameters();
    const loss = await net.trainStep(Float32Array.from(data.input), Float32Array.from(data.targets));
    expect(Math.abs(loss - data.loss) / data.loss).toBeLessThan(1e-4);
    const after = await net.getParameters();
    for (const [ours, torchNames] of Object.entries(NAMES)) {
      const gradient = before[ours].map((v, i) => v - after[ours][i]);
      expect(
        relativeError(
          gradient,
          torchNames.flatMap((n) => data.gradients[n]),
        ),
        ours,
      ).toBeLessThan(1e-3);
    }
    // Every trainable PyTorch parameter was compared.
    expect(Object.values(NAMES).flat().sort()).toEqual(Object.keys(data.gradients).sort());
  });

  it('lowers the loss over a few SGD steps as PyTorch does', async () => {
    const net = await fromOnnx({ optimizer: { type: 'sgd', lr: 0.1 } });
    const losses: number[] = [];
    for (let i = 0; i < data.sgdLosses.length; ++i)
      losses.push(await net.trainStep(Float32Array.from(data.input), Float32Array.from(data.targets)));
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(relativeError(losses, data.sgdLosses)).toBeLessThan(1e-3);
  });

  it('refuses peepholes, clipping, coupled gates, other activations and non-zero initial states, naming each', async () => {
    const cases: [string, (m: ModelProto) => void, string][] = [
      [
        'peepholes',
        (m) => {
          const node = lstmNodes(m)[0];
          while (node.input.length < 7) node.input.push('');
          node.input.push(m.graph!.initializer.find((t) => t.name === node.input[3])!.name);
        },
        'has peephole weights P',
      ],
      [
        'clip',
        (m) => lstmNodes(m)[0].attribute.push({ name: 'clip', type: 1, f: 3, floats: [], ints: [], strings: [] }),
        'attribute clip: cell clipping is not imported',
      ],
      [
        'input_forget',
        (m) => lstmNodes(m)[0].attribute.push({ name: 'input_forget', type: 2, i: 1, floats: [], ints: [], strings: [] }),
        'attribute input_forget: 1',
      ],
      [
        'activations',
        (m) =>
          lstmNodes(m)[0].attribute.push({
            name: 'activations',
            type: 8,
            floats: [],
            ints: [],
            strings: ['Sigmoid', 'Relu', 'Tanh', 'Sigmoid', 'Tanh', 'Tanh'].map((s) => Buffer.from(s)),
          }),
        'attribute activations: [Sigmoid,Relu,Tanh,Sigmoid,Tanh,Tanh]',
      ],
      [
        'initial_c',
        (m) => {
          const node = lstmNodes(m)[0];
          const bias = m.graph!.initializer.find((t) => t.name === node.input[3])!;
          // B [2, 48] as a [2, 1, 6]-shaped non-zero initial cell state: only its values matter.
          m.graph!.initializer.push({ ...bias, name: 'c0', dims: [2, 1, 6], rawData: bias.rawData!.subarray(0, 48) });
          while (node.input.length < 6) node.input.push('');
          node.input[6] = 'c0';
        },
        'starts from an initial_c that is not zero',
      ],
    ];
    for (const [what, change, words] of cases) {
      const e = await failure(() => importOnnx(variant(change)));
      expect(e.code, what).toBe('E_ONNX');
      expect(e.message, what).toContain("LSTM node '/lstm/LSTM'");
      expect(e.message, what).toContain(words);
    }
  });
});

// GRU shares the recurrent checks (src/onnx/recurrent.ts); its own attribute is linear_before_reset.
describe('ONNX GRU forms', () => {
  const gruNodes = (m: ModelProto) => m.graph!.node.filter((n) => n.opType === 'GRU');
  const crnn = sidecar('crnn');
  /** The CRNN fixture with linear_before_reset 0 on its GRU nodes: the same weights, another model. */
  const resetFirst = () =>
    variant((m) => {
      for (const node of gruNodes(m)) for (const a of node.attribute) if (a.name === 'linear_before_reset') a.i = 0;
    }, 'crnn_opset14.onnx');

  it('imports linear_before_reset 0 as a gru with linearBeforeReset false, with the outputs of ONNX Runtime', async () => {
    const bytes = resetFirst();
    expect(importOnnx(bytes).spec.layers.find((l) => l.type === 'gru')).toMatchObject({ linearBeforeReset: false });
    const x = Float32Array.from(crnn.input);
    // 'bce': predict returns the last layer's output as it is (no sigmoid), the model's logits.
    const ours = await (await fromOnnx({ loss: 'bce' }, bytes)).predict(x);
    const theirs = await ortOutput(bytes, x, crnn.inputShape);
    expect(relativeError(ours, theirs)).toBeLessThan(1e-4);
    // The attribute changes what is computed: the exported (linear_before_reset 1) model differs.
    expect(relativeError(theirs, crnn.output)).toBeGreaterThan(1e-3);
  });

  it('trains a linear_before_reset 0 model: SGD steps lower the loss', async () => {
    const net = await fromOnnx({ optimizer: { type: 'sgd', lr: 0.5 } }, resetFirst());
    const x = Float32Array.from(crnn.input),
      y = Float32Array.from(crnn.targets);
    const first = await net.trainStep(x, y);
    let last = first;
    for (let i = 0; i < 5; ++i) last = await net.trainStep(x, y);
    expect(last).toBeLessThan(first);
  });

  it('refuses a read final state Y_h, naming it', async () => {
    const final = await failure(() =>
      importOnnx(
        variant((m) => {
          const node = gruNodes(m)[0];
          if (!node.output[1]) node.output[1] = 'gru_h';
          m.graph!.output.push({ ...m.graph!.output[0], name: node.output[1] });
        }, 'crnn_opset14.onnx'),
      ),
    );
    expect(final.code).toBe('E_ONNX');
    expect(final.message).toContain("GRU node '/gru/GRU' (opset 14)");
    expect(final.message).toContain('its final state Y_h is read');
  });
});
