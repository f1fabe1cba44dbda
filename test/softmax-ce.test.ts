/**
 * The softmax cross-entropy loss ("loss": "softmax-ce", native/kernels/softmax_ce.h): its value
 * against one worked by hand from set weights, predict's softmax, per-frame rows, training a
 * 3-class single-label network, and the spec errors (CPU against CUDA: cuda-emulated.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import type { NetworkSpec } from '../src/spec.js';
import { failure } from './helpers.js';

const made: Network[] = [];
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});
function create(spec: NetworkSpec, options: Parameters<typeof Network.create>[1] = { threads: 2 }): Network {
  const net = Network.create(spec, options);
  made.push(net);
  return net;
}

/** -sum_c t_c log softmax(z)_c, in double. */
function crossEntropy(z: number[], t: number[]): number {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.reduce((s, v, c) => s + t[c] * (lse - v), 0);
}

const LINEAR: NetworkSpec = {
  input: [2],
  layers: [{ type: 'linear', out: 3 }],
  loss: 'softmax-ce',
  optimizer: { type: 'sgd', lr: 0.5 },
};
const W = [1, -2, 0.5, 0.25, -1, 3]; // [3, 2]
const B = [0.1, -0.3, 0.2];
const X = [1, 2, -0.5, 0.75, 3, -1]; // 3 samples of 2
const Y = [0, 0, 1, 1, 0, 0, 0.25, 0.75, 0]; // one-hot, one-hot, class probabilities
const logits = (n: number) => [0, 1, 2].map((o) => W[o * 2] * X[n * 2] + W[o * 2 + 1] * X[n * 2 + 1] + B[o]);

describe('softmax-ce loss', () => {
  it('gives the mean over the batch of -sum t log softmax(logits), worked by hand from set weights', async () => {
    const net = create(LINEAR);
    await net.setParameters({ 'layers.0.weight': Float32Array.from(W), 'layers.0.bias': Float32Array.from(B) });
    const expected = [0, 1, 2].reduce((s, n) => s + crossEntropy(logits(n), Y.slice(n * 3, n * 3 + 3)), 0) / 3;
    const { loss, outputs } = await net.evaluate(Float32Array.from(X), Float32Array.from(Y));
    expect(Math.abs(loss - expected) / expected).toBeLessThan(1e-5);
    // predict's outputs are the softmax of the logits: rows summing to 1.
    for (let n = 0; n < 3; ++n) {
      const z = logits(n),
        m = Math.max(...z),
        e = z.map((v) => Math.exp(v - m)),
        sum = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < 3; ++c) expect(outputs[n * 3 + c]).toBeCloseTo(e[c] / sum, 6);
    }
    const rows = net.ledger().filter((r) => r.name === 'softmax_ce');
    expect(rows.map((r) => r.pass)).toEqual(['forward']);
    // 3 rows of 3 classes: (5C - 1) R + R flops, (C + 1) R transcendentals, (C - 1) R comparisons.
    expect(rows[0]).toMatchObject({ flops: 45, transcendentals: 12, comparisons: 6 });
  });

  it('takes one row per frame of a [T, classes] output, the mean over every row', async () => {
    const net = create({ input: [2, 2], layers: [{ type: 'linear', out: 3 }], loss: 'softmax-ce' });
    await net.setParameters({ 'layers.0.weight': Float32Array.from(W), 'layers.0.bias': Float32Array.from(B) });
    // 2 samples of 2 frames: the 3 rows above and a fourth, (0, 0), whose logits are the bias.
    const x = Float32Array.from([...X, 0, 0]);
    const y = Float32Array.from([...Y, 0, 0, 1]);
    const last = crossEntropy(B, [0, 0, 1]);
    const expected = ([0, 1, 2].reduce((s, n) => s + crossEntropy(logits(n), Y.slice(n * 3, n * 3 + 3)), 0) + last) / 4;
    const { loss } = await net.evaluate(x, y);
    expect(Math.abs(loss - expected) / expected).toBeLessThan(1e-5);
  });

  it('trains a 3-class single-label network: the loss falls and the classes are learnt', async () => {
    const spec: NetworkSpec = {
      input: [4],
      layers: [{ type: 'linear', out: 16 }, { type: 'relu' }, { type: 'linear', out: 3 }],
      loss: 'softmax-ce',
      optimizer: { type: 'adam', lr: 0.02 },
      seed: 3,
    };
    // Class k: feature k is large; noise elsewhere (a fixed generator).
    let s = 5;
    const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 24;
    const x = new Float32Array(n * 4),
      y = new Float32Array(n * 3);
    for (let i = 0; i < n; ++i) {
      const k = i % 3;
      for (let f = 0; f < 4; ++f) x[i * 4 + f] = (f === k ? 2 : 0) + next() - 0.5;
      y[i * 3 + k] = 1;
    }
    const net = create(spec);
    const losses: number[] = [];
    for (let step = 0; step < 60; ++step) losses.push(await net.trainStep(x, y));
    expect(losses[0]).toBeGreaterThan(0.8); // about log 3 at the start
    expect(losses[losses.length - 1]).toBeLessThan(0.2 * losses[0]);
    const p = await net.predict(x);
    for (let i = 0; i < n; ++i) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      expect(row.indexOf(Math.max(...row)), `sample ${i}`).toBe(i % 3);
    }
  });

  it('refuses an output with one class, and names the known losses for an unknown one', async () => {
    const one = await failure(() => create({ input: [2], layers: [{ type: 'linear', out: 1 }], loss: 'softmax-ce' }));
    expect(one.code).toBe('E_SPEC');
    expect(one.message).toContain("loss 'softmax-ce' needs at least 2 classes on the output's last axis, got 1");
    const unknown = await failure(() => create({ ...LINEAR, loss: 'nll' as NetworkSpec['loss'] }));
    expect(unknown.code).toBe('E_SPEC');
    expect(unknown.message).toContain('softmax-ce');
  });
});
