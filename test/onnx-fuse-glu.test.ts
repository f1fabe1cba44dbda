/**
 * GLU fusion (src/onnx/fuse.ts) on PyTorch exports of DESED_task's CRNN
 * (scripts/make-desed-crnn-fixture.py, test/fixtures/desed/): each GLU's six nodes become one
 * `glu` layer, and the imported CNN is the dcase-crnn preset's CNN, parameter for parameter and
 * kernel call for kernel call, with ONNX Runtime's and PyTorch's numbers. The whole CRNN does not
 * import yet: the nodes still refused are listed exactly.
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
import { failure } from './helpers.js';

const FIXTURES = path.join(__dirname, 'fixtures', 'desed');
const fixture = (name: string) => path.join(FIXTURES, name);
const small = JSON.parse(fs.readFileSync(fixture('desed_crnn_small.json'), 'utf-8')) as {
  config: { nclass: number; n_RNN_cell: number; nb_filters: number[]; mels: number; frames: number };
  input: number[];
  inputShape: number[];
  cnn: number[];
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

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < expected.length; ++i) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

for (const opset of [13, 17]) {
  describe(`DESED CRNN exported at opset ${opset}`, () => {
    it('fuses each of the 7 GLUs: six nodes (Transpose, MatMul, Add, Transpose, Sigmoid, Mul) become one', () => {
      const graph = decodeModel(fs.readFileSync(fixture(`desed_crnn_small_opset${opset}.onnx`)), 'fixture').graph!;
      const fused = fusePatterns(graph);
      const glus = fused.filter((n) => n.opType === 'Glu' && n.domain === FUSED_DOMAIN);
      expect(glus).toHaveLength(7);
      expect(fused.length).toBe(graph.node.length - 7 * 5);
      glus.forEach((n, i) => {
        expect(n.input[0]).toBe(`/crnn/cnn/cnn/batchnorm${i}/BatchNormalization_output_0`);
        expect(n.input[2]).toBe(`crnn.cnn.cnn.glu${i}.linear.bias`);
        expect(n.output[0]).toBe(`/crnn/cnn/cnn/glu${i}/Mul_output_0`);
      });
      // The attention head's Sigmoid and Mul are no GLU: they stay.
      expect(fused.filter((n) => n.opType === 'Sigmoid' || n.opType === 'Mul').map((n) => n.name)).toEqual([
        '/crnn/sigmoid/Sigmoid',
        '/crnn/Mul',
      ]);
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
      const calls = (n: Network) =>
        n
          .ledger()
          .filter((r) => r.pass === 'forward' && computing.includes(r.layer.split(':')[1]))
          .map(({ layer, name, shapes, calls, macs, flops, transcendentals, comparisons, bytesRead, bytesWritten }) => ({
            type: layer.split(':')[1],
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
      expect(calls(net).length).toBe(28);
      expect(calls(net)).toEqual(calls(preset));
    });

    it('still refuses the whole CRNN, on exactly the nodes that need graph layers or ops sedjoule lacks', async () => {
      const file = fixture(`desed_crnn_small_opset${opset}.onnx`);
      const f = await failure(() => importOnnx(file));
      expect(f.code).toBe('E_ONNX');
      const refused = [...f.message.matchAll(/^ {2}- (\w+) node '([^']+)'/gm)].map((m) => `${m[1]} ${m[2]}`);
      expect(refused).toEqual([
        'Transpose /crnn/rnn/rnn/Transpose',
        'Clip /crnn/Clip',
        'ReduceSum /crnn/ReduceSum',
        'ReduceSum /crnn/ReduceSum_1',
      ]);
      expect(f.message).not.toMatch(/glu\d/); // no GLU node is among them
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
});
