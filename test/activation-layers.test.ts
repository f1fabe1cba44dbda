/**
 * The point-wise nonlinearities (gelu, silu, hardswish, hardsigmoid, clip, leaky_relu, tanh) and
 * layer_norm as layers of a network: outputs against values computed here from the definitions
 * (not from the native formulas), gradients that train, spec errors that name the field, and the
 * ledger rows each layer adds. CPU/CUDA parity of a network using them is in cuda-emulated.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import type { LayerSpec, NetworkSpec } from '../src/spec.js';
import { failure, randomArray, randomTargets } from './helpers.js';

const made: Network[] = [];
function build(spec: NetworkSpec): Network {
  const net = Network.create(spec, { threads: 2 });
  made.push(net);
  return net;
}
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

/**
 * erf by its Maclaurin series, erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
 * (Abramowitz and Stegun, Handbook of Mathematical Functions, 7.1.5), summed until the terms stop
 * changing the total. Its terms alternate and cancel, so it loses digits as |x| grows: about
 * 1e-15 at |x| = 1, 4e-7 at |x| = 5 (largest term x^(2n)/n! near n = x^2 times 1e-16); these tests
 * call it for |x| < 5.
 */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const next = sum + term / (2 * n + 1);
    if (next === sum) break;
    sum = next;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

// PyTorch's formulas (torch.nn docs for each module), evaluated in double.
const DEFINITIONS: { layer: LayerSpec; f: (x: number) => number }[] = [
  { layer: { type: 'gelu' }, f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  {
    layer: { type: 'gelu', approximate: 'tanh' },
    f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  },
  { layer: { type: 'silu' }, f: (x) => x * sigmoid(x) },
  { layer: { type: 'hardswish' }, f: (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6 },
  { layer: { type: 'hardsigmoid' }, f: (x) => Math.min(Math.max(x / 6 + 0.5, 0), 1) },
  { layer: { type: 'hardsigmoid', alpha: 0.2, beta: 0.4 }, f: (x) => Math.min(Math.max(0.2 * x + 0.4, 0), 1) },
  { layer: { type: 'clip', min: 0, max: 6 }, f: (x) => Math.min(Math.max(x, 0), 6) },
  { layer: { type: 'clip', max: 0.5 }, f: (x) => Math.min(x, 0.5) },
  { layer: { type: 'leaky_relu' }, f: (x) => (x > 0 ? x : 0.01 * x) },
  { layer: { type: 'leaky_relu', slope: 0.2 }, f: (x) => (x > 0 ? x : 0.2 * x) },
  { layer: { type: 'tanh' }, f: (x) => Math.tanh(x) },
];

const label = (layer: LayerSpec) => JSON.stringify(layer);

describe('point-wise activation layers', () => {
  it('checks the erf of this test against known values', () => {
    // erf(0.5), erf(1), erf(2) from Abramowitz and Stegun, table 7.1
    expect(erf(0.5)).toBeCloseTo(0.5204998778, 9);
    expect(erf(1)).toBeCloseTo(0.8427007929, 9);
    expect(erf(2)).toBeCloseTo(0.995322265, 9);
  });

  for (const { layer, f } of DEFINITIONS) {
    it(`${label(layer)} computes its definition`, async () => {
      // 2 samples of [3, 8] from -3 to 7 across every kink: -3, 0, 0.5, 3 and 6 are on the grid
      const n = 48;
      const x = Float32Array.from({ length: n }, (_, i) => -3 + (i * 10) / (n - 1));
      x[0] = -3;
      x[5] = 0;
      x[6] = 0.5;
      x[20] = 3;
      x[40] = 6;
      const net = build({ input: [3, 8], layers: [layer], loss: 'bce' });
      expect(net.parameters).toBe(0);
      const y = await net.predict(x);
      for (let i = 0; i < n; i++) {
        const want = f(Math.fround(x[i]));
        expect(Math.abs(y[i] - want), `${label(layer)}(${x[i]}) = ${y[i]}, defined ${want}`).toBeLessThan(
          2e-6 * Math.max(1, Math.abs(want)),
        );
      }
    });
  }

  it('trains a small network through each of them', async () => {
    for (const { layer } of DEFINITIONS) {
      const net = build({
        input: [6],
        layers: [{ type: 'linear', out: 8 }, layer, { type: 'linear', out: 3 }],
        optimizer: { type: 'adam', lr: 0.02 },
        seed: 4,
      });
      const x = randomArray(16 * 6, 1, 2);
      const y = randomTargets(16 * 3, 2);
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) losses.push(await net.trainStep(x, y));
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[5], `${label(layer)}: ${losses.join(', ')}`).toBeLessThan(losses[0]);
      // one forward and one backward-input row per step, named for the kernel of its kind
      const rows = net.ledger().filter((r) => r.layer === `1:${layer.type}`);
      expect(rows.map((r) => r.pass).sort()).toEqual(['backward-input', 'forward']);
    }
  });

  it('rejects bad constants, naming the layer and field', async () => {
    const bad = (layer: LayerSpec) => failure(() => Network.inspect({ input: [4], layers: [layer] }));
    let e = await bad({ type: 'clip', min: 2, max: 1 });
    expect(e.code).toBe('E_VALUE');
    expect(e.message).toContain('layers[0] (clip): clip: min must not exceed max, got min 2 and max 1');
    e = await bad({ type: 'gelu', approximate: 'fast' } as unknown as LayerSpec);
    expect(e.code).toBe('E_SPEC');
    expect(e.message).toMatch(/layers\[0\] \(gelu\).*'approximate'.*"none" "tanh"/);
    e = await bad({ type: 'leaky_relu', slope: 'steep' } as unknown as LayerSpec);
    expect(e.code).toBe('E_SPEC');
    expect(e.message).toMatch(/layers\[0\] \(leaky_relu\).*'slope'/);
    e = await bad({ type: 'tanh', slope: 1 } as unknown as LayerSpec);
    expect(e.code).toBe('E_SPEC');
    expect(e.message).toMatch(/layers\[0\] \(tanh\).*slope/);
  });
});

describe('layer_norm', () => {
  // PyTorch LayerNorm: (x - mean) / sqrt(biased variance + eps) over the normalised axes.
  function layerNorm(x: Float32Array, cols: number, eps: number): number[] {
    const out: number[] = [];
    for (let r = 0; r < x.length / cols; r++) {
      const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
      const mean = row.reduce((a, v) => a + v, 0) / cols;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / cols;
      for (const v of row) out.push((v - mean) / Math.sqrt(variance + eps));
    }
    return out;
  }

  for (const { axes, cols, eps } of [
    { axes: 1, cols: 5, eps: 1e-5 },
    { axes: 2, cols: 20, eps: 1e-3 },
  ]) {
    it(`normalises the last ${axes} axes`, async () => {
      const net = build({ input: [3, 4, 5], layers: [{ type: 'layer_norm', axes, eps }], loss: 'bce' });
      expect(net.parameters).toBe(2 * cols); // weight and bias of the normalised axes' shape
      const x = randomArray(2 * 60, 5, 3);
      for (let i = 0; i < x.length; i++) x[i] += 10; // a mean far from 0
      const y = await net.predict(x);
      const want = layerNorm(x, cols, eps);
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - want[i]), `y[${i}]`).toBeLessThan(2e-5);
    });
  }

  it('trains its weight and bias, and without them when not affine', async () => {
    for (const affine of [true, false]) {
      const net = build({
        input: [4, 6],
        layers: [{ type: 'linear', out: 6 }, { type: 'layer_norm', affine }, { type: 'flatten' }, { type: 'linear', out: 2 }],
        optimizer: { type: 'adam', lr: 0.02 },
        seed: 6,
      });
      expect(net.parameters).toBe(6 * 6 + 6 + (affine ? 12 : 0) + 24 * 2 + 2);
      const x = randomArray(8 * 24, 7);
      const y = randomTargets(8 * 2, 8);
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) losses.push(await net.trainStep(x, y));
      expect(losses[5], losses.join(', ')).toBeLessThan(losses[0]);
      const passes = new Set(
        net
          .ledger()
          .filter((r) => r.layer === '1:layer_norm')
          .map((r) => r.pass),
      );
      expect([...passes].sort()).toEqual(
        affine ? ['backward-bias', 'backward-input', 'backward-weight', 'forward', 'optimizer'] : ['backward-input', 'forward'],
      );
    }
  });

  it('rejects more axes than the input has', async () => {
    const e = await failure(() => Network.inspect({ input: [4, 5], layers: [{ type: 'layer_norm', axes: 3 }] }));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toContain("layers[0] (layer_norm): axes 3 is more than the per-sample input's rank 2");
  });
});
