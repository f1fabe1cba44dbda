/**
 * GLU fusion (src/onnx/fuse.ts) on PyTorch exports of DESED_task's CRNN
 * (scripts/make-desed-crnn-fixture.py, test/fixtures/desed/): each GLU's six nodes become one
 * `glu` layer, and the imported CNN is the dcase-crnn preset's CNN, parameter for parameter and
 * kernel call for kernel call, with ONNX Runtime's and PyTorch's numbers; and the whole CRNN (its
 * clip head fused too) is the preset, layer for layer and kernel call for kernel call.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';

import { dcaseCrnnLayers, dcaseCrnnSpec } from '../src/models/dcase-crnn.js';
import { Network } from '../src/network.js';
import { FUSED_DOMAIN, fusePatterns } from '../src/onnx/fuse.js';
import { importOnnx } from '../src/onnx/import.js';
import { decodeModel } from '../src/onnx/schema.js';
import { relativeError } from './onnx-fixtures.js';

const FIXTURES = path.join(__dirname, 'fixtures', 'desed');
const fixture = (name: string) => path.join(FIXTURES, name);
const small = JSON.parse(fs.readFileSync(fixture('desed_crnn_small.json'), 'utf-8')) as {
  config: { nclass: number; n_RNN_cell: number; nb_filters: number[]; mels: number; frames: number };
  input: number[];
  inputShape: number[];
  cnn: number[];
  weak: number[];
  parameters: number;
};
const { mels, frames, nclass, nb_filters: filters, n_RNN_cell: rnnHidden } = small.config;

const made: Network[] = [];
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

/** The dcase-crnn preset's layers up to and including the 7th average pool: its CNN. */
function presetCnn(): Network {
  const layers = dcaseCrnnLayers(mels, frames, nclass, { filters, rnnHidden });
  const lastPool = layers.map((l) => l.type).lastIndexOf('avgpool2d');
  const net = Network.create({ input: [1, mels, frames], layers: layers.slice(0, lastPool + 1), loss: 'bce' }, { threads: 2 });
  made.push(net);
  return net;
}

for (const opset of [13, 17]) {
  describe(`DESED CRNN exported at opset ${opset}`, () => {
    it('fuses each of the 7 GLUs: six nodes (Transpose, MatMul, Add, Transpose, Sigmoid, Mul) become one', () => {
      const graph = decodeModel(fs.readFileSync(fixture(`desed_crnn_small_opset${opset}.onnx`)), 'fixture').graph!;
      const fused = fusePatterns(graph);
      const glus = fused.filter((n) => n.opType === 'Glu' && n.domain === FUSED_DOMAIN);
      expect(glus).toHaveLength(7);
      // The clip head's eleven nodes are one more fused node (the whole-CRNN test below).
      expect(fused.length).toBe(graph.node.length - 7 * 5 - 10);
      glus.forEach((n, i) => {
        expect(n.input[0]).toBe(`/crnn/cnn/cnn/batchnorm${i}/BatchNormalization_output_0`);
        expect(n.input[2]).toBe(`crnn.cnn.cnn.glu${i}.linear.bias`);
        expect(n.output[0]).toBe(`/crnn/cnn/cnn/glu${i}/Mul_output_0`);
      });
      // The attention head's Sigmoid and Mul are no GLU: they are the clip head's.
      expect(fused.filter((n) => n.opType === 'AttentionHead').map((n) => n.name)).toEqual(['/crnn/Div']);
      expect(graph.node.filter((n) => n.opType === 'Glu')).toHaveLength(0); // the decoded graph is not changed
    });

    it("imports the CNN as the dcase-crnn preset's CNN: same parameters per layer, same forward kernel calls, ONNX Runtime's output", async () => {
      const file = fixture(`desed_crnn_small_cnn_opset${opset}.onnx`);
      const imported = importOnnx(file);
      // loss 'bce': predict returns the CNN's output as it is (no sigmoid).
      const net = await Network.fromOnnx(file, { threads: 2, loss: 'bce' });
      made.push(net);
      const preset = presetCnn();
      // PyTorch's weights, through the whole preset (its layer indices are the CNN's): the same as the export's.
      const whole = Network.create(dcaseCrnnSpec([1, mels, frames], nclass, 1, { filters, rnnHidden }), { threads: 2 });
      made.push(whole);
      await whole.loadWeights(fixture('desed_crnn_small.safetensors'));
      const cnnNames = Object.keys(await preset.getParameters());
      const all = await whole.getParameters();
      await preset.setParameters(Object.fromEntries(cnnNames.map((n) => [n, all[n]])));

      const withParams = (n: Network) => n.description.layers.filter((l) => l.parameters > 0).map((l) => [l.type, l.parameters]);
      expect(withParams(net)).toEqual(withParams(preset));
      expect(net.parameters).toBe(preset.parameters);
      expect(imported.report.filter((r) => r.type === 'glu').map((r) => r.nodes.map((n) => n.opType))).toEqual(
        Array(7).fill(['Transpose', 'MatMul', 'Add', 'Transpose', 'Sigmoid', 'Mul']),
      );

      const x = new Float32Array(small.input);
      const ours = await net.predict(x);
      const session = await ort.InferenceSession.create(file);
      let expected: Float32Array;
      try {
        const result = await session.run({ input: new ort.Tensor('float32', x, small.inputShape) });
        expected = result.output.data as Float32Array;
      } finally {
        await session.release();
      }
      expect(relativeError(expected, small.cnn)).toBeLessThan(1e-4); // ONNX Runtime computes PyTorch's CNN output
      expect(relativeError(ours, expected)).toBeLessThan(1e-4);
      expect(relativeError(await preset.predict(x), expected)).toBeLessThan(1e-4);

      // Kernel for kernel: the forward calls of the layers that compute (views and the preset's
      // dropout, a no-op at inference, aside) with their counted costs.
      const computing = ['conv2d', 'batchnorm2d', 'glu', 'avgpool2d'];
      const calls = (n: Network) => {
        const types = new Map(n.description.layers.map((l) => [l.name, l.type]));
        return n
          .ledger()
          .filter((r) => r.pass === 'forward' && computing.includes(types.get(r.layer) ?? ''))
          .map(({ layer, name, shapes, calls, macs, flops, transcendentals, comparisons, bytesRead, bytesWritten }) => ({
            type: types.get(layer),
            name,
            // The import keeps ONNX's count_include_pad 0, the preset PyTorch's default 1: the same
            // pools, since these have no padding, but the flag is part of the call's description.
            shapes: shapes.replace(' excl-pad', ''),
            calls,
            macs,
            flops,
            transcendentals,
            comparisons,
            bytesRead,
            bytesWritten,
          }));
      };
      expect(calls(net).length).toBe(28);
      expect(calls(net)).toEqual(calls(preset));
    });

    it("imports the whole CRNN as the dcase-crnn preset: the same layers, parameters and kernel calls, forward and backward, and PyTorch's output", async () => {
      const file = fixture(`desed_crnn_small_opset${opset}.onnx`);
      const net = await Network.fromOnnx(file, { threads: 2, loss: 'bce' });
      made.push(net);
      const preset = Network.create(dcaseCrnnSpec([1, mels, frames], nclass, 1, { filters, rnnHidden }), { threads: 2 });
      made.push(preset);
      await preset.loadWeights(fixture('desed_crnn_small.safetensors'));
      expect(net.parameters).toBe(small.parameters);
      expect(preset.parameters).toBe(small.parameters);
      // The preset's dropouts are not in an eval-mode export; every other layer is there, in order.
      const withParams = (n: Network) => n.description.layers.filter((l) => l.parameters > 0).map((l) => [l.type, l.parameters]);
      expect(withParams(net)).toEqual(withParams(preset));
      expect(net.description.layers.map((l) => l.type).filter((t) => t === 'glu' || t === 'gru' || t === 'attention_head')).toEqual([
        ...Array(7).fill('glu'),
        'gru',
        'attention_head',
      ]);

      const x = new Float32Array(small.input);
      expect(relativeError(await net.predict(x), small.weak)).toBeLessThan(1e-4);
      expect(relativeError(await preset.predict(x), small.weak)).toBeLessThan(1e-4);

      // One training step of each: every kernel call of the computing layers, forward and backward,
      // with its counted costs, is the preset's (views, the preset's dropouts and the optimiser aside).
      const y = Float32Array.from({ length: 2 * nclass }, (_, i) => (i % 2 === 0 ? 1 : 0));
      const batch = x.subarray(0, 2 * mels * frames);
      net.resetLedger();
      preset.resetLedger();
      await net.trainStep(batch, y);
      await preset.trainStep(batch, y);
      const computing = ['conv2d', 'batchnorm2d', 'glu', 'avgpool2d', 'gru', 'attention_head'];
      const typeOf = (n: Network) => new Map(n.description.layers.map((l) => [l.name, l.type]));
      const calls = (n: Network) => {
        const types = typeOf(n);
        return n
          .ledger()
          .filter((r) => r.pass !== 'optimizer' && computing.includes(types.get(r.layer) ?? ''))
          .map(({ layer, name, pass, shapes, calls, macs, flops, transcendentals, comparisons, bytesRead, bytesWritten }) => ({
            type: types.get(layer),
            name,
            pass,
            shapes: shapes.replace(' excl-pad', ''),
            calls,
            macs,
            flops,
            transcendentals,
            comparisons,
            bytesRead,
            bytesWritten,
          }));
      };
      expect(calls(net).length).toBeGreaterThan(56);
      expect(calls(net)).toEqual(calls(preset));
    });
  });
}

/** The published size, generated on demand: make-desed-crnn-fixture.py --full DIR. */
const FULL = process.env.SEDJOULE_DESED_FULL;
describe.skipIf(!FULL)('the full DESED CRNN (SEDJOULE_DESED_FULL)', () => {
  it("imports the published CNN with its 7 GLUs fused: the preset's CNN parameter count, PyTorch's output", async () => {
    const full = JSON.parse(fs.readFileSync(path.join(FULL!, 'desed_crnn_full.json'), 'utf-8')) as typeof small;
    const file = path.join(FULL!, 'desed_crnn_full_cnn_opset17.onnx');
    const net = await Network.fromOnnx(file, { threads: 2, loss: 'bce' });
    made.push(net);
    const c = full.config;
    const layers = dcaseCrnnLayers(c.mels, c.frames, c.nclass);
    const cnn = layers.slice(0, layers.map((l) => l.type).lastIndexOf('avgpool2d') + 1);
    expect(net.description.layers.filter((l) => l.type === 'glu')).toHaveLength(7);
    expect(net.parameters).toBe(Network.inspect({ input: [1, c.mels, c.frames], layers: cnn }).parameters);
    expect(relativeError(await net.predict(new Float32Array(full.input)), full.cnn)).toBeLessThan(1e-4);
  });

  it("imports the whole published CRNN: 1,112,420 parameters, as the preset, and PyTorch's output", async () => {
    const full = JSON.parse(fs.readFileSync(path.join(FULL!, 'desed_crnn_full.json'), 'utf-8')) as typeof small;
    const net = await Network.fromOnnx(path.join(FULL!, 'desed_crnn_full_opset17.onnx'), { threads: 2, loss: 'bce' });
    made.push(net);
    const c = full.config;
    expect(net.parameters).toBe(1_112_420);
    expect(Network.inspect(dcaseCrnnSpec([1, c.mels, c.frames], c.nclass, 1)).parameters).toBe(1_112_420);
    expect(relativeError(await net.predict(new Float32Array(full.input)), full.weak)).toBeLessThan(1e-4);
  });
});
