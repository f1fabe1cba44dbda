/**
 * The tensor-op layers that ONNX graphs need besides the convolutional ones: matmul (attention),
 * built into networks, trained, and checked against outputs computed here by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import type { NetworkSpec } from '../src/spec.js';
import { ATTENTION } from './tensor-ops-specs.js';

const made: Network[] = [];
function build(spec: NetworkSpec): Network {
  const net = Network.create(spec, { threads: 2 });
  made.push(net);
  return net;
}
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

const wave = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** C = A . B for row-major A [m, k] and B [k, n]. */
function product(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const c: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[t * n + j];
      c.push(s);
    }
  return c;
}

describe('matmul', () => {
  it('multiplies per sample, and broadcasts a matrix over the leading dimensions, as numpy.matmul', async () => {
    // x [2, 3, 4]: gram = x x^T per leading index [2, 3, 3]; then gram . mean_0(x) with the mean
    // [3, 4] broadcast over the leading 2.
    const spec: NetworkSpec = {
      input: [2, 3, 4],
      layers: [
        { name: 'xt', type: 'permute', dims: [0, 2, 1] },
        { name: 'gram', type: 'matmul', inputs: ['input', 'xt'] },
        { name: 'avg', type: 'mean', axis: 0, inputs: ['input'] },
        { name: 'out', type: 'matmul', inputs: ['gram', 'avg'] },
      ],
      loss: 'bce', // predict returns the output as it is
    };
    const net = build(spec);
    expect(net.outputShape).toEqual([2, 3, 4]);
    const batch = 2;
    const x = wave(batch * 24, 1);
    const want: number[] = [];
    for (let s = 0; s < batch; s++) {
      const sample = x.subarray(s * 24, (s + 1) * 24);
      const avg = Array.from({ length: 12 }, (_, i) => (sample[i] + sample[12 + i]) / 2);
      for (let j = 0; j < 2; j++) {
        const m = sample.subarray(j * 12, (j + 1) * 12);
        const mt = Array.from({ length: 12 }, (_, i) => m[(i % 3) * 4 + Math.floor(i / 3)]); // [4, 3]
        want.push(...product(product(m, mt, 3, 4, 3), avg, 3, 3, 4));
      }
    }
    const got = await net.predict(x);
    expect(got.length).toBe(want.length);
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it('trains a self-attention block (q k^T, softmax, attention . v, residual): the loss falls', async () => {
    const net = build(ATTENTION);
    const x = wave(8 * 24, 2);
    const y = Float32Array.from({ length: 8 * 3 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    const first = await net.trainStep(x, y);
    let last = first;
    for (let step = 0; step < 150; step++) last = await net.trainStep(x, y);
    expect(last).toBeLessThan(0.5 * first);
    const names = new Set(net.ledger().map((r) => `${r.name} ${r.pass}`));
    expect(names.has('matmul forward')).toBe(true);
    expect(names.has('matmul backward-input')).toBe(true);
  });

  it('refuses operands whose inner dimensions differ, and a third input, naming the layer', () => {
    const spec = (inputs: string[]): NetworkSpec => ({ input: [3, 4], layers: [{ type: 'matmul', inputs }] });
    const errorOf = (s: NetworkSpec) => {
      try {
        Network.inspect(s);
      } catch (error) {
        return error as Error & { code?: string };
      }
      throw new Error('no error');
    };
    const inner = errorOf(spec(['input', 'input']));
    expect(inner.code).toBe('E_SHAPE');
    expect(inner.message).toMatch(/layers\[0\] \(matmul\).*the inner dimensions 4 and 3 differ/);
    const third = errorOf(spec(['input', 'input', 'input']));
    expect(third.code).toBe('E_SPEC');
    expect(third.message).toMatch(/layers\[0\] \(matmul\): field 'inputs' names 3 tensor\(s\); matmul takes 2/);
  });
});
