/**
 * The CUDA backend end to end, through the same binding and facade as on a GPU, on the addon built
 * against the tests' CUDA emulator (build-emulated/, `npm run build:native:emulated`; the emulator
 * is a test double of the CUDA runtime that runs kernels on the CPU, docs/cuda.md). It proves the
 * plumbing (device-resident training, one copy in and one loss out, ledger rows with GPU times,
 * weights across devices, capture and replay, errors) and CPU/CUDA parity of whole networks;
 * nothing about speed or energy on a real GPU, which scripts/device-check.sh measures.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { packageRoot } from '../src/version.js';
import type { NetworkSpec } from '../src/spec.js';
import { ALL_ROUTES, RESIDUAL_SE } from './graph-specs.js';
import { ATTENTION, REDUCTIONS } from './tensor-ops-specs.js';

const emulatedAddon = path.join(packageRoot, 'build-emulated', 'Release', 'sedjoule_emulated.node');
const fakeNvml = path.join(packageRoot, 'build', 'Release', 'libsedjoule_fake_nvml.so');
const cli = path.join(packageRoot, 'dist', 'cli.js');
// This file's modules load the emulated addon (vitest isolates files, so others keep the real one).
process.env.SEDJOULE_ADDON = emulatedAddon;
const { Network } = await import('../src/network.js');
const { loadAddon } = await import('../src/native.js');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-cuda-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// A small network using every layer family of the taggers: conv, batch norm, GLU, dropout,
// pooling, a bidirectional GRU over time, and the DCASE attention head (linear, sigmoid, softmax).
const SPEC: NetworkSpec = {
  input: [1, 16, 12],
  layers: [
    { type: 'conv2d', out: 6, kernel: 3, padding: 1 },
    { type: 'batchnorm2d' },
    { type: 'glu' },
    { type: 'dropout', p: 0.2 },
    { type: 'avgpool2d', kernel: [2, 2] },
    { type: 'conv2d', out: 4, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'maxpool2d', kernel: [2, 1] },
    { type: 'permute', dims: [2, 0, 1] },
    { type: 'reshape', shape: [6, 16] },
    { type: 'gru', hidden: 5, layers: 2, bidirectional: true },
    { type: 'attention_head', classes: 3 },
  ],
  loss: 'bce',
  optimizer: { type: 'adam', lr: 1e-3 },
  seed: 7,
};

function batch(n: number, seed: number) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const x = Float32Array.from({ length: n * 16 * 12 }, () => next() * 2 - 1);
  const y = Float32Array.from({ length: n * 3 }, () => (next() < 0.4 ? 1 : 0));
  return { x, y };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('CUDA backend on the emulator', () => {
  beforeAll(() => {
    expect(fs.existsSync(emulatedAddon), `${emulatedAddon} is missing: run npm run build:native:emulated`).toBe(true);
  });

  it('sees the emulated device', () => {
    const info = loadAddon().info();
    expect(info.cuda.compiled).toBe(true);
    expect(info.cuda.devices.map((d) => d.name)).toEqual(['sedjoule CUDA emulator (CPU)']);
  });

  it('trains the same network on CPU and CUDA to the same losses, outputs and ledger counts', async () => {
    const cpu = Network.create(SPEC, { threads: 1 });
    const gpu = Network.create(SPEC, { device: 'cuda' });
    expect(cpu.device).toBe('cpu');
    expect(gpu.device).toBe('cuda');
    expect(gpu.parameters).toBe(cpu.parameters);
    for (let step = 0; step < 2; step++) {
      const { x, y } = batch(4, step + 1);
      const [a, b] = [await cpu.trainStep(x, y), await gpu.trainStep(x, y)];
      expect(Math.abs(a - b), `step ${step}: cpu ${a} cuda ${b}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
    }
    const { x } = batch(4, 9);
    expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-4);

    const rows = gpu.ledger();
    const cpuRows = cpu.ledger();
    expect(rows.every((r) => r.device === 'cuda' && r.ms > 0)).toBe(true);
    expect(cpuRows.every((r) => r.device === 'cpu')).toBe(true);
    // The same calls with the same counted cost: one set of formulas for both devices.
    const key = (r: (typeof rows)[number]) =>
      `${r.layer} ${r.name} ${r.pass} ${r.shapes} ${r.calls} ${r.flops} ${r.bytesRead} ${r.bytesWritten}`;
    expect(rows.map(key).sort()).toEqual(cpuRows.map(key).sort());
    cpu.dispose();
    gpu.dispose();
  });

  it('trains graph networks (fan-out, views, broadcasting, concat, parameter operands) as the CPU does', async () => {
    const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
    for (const spec of [RESIDUAL_SE, ALL_ROUTES]) {
      const inputs = spec.input.reduce((a, b) => a * b, 1);
      const cpu = Network.create(spec, { threads: 1 });
      const gpu = Network.create(spec, { device: 'cuda' });
      for (let step = 0; step < 3; step++) {
        const x = rand(3 * inputs, step + 1);
        const y = Float32Array.from({ length: 9 }, (_, i) => ((i + step) % 3 === 0 ? 1 : 0));
        const [a, b] = [await cpu.trainStep(x, y), await gpu.trainStep(x, y)];
        expect(Math.abs(a - b), `step ${step}: cpu ${a} cuda ${b}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
      }
      const x = rand(2 * inputs, 9);
      expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-4);
      const key = (r: ReturnType<typeof cpu.ledger>[number]) =>
        `${r.layer} ${r.name} ${r.pass} ${r.shapes} ${r.calls} ${r.flops} ${r.bytesRead}`;
      expect(gpu.ledger().map(key).sort()).toEqual(cpu.ledger().map(key).sort());
      cpu.dispose();
      gpu.dispose();
    }
  });

  it('trains the tensor-op layers (a self-attention block of matmuls; every reduction, log_softmax, slice, pad) as the CPU does', async () => {
    const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
    for (const spec of [ATTENTION, REDUCTIONS]) {
      const inputs = spec.input.reduce((a, b) => a * b, 1);
      const cpu = Network.create(spec, { threads: 1 });
      const gpu = Network.create(spec, { device: 'cuda' });
      for (let step = 0; step < 3; step++) {
        const x = rand(3 * inputs, step + 1);
        const y = Float32Array.from({ length: 9 }, (_, i) => ((i + step) % 3 === 0 ? 1 : 0));
        const [a, b] = [await cpu.trainStep(x, y), await gpu.trainStep(x, y)];
        expect(Math.abs(a - b), `step ${step}: cpu ${a} cuda ${b}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
      }
      const x = rand(2 * inputs, 9);
      expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-4);
      const key = (r: ReturnType<typeof cpu.ledger>[number]) =>
        `${r.layer} ${r.name} ${r.pass} ${r.shapes} ${r.calls} ${r.flops} ${r.transcendentals} ${r.comparisons} ${r.bytesRead} ${r.bytesWritten}`;
      const rows = gpu.ledger();
      expect(rows.map(key).sort()).toEqual(cpu.ledger().map(key).sort());
      const wanted = spec === ATTENTION ? ['matmul'] : ['reduce_sum', 'reduce_mean', 'reduce_max', 'log_softmax', 'slice', 'pad'];
      for (const name of wanted)
        expect(
          rows.some((r) => r.name === name && r.pass === 'backward-input'),
          name,
        ).toBe(true);
      cpu.dispose();
      gpu.dispose();
    }
  });

  it('trains a network of the point-wise activations and layer norm to the same losses and counts on both devices', async () => {
    const spec: NetworkSpec = {
      input: [4, 6],
      layers: [
        { type: 'linear', out: 8 },
        { type: 'gelu' },
        { type: 'layer_norm' },
        { type: 'linear', out: 8 },
        { type: 'gelu', approximate: 'tanh' },
        { type: 'silu' },
        { type: 'hardswish' },
        { type: 'hardsigmoid', alpha: 0.2 },
        { type: 'clip', min: 0.1, max: 0.9 },
        { type: 'leaky_relu', slope: 0.1 },
        { type: 'tanh' },
        { type: 'layer_norm', axes: 2, affine: false },
        { type: 'flatten' },
        { type: 'linear', out: 3 },
      ],
      seed: 5,
    };
    const cpu = Network.create(spec, { threads: 1 });
    const gpu = Network.create(spec, { device: 'cuda' });
    const next = (() => {
      let s = 11;
      return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    })();
    for (let step = 0; step < 2; step++) {
      const x = Float32Array.from({ length: 3 * 24 }, () => next() * 4 - 2);
      const y = Float32Array.from({ length: 3 * 3 }, () => (next() < 0.4 ? 1 : 0));
      const [a, b] = [await cpu.trainStep(x, y), await gpu.trainStep(x, y)];
      expect(Math.abs(a - b), `step ${step}: cpu ${a} cuda ${b}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
    }
    const x = Float32Array.from({ length: 2 * 24 }, () => next() * 4 - 2);
    expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-4);
    const key = (r: ReturnType<typeof cpu.ledger>[number]) =>
      `${r.layer} ${r.name} ${r.pass} ${r.shapes} ${r.calls} ${r.flops} ${r.transcendentals} ${r.comparisons} ${r.bytesRead} ${r.bytesWritten}`;
    const rows = gpu.ledger();
    expect(rows.map(key).sort()).toEqual(cpu.ledger().map(key).sort());
    const names = new Set(rows.map((r) => r.name));
    for (const name of ['gelu', 'gelu_tanh', 'silu', 'hardswish', 'hardsigmoid', 'clip', 'leaky_relu', 'tanh', 'layer_norm'])
      expect(names.has(name), `no ${name} row`).toBe(true);
    cpu.dispose();
    gpu.dispose();
  });

  it('trains a stacked bidirectional LSTM tagger to the same losses, outputs and ledger counts on both devices', async () => {
    const spec: NetworkSpec = {
      input: [7, 5],
      layers: [
        { type: 'lstm', hidden: 6, layers: 2, bidirectional: true },
        { type: 'lstm', hidden: 4, bias: false },
        { type: 'linear', out: 3 },
      ],
      loss: 'bce-logits',
      seed: 3,
    };
    const cpu = Network.create(spec, { threads: 1 });
    const gpu = Network.create(spec, { device: 'cuda' });
    expect(gpu.parameters).toBe(cpu.parameters);
    const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 3.7 + i * 0.9));
    for (let step = 0; step < 3; step++) {
      const x = rand(3 * 35, step + 1);
      const y = Float32Array.from({ length: 3 * 7 * 3 }, (_, i) => ((i + step) % 4 === 0 ? 1 : 0));
      const [a, b] = [await cpu.trainStep(x, y), await gpu.trainStep(x, y)];
      expect(Math.abs(a - b), `step ${step}: cpu ${a} cuda ${b}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
    }
    const x = rand(2 * 35, 9);
    expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-4);
    const key = (r: ReturnType<typeof cpu.ledger>[number]) =>
      `${r.layer} ${r.name} ${r.pass} ${r.shapes} ${r.calls} ${r.flops} ${r.transcendentals} ${r.comparisons} ${r.bytesRead} ${r.bytesWritten}`;
    const rows = gpu.ledger();
    expect(rows.map(key).sort()).toEqual(cpu.ledger().map(key).sort());
    expect(rows.filter((r) => r.name === 'lstm').map((r) => r.pass)).toEqual(
      expect.arrayContaining(['forward', 'backward-input', 'backward-weight', 'backward-bias']),
    );
    cpu.dispose();
    gpu.dispose();
  });

  it('trains with the softmax-ce loss to the same losses, softmax outputs and ledger counts on both devices', async () => {
    const spec: NetworkSpec = {
      input: [5, 4],
      layers: [{ type: 'linear', out: 6 }, { type: 'relu' }, { type: 'linear', out: 3 }],
      loss: 'softmax-ce',
      seed: 2,
    };
    const cpu = Network.create(spec, { threads: 1 });
    const gpu = Network.create(spec, { device: 'cuda' });
    const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 2.3 + i * 1.1) * 2);
    for (let step = 0; step < 3; step++) {
      const x = rand(4 * 20, step + 1);
      const y = Float32Array.from({ length: 4 * 5 * 3 }, (_, i) => (i % 3 === (Math.floor(i / 3) + step) % 3 ? 1 : 0));
      const [a, b] = [await cpu.trainStep(x, y), await gpu.trainStep(x, y)];
      expect(Math.abs(a - b), `step ${step}: cpu ${a} cuda ${b}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
    }
    const x = rand(2 * 20, 9);
    expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-5);
    const key = (r: ReturnType<typeof cpu.ledger>[number]) =>
      `${r.layer} ${r.name} ${r.pass} ${r.shapes} ${r.calls} ${r.flops} ${r.transcendentals} ${r.comparisons} ${r.bytesRead} ${r.bytesWritten}`;
    const rows = gpu.ledger();
    expect(rows.map(key).sort()).toEqual(cpu.ledger().map(key).sort());
    expect(rows.some((r) => r.name === 'softmax_ce' && r.pass === 'backward-input')).toBe(true);
    cpu.dispose();
    gpu.dispose();
  });

  it('runs grouped, depthwise, dilated and 1-D convolutions as the CPU does', async () => {
    // A depthwise-separable block (depthwise: the direct kernels; grouped pointwise: a GEMM per
    // group) and a conformer-style conv1d stack, with dilation, strides and uneven padding.
    const specs: NetworkSpec[] = [
      {
        input: [4, 9, 8],
        layers: [
          { type: 'conv2d', out: 8, kernel: 3, groups: 4, padding: [1, 0, 2, 1], dilation: [2, 1], stride: [1, 2] },
          { type: 'relu' },
          { type: 'conv2d', out: 6, kernel: 1, groups: 2 },
          { type: 'conv2d', out: 4, kernel: [3, 2], dilation: 2, padding: [2, 1] },
          { type: 'flatten' },
          { type: 'linear', out: 3 },
        ],
        seed: 4,
      },
      {
        input: [6, 24],
        layers: [
          { type: 'conv1d', out: 12, kernel: 5, groups: 6, padding: 2 },
          { type: 'relu' },
          { type: 'conv1d', out: 4, kernel: 3, stride: 2, dilation: 2, padding: [1, 2], bias: false },
          { type: 'flatten' },
          { type: 'linear', out: 3 },
        ],
        seed: 6,
      },
    ];
    for (const spec of specs) {
      const size = spec.input.reduce((a, b) => a * b, 1);
      const cpu = Network.create(spec, { threads: 1 });
      const gpu = Network.create(spec, { device: 'cuda' });
      expect(gpu.parameters).toBe(cpu.parameters);
      let seed = 1;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const x = Float32Array.from({ length: 3 * size }, () => next() * 2 - 1);
      const y = Float32Array.from({ length: 3 * 3 }, () => (next() < 0.4 ? 1 : 0));
      for (let step = 0; step < 3; step++) {
        const [a, b] = [await cpu.trainStep(x, y), await gpu.trainStep(x, y)];
        expect(Math.abs(a - b), `${spec.layers[0].type} step ${step}: cpu ${a} cuda ${b}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
      }
      expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-4);
      const key = (r: ReturnType<typeof cpu.ledger>[number]) =>
        `${r.layer} ${r.name} ${r.pass} ${r.shapes} ${r.calls} ${r.macs} ${r.paddingMacs}`;
      expect(gpu.ledger().map(key).sort()).toEqual(cpu.ledger().map(key).sort());
      cpu.dispose();
      gpu.dispose();
    }
  });

  it('moves weights and checkpoints between devices', async () => {
    const gpu = Network.create(SPEC, { device: 'cuda' });
    const { x, y } = batch(2, 3);
    await gpu.trainStep(x, y);
    const weights = path.join(root, 'w.bin');
    const checkpoint = path.join(root, 'c.ckpt');
    await gpu.saveWeights(weights);
    await gpu.saveCheckpoint(checkpoint);
    const cpu = Network.create(SPEC, { threads: 1 });
    await cpu.loadWeights(weights);
    expect(maxDiff(await cpu.predict(x), await gpu.predict(x))).toBeLessThan(1e-5);
    // Training resumes identically from the checkpoint on the other device.
    const other = Network.create(SPEC, { threads: 1 });
    await other.loadCheckpoint(checkpoint);
    const next = batch(2, 4);
    const [a, b] = [await other.trainStep(next.x, next.y), await gpu.trainStep(next.x, next.y)];
    expect(Math.abs(a - b)).toBeLessThan(1e-4);
    for (const n of [gpu, cpu, other]) n.dispose();
  });

  it('sets and reads parameters by name on the device: an imported ONNX model runs on CUDA as on the CPU', async () => {
    const model = path.join(packageRoot, 'test', 'fixtures', 'onnx', 'crnn_opset14.onnx');
    const gpu = await Network.fromOnnx(model, { device: 'cuda', loss: 'bce' });
    const cpu = await Network.fromOnnx(model, { threads: 1, loss: 'bce' });
    expect(await gpu.getParameters()).toEqual(await cpu.getParameters());
    const x = Float32Array.from({ length: 2 * 16 * 20 }, (_, i) => Math.sin(i));
    expect(maxDiff(await gpu.predict(x), await cpu.predict(x))).toBeLessThan(1e-5);
    await gpu.setParameters({ 'layers.7.bias': Float32Array.of(1, 2, 3) });
    expect([...(await gpu.getParameters())['layers.7.bias']]).toEqual([1, 2, 3]);
    for (const n of [gpu, cpu]) n.dispose();
  });

  it('captures a training step as replayable kernel calls, listed with their costs and kept out of the ledger', async () => {
    const gpu = Network.create(SPEC, { device: 'cuda' });
    const { x, y } = batch(2, 5);
    await gpu.trainStep(x, y);
    const step = gpu.ledger();
    gpu.resetLedger();
    const { loss, calls } = await gpu.captureTrainStep(x, y);
    expect(Number.isFinite(loss)).toBe(true);
    expect(gpu.ledger()).toEqual([]);
    expect(calls.length).toBe(step.reduce((a, r) => a + r.calls, 0));
    expect(new Set(calls.map((c) => `${c.name} ${c.pass}`))).toEqual(new Set(step.map((r) => `${r.name} ${r.pass}`)));
    const ms = await gpu.replayCapturedCall(0, 3);
    expect(ms).toBeGreaterThan(0);
    await expect(gpu.replayCapturedCall(calls.length, 1)).rejects.toMatchObject({ code: 'E_VALUE' });
    gpu.dispose();
    const cpu = Network.create(SPEC, { threads: 1 });
    await expect(cpu.captureTrainStep(x, y)).rejects.toMatchObject({ code: 'E_VALUE', message: expect.stringMatching(/CUDA/) });
    cpu.dispose();
  });

  it('turns running out of device memory into E_CUDA naming what was being allocated', () => {
    const script = `import { Network } from ${JSON.stringify(path.join(packageRoot, 'dist', 'index.js'))};
      try { Network.create(${JSON.stringify(SPEC)}, { device: 'cuda' }); console.log('created'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, SEDJOULE_ADDON: emulatedAddon, SEDJOULE_EMULATED_GPU_MEMORY: '4096' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.code).toBe('E_CUDA');
    expect(out.message).toMatch(/memory/i);
  });

  it('runs sedjoule kernel-energy end to end (fake NVML library: a constant 100 W counter)', () => {
    const r = spawnSync(
      process.execPath,
      [
        cli,
        'kernel-energy',
        '--arch',
        'mlp',
        '--layers',
        '1',
        '--width',
        '8',
        '--frontend',
        'toolbox',
        '--batch',
        '2',
        '--min-updates',
        '3',
        '--idle',
        '0.3',
        '--update-period-ms',
        '10',
        '--json',
      ],
      {
        encoding: 'utf8',
        timeout: 300_000,
        env: {
          ...process.env,
          SEDJOULE_ADDON: emulatedAddon,
          SEDJOULE_NVML_LIB: fakeNvml,
          FAKE_NVML_POWER_W: '100',
          FAKE_NVML_COUNTER_PERIOD_MS: '10',
        },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.gpu).toMatchObject({ method: 'nvml-counter', updatePeriodS: 0.01 });
    // The edges of the 0.3 s idle window fall anywhere between the 10 ms counter updates (farther apart
    // on a loaded machine): the idle power is 100 W within the uncertainty the meter states, not 0.5 W.
    expect(Math.abs(report.idle.powerW - 100)).toBeLessThanOrEqual(report.idle.uncertaintyW);
    expect(report.idle.uncertaintyW).toBeLessThan(10);
    expect(report.kernels.length).toBeGreaterThan(4);
    for (const k of report.kernels) {
      expect(k.energy, `${k.name} ${k.pass}`).not.toBeNull();
      expect(k.window.updates).toBeGreaterThanOrEqual(3);
      // Constant power: the mean is the fake's 100 W within the window's stated uncertainty (a
      // 10 ms counter over a few updates), and nothing above idle is resolved.
      expect(Math.abs(k.energy.meanPowerW - 100) * k.window.durationS).toBeLessThanOrEqual(k.window.netUncertaintyJ);
      expect(Math.abs(k.energy.joulesPerCall)).toBeLessThanOrEqual(k.energy.uncertaintyJPerCall * 1.0001);
    }
    expect(report.closure.timeCoverage).toBe(1);
    expect(report.step.calls).toBe(report.kernels.reduce((a: number, k: { callsPerStep: number }) => a + k.callsPerStep, 0));

    // Without an energy counter the command refuses, saying why.
    const none = spawnSync(
      process.execPath,
      [cli, 'kernel-energy', '--arch', 'mlp', '--layers', '1', '--width', '8', '--frontend', 'toolbox'],
      {
        encoding: 'utf8',
        env: { ...process.env, SEDJOULE_ADDON: emulatedAddon, SEDJOULE_NVML_LIB: fakeNvml, FAKE_NVML_NO_ENERGY: '1' },
      },
    );
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/energy counter/);
  }, 300_000);

  it('runs sedjoule kernel-energy --onnx on the model with its own input shape and weights', () => {
    const model = path.join(packageRoot, 'test', 'fixtures', 'onnx', 'cnn_tagger_opset17.onnx');
    const r = spawnSync(
      process.execPath,
      [cli, 'kernel-energy', '--onnx', model, '--batch', '2', '--min-updates', '3', '--idle', '0.3', '--update-period-ms', '10', '--json'],
      {
        encoding: 'utf8',
        timeout: 300_000,
        env: {
          ...process.env,
          SEDJOULE_ADDON: emulatedAddon,
          SEDJOULE_NVML_LIB: fakeNvml,
          FAKE_NVML_POWER_W: '100',
          FAKE_NVML_COUNTER_PERIOD_MS: '10',
        },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.model).toBe(`onnx ${model}`);
    // PyTorch's count for the fixture (test/fixtures/onnx/cnn_tagger.json), not a dcase-sized network.
    expect(report.params).toBe(645);
    // The fixture's own input, 1 x 16 x 20, at batch 2.
    const convs = report.kernels.filter((k: { name: string; pass: string }) => k.name === 'conv2d' && k.pass === 'forward');
    expect(convs.map((k: { shapes: string }) => k.shapes).join('\n')).toContain('x[2,1,16,20] w[4,1,3,3]');
    expect(report.kernels.every((k: { energy: unknown }) => k.energy !== null)).toBe(true);
  }, 300_000);
});
