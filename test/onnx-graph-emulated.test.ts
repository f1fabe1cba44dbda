/**
 * Imported ONNX graphs on the CUDA backend, on the addon built against the tests' CUDA emulator
 * (build-emulated/, `npm run build:native:emulated`; see test/cuda-emulated.test.ts): the residual
 * squeeze-excitation block and the sequence mixer of test/onnx-graph-import.test.ts, and the
 * reference models of test/onnx-reference-models.test.ts, give the CPU's outputs, loss and gradients, and their ledger rows carry the ONNX node names with the device.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { packageRoot } from '../src/version.js';
import { fixture, relativeError, sidecar } from './onnx-fixtures.js';

const emulatedAddon = path.join(packageRoot, 'build-emulated', 'Release', 'sedjoule_emulated.node');
// This file's modules load the emulated addon (vitest isolates files, so others keep the real one).
process.env.SEDJOULE_ADDON = emulatedAddon;
const { Network } = await import('../src/network.js');
const { importOnnx } = await import('../src/onnx/import.js');

const MODELS = [
  { file: 'inverted_residual_se_opset17.onnx', data: 'inverted_residual_se' },
  { file: 'sequence_mixer_opset14.onnx', data: 'sequence_mixer' },
  // The reference models (test/onnx-reference-models.test.ts).
  ...['cnn14', 'efficientat_mn', 'transformer', 'conformer', 'bilstm'].map((name) => ({
    file: `reference/${name}_opset17.onnx`,
    data: `reference/${name}`,
  })),
];

describe('imported ONNX graphs on the emulated CUDA device', () => {
  beforeAll(() => {
    expect(fs.existsSync(emulatedAddon), `${emulatedAddon} is missing: run npm run build:native:emulated`).toBe(true);
  });

  it.each(MODELS)('$file: outputs, loss and one SGD step as on the CPU', async ({ file, data }) => {
    const s = sidecar(data);
    const x = Float32Array.from(s.input);
    // lr 2^10: the step shows the gradients' last digits (test/onnx-reference-models.test.ts).
    const options = { loss: 'bce-logits' as const, optimizer: { type: 'sgd' as const, lr: 1024 } };
    const gpu = await Network.fromOnnx(fixture(file), { ...options, device: 'cuda' });
    const cpu = await Network.fromOnnx(fixture(file), { ...options, threads: 1 });
    try {
      expect(relativeError(await gpu.predict(x), await cpu.predict(x))).toBeLessThan(1e-5);
      // With bce-logits, predict gives probabilities: the sigmoid of PyTorch's logits.
      expect(
        relativeError(
          await gpu.predict(x),
          s.output.map((v) => 1 / (1 + Math.exp(-v))),
        ),
      ).toBeLessThan(1e-4);
      const before = await cpu.getParameters();
      const [gpuLoss, cpuLoss] = [
        await gpu.trainStep(x, Float32Array.from(s.targets)),
        await cpu.trainStep(x, Float32Array.from(s.targets)),
      ];
      expect(Math.abs(gpuLoss - cpuLoss) / cpuLoss).toBeLessThan(1e-5);
      const [onGpu, onCpu] = [await gpu.getParameters(), await cpu.getParameters()];
      for (const name of Object.keys(before)) {
        const step = (p: Record<string, Float32Array>) => before[name].map((v, i) => (v - p[name][i]) / 1024);
        const expected = step(onCpu);
        if (Math.max(...expected.map(Math.abs)) < 1e-6) continue; // a conv bias before batch norm: rounding noise
        expect(relativeError(step(onGpu), expected), name).toBeLessThan(1e-3);
      }
      const rows = gpu.ledger();
      expect(rows.some((r) => r.device === 'cuda')).toBe(true);
      const labels = new Set(rows.map((r) => r.layer));
      for (const layer of importOnnx(fixture(file)).spec.layers.filter((l) => l.type !== 'reshape' && l.type !== 'flatten'))
        expect(labels).toContain(layer.name);
    } finally {
      gpu.dispose();
      cpu.dispose();
    }
  });
  it("the DESED CRNN (test/onnx-fuse-glu.test.ts): PyTorch's output and one Adam step as on the CPU", async () => {
    const desed = path.join(packageRoot, 'test', 'fixtures', 'desed');
    const data = JSON.parse(fs.readFileSync(path.join(desed, 'desed_crnn_small.json'), 'utf8')) as { input: number[]; weak: number[] };
    const file = path.join(desed, 'desed_crnn_small_opset17.onnx');
    const gpu = await Network.fromOnnx(file, { loss: 'bce', device: 'cuda' });
    const cpu = await Network.fromOnnx(file, { loss: 'bce', threads: 1 });
    try {
      const x = Float32Array.from(data.input);
      expect(relativeError(await gpu.predict(x), data.weak)).toBeLessThan(1e-4);
      const y = Float32Array.from({ length: data.weak.length }, (_, i) => (i % 2 === 0 ? 1 : 0));
      const [a, b] = [await gpu.trainStep(x, y), await cpu.trainStep(x, y)];
      expect(Math.abs(a - b) / b).toBeLessThan(1e-5);
      expect(relativeError(await gpu.predict(x), await cpu.predict(x))).toBeLessThan(1e-4);
    } finally {
      gpu.dispose();
      cpu.dispose();
    }
  });
});
