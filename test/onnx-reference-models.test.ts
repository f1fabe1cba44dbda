/**
 * The reference models of the ONNX import (scripts/make-reference-models.py, small instances in
 * test/fixtures/onnx/reference): PANNs CNN14, an EfficientAT-style MobileNet, an AST-like
 * transformer, a conformer and a bidirectional LSTM tagger, exported by PyTorch 1.13. Each must
 * import with PyTorch's parameter count, compute ONNX Runtime's and PyTorch's outputs, take one
 * training step with PyTorch's gradients (float64 reference), lower the loss over a few SGD steps,
 * and profile with every computing layer's kernel calls labelled by its ONNX node. (The DESED CRNN,
 * the sixth, is test/onnx-fuse-glu.test.ts.)
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import { importOnnx, type OnnxImport } from '../src/onnx/import.js';
import { decodeModel } from '../src/onnx/schema.js';
import { fixture, ortOutput, relativeError, type Sidecar } from './onnx-fixtures.js';

const made: Network[] = [];
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

const MODELS = [
  { name: 'cnn14', opsets: [17] },
  { name: 'efficientat_mn', opsets: [17] },
  { name: 'transformer', opsets: [17, 13] },
  { name: 'conformer', opsets: [17, 13] },
  { name: 'bilstm', opsets: [17] },
].flatMap(({ name, opsets }) => opsets.map((opset) => ({ name, file: `reference/${name}_opset${opset}.onnx` })));

const sidecar = (name: string) => JSON.parse(fs.readFileSync(fixture(`reference/${name}.json`), 'utf8')) as Sidecar;

async function fromOnnx(file: string, options: Parameters<typeof Network.fromOnnx>[1] = {}): Promise<Network> {
  const net = await Network.fromOnnx(fixture(file), { threads: 2, ...options });
  made.push(net);
  return net;
}

/**
 * PyTorch's module path from an ONNX node name: PyTorch 1.13 names a node by its module scopes,
 * a child of a Sequential or ModuleList carrying its parent's name ("/blocks/blocks.0/attn/qkv/MatMul"
 * is module "blocks.0.attn.qkv").
 */
function modulePath(node: string): string {
  let name = '';
  let previous = '';
  for (const scope of node.split('/').slice(1, -1)) {
    name = previous && scope.startsWith(`${previous}.`) ? name + scope.slice(previous.length) : name ? `${name}.${scope}` : scope;
    previous = scope;
  }
  return name;
}

/**
 * sedjoule's trainable parameters -> the PyTorch parameters they hold, in order (a bidirectional
 * recurrent layer stacks the forward and reverse tensors). A parameter operand (the transformer's
 * positional embedding) keeps its initializer's name; the others are named by their module.
 */
function torchNames(imported: OnnxImport, file: string, gradients: Record<string, number[]>): Record<string, string[]> {
  const graph = decodeModel(fs.readFileSync(fixture(file)), file).graph!;
  const nodes = new Map(graph.node.map((n) => [n.name, n]));
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const names: Record<string, string[]> = {};
  for (const r of imported.report) {
    const prefix = `layers.${r.layer}.`;
    for (const ours of Object.keys(imported.weights).filter((w) => w.startsWith(prefix))) {
      const param = ours.slice(prefix.length);
      if (param === 'operand') {
        const named = r.nodes.flatMap((n) => nodes.get(n.name)?.input ?? []).filter((i) => initializers.has(i) && i in gradients);
        if (named.length) names[ours] = named.slice(0, 1);
        continue;
      }
      const module = modulePath(r.nodes[r.nodes.length - 1].name);
      const theirs = [`${module}.${param}`, `${module}.${param}_reverse`].filter((n) => n in gradients);
      if (theirs.length) names[ours] = theirs;
    }
  }
  return names;
}

describe.each(MODELS)('reference model $file', ({ name, file }) => {
  it("imports with PyTorch's parameter count", () => {
    expect(Network.inspect(importOnnx(fixture(file)).spec).parameters).toBe(sidecar(name).parameters);
  });

  it('computes the outputs of ONNX Runtime and PyTorch', async () => {
    const s = sidecar(name);
    const x = Float32Array.from(s.input);
    const net = await fromOnnx(file, { loss: 'bce' });
    const ours = await net.predict(x);
    const [ort, torch] = [relativeError(ours, await ortOutput(file, x, s.inputShape)), relativeError(ours, s.output)];
    console.info(`${file}: output against ONNX Runtime ${ort.toExponential(1)}, against PyTorch ${torch.toExponential(1)}`);
    expect(ort).toBeLessThan(1e-4);
    expect(torch).toBeLessThan(1e-4);
  });

  it("takes one training step with PyTorch's gradients, its kernel calls labelled by ONNX node", async () => {
    const s = sidecar(name);
    const imported = importOnnx(fixture(file));
    const names = torchNames(imported, file, s.gradients);
    // Every trainable PyTorch parameter has its sedjoule counterpart.
    expect(Object.values(names).flat().sort()).toEqual(Object.keys(s.gradients).sort());
    // SGD with lr 2^10, no momentum or decay: the change of each parameter is 1024 times minus its
    // gradient (a power of two: exact), large enough that the float32 rounding of p - lr g does not
    // hide the gradient's last digits, as it would at lr 1 next to parameters of order 1.
    const lr = 1024;
    const net = await fromOnnx(file, { optimizer: { type: 'sgd', lr } });
    const before = await net.getParameters();
    const loss = await net.trainStep(Float32Array.from(s.input), Float32Array.from(s.targets));
    expect(Math.abs(loss - s.loss) / s.loss).toBeLessThan(1e-4);
    const after = await net.getParameters();
    let worst = 0;
    for (const [ours, theirs] of Object.entries(names)) {
      const gradient = before[ours].map((v, i) => (v - after[ours][i]) / lr);
      const expected = theirs.flatMap((t) => s.gradients[t]);
      // A bias just before batch norm has no gradient in exact arithmetic: rounding on both sides.
      if (Math.max(...expected.map(Math.abs)) < 1e-6) expect(Math.max(...gradient.map(Math.abs)), ours).toBeLessThan(1e-5);
      else {
        const error = relativeError(gradient, expected);
        worst = Math.max(worst, error);
        expect(error, `${ours} (${theirs.join(', ')})`).toBeLessThan(1e-3);
      }
    }
    console.info(`${file}: worst gradient against PyTorch ${worst.toExponential(1)} (per tensor, relative to its scale)`);
    const labels = new Set(net.ledger().map((r) => r.layer));
    for (const layer of imported.spec.layers.filter((l) => !['reshape', 'flatten'].includes(l.type)))
      expect(labels, layer.name).toContain(layer.name);
  });

  it('lowers the loss over a few SGD steps, as PyTorch does', async () => {
    const s = sidecar(name);
    const net = await fromOnnx(file, { optimizer: { type: 'sgd', lr: 0.1 } });
    const losses: number[] = [];
    for (let i = 0; i < s.sgdLosses.length; ++i) losses.push(await net.trainStep(Float32Array.from(s.input), Float32Array.from(s.targets)));
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(relativeError(losses, s.sgdLosses)).toBeLessThan(1e-3);
  });
});
