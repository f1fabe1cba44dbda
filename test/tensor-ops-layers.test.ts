/**
 * The tensor-op layers that ONNX graphs need besides the convolutional ones: matmul (attention),
 * reduce, log_softmax, slice and pad, built into networks, trained, and checked against outputs computed here by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import type { LayerSpec, NetworkSpec } from '../src/spec.js';
import { ATTENTION, REDUCTIONS } from './tensor-ops-specs.js';

const made: Network[] = [];
function build(spec: NetworkSpec): Network {
  const net = Network.create(spec, { threads: 2 });
  made.push(net);
  return net;
}
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

/** The error a spec's inspection throws. */
function errorOf(spec: NetworkSpec): Error & { code?: string } {
  try {
    Network.inspect(spec);
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('no error');
}

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
    const inner = errorOf(spec(['input', 'input']));
    expect(inner.code).toBe('E_SHAPE');
    expect(inner.message).toMatch(/layers\[0\] \(matmul\).*the inner dimensions 4 and 3 differ/);
    const third = errorOf(spec(['input', 'input', 'input']));
    expect(third.code).toBe('E_SPEC');
    expect(third.message).toMatch(/layers\[0\] \(matmul\): field 'inputs' names 3 tensor\(s\); matmul takes 2/);
  });
});

describe('log_softmax', () => {
  it('is x - log(sum exp x) over the axis given (a middle one, or the last by default)', async () => {
    const x = wave(2 * 24, 5);
    const net = (axis?: number) =>
      build({ input: [2, 3, 4], layers: [{ type: 'log_softmax', ...(axis === undefined ? {} : { axis }) }], loss: 'bce' });
    const want = (axis: number) => {
      const out = new Array<number>(x.length);
      const strides = [12, 4, 1],
        sizes = [2, 3, 4];
      for (let s = 0; s < 2; s++)
        for (let e = 0; e < 24; e++) {
          const c = Math.floor(e / strides[axis]) % sizes[axis];
          const first = s * 24 + e - c * strides[axis];
          let sum = 0;
          for (let j = 0; j < sizes[axis]; j++) sum += Math.exp(x[first + j * strides[axis]]);
          out[s * 24 + e] = x[s * 24 + e] - Math.log(sum);
        }
      return out;
    };
    expect(maxDiff(await net(1).predict(x), want(1))).toBeLessThan(1e-5);
    expect(maxDiff(await net(-2).predict(x), want(1))).toBeLessThan(1e-5);
    expect(maxDiff(await net().predict(x), want(2))).toBeLessThan(1e-5);
    expect(maxDiff(await net(0).predict(x), want(0))).toBeLessThan(1e-5);
  });
});

describe('slice', () => {
  it('takes x[start:end:step] along an axis, with negative indices from the end and ends clamped, as ONNX Slice', async () => {
    const x = wave(2 * 24, 6);
    const net = (fields: { axis: number; start?: number; end?: number; step?: number }) =>
      build({ input: [2, 3, 4], layers: [{ type: 'slice', ...fields }], loss: 'bce' });
    // Per sample [2, 3, 4]; the elements kept, by their (i, j, k) predicates.
    const pick = (keep: (i: number, j: number, k: number) => boolean) => {
      const out: number[] = [];
      for (let s = 0; s < 2; s++)
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) if (keep(i, j, k)) out.push(x[s * 24 + (i * 3 + j) * 4 + k]);
      return out;
    };
    const cases = [
      [{ axis: -1, start: 1, end: 3 }, [2, 3, 2], (_i: number, _j: number, k: number) => k >= 1 && k < 3],
      [{ axis: 2, start: -3, end: 100 }, [2, 3, 3], (_i: number, _j: number, k: number) => k >= 1],
      [{ axis: 1, step: 2 }, [2, 2, 4], (_i: number, j: number) => j % 2 === 0],
      [{ axis: 0, start: -1 }, [1, 3, 4], (i: number) => i === 1],
      [{ axis: 2, start: -100, end: -1, step: 2 }, [2, 3, 2], (_i: number, _j: number, k: number) => k === 0 || k === 2],
    ] as const;
    for (const [fields, shape, keep] of cases) {
      const n = net(fields);
      expect(n.outputShape, JSON.stringify(fields)).toEqual(shape);
      expect(Array.from(await n.predict(x)), JSON.stringify(fields)).toEqual(pick(keep));
    }
  });

  it('refuses an empty slice and a step that is not positive, naming the layer', () => {
    const spec = (fields: object): NetworkSpec => ({ input: [2, 5], layers: [{ type: 'slice', axis: 1, ...fields } as LayerSpec] });
    const empty = errorOf(spec({ start: 3, end: 3 }));
    expect(empty.code).toBe('E_SHAPE');
    expect(empty.message).toMatch(/layers\[0\] \(slice\): slice: \[3:3:1\] of an axis of 5 is empty/);
    const step = errorOf(spec({ step: -1 }));
    expect(step.code).toBe('E_VALUE');
    expect(step.message).toMatch(/layers\[0\] \(slice\): slice: step -1 must be positive/);
  });
});

describe('pad', () => {
  it('pads each per-sample axis by its begin and end pads (ONNX order) with the value given', async () => {
    // x [2, 3] per sample, pads [1, 0, 0, 2]: one row before, two columns after -> [3, 5].
    const x = wave(2 * 6, 7);
    const net = build({ input: [2, 3], layers: [{ type: 'pad', pads: [1, 0, 0, 2], value: -2 }], loss: 'bce' });
    expect(net.outputShape).toEqual([3, 5]);
    const want: number[] = [];
    for (let s = 0; s < 2; s++)
      for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) want.push(r >= 1 && c < 3 ? x[s * 6 + (r - 1) * 3 + c] : -2);
    expect(Array.from(await net.predict(x))).toEqual(want);
  });

  it('refuses negative pads and a pads list of the wrong length, naming the layer', () => {
    const spec = (pads: number[]): NetworkSpec => ({ input: [2, 3], layers: [{ type: 'pad', pads }] });
    const negative = errorOf(spec([0, -1, 0, 0]));
    expect(negative.code).toBe('E_VALUE');
    expect(negative.message).toMatch(/layers\[0\] \(pad\): field 'pads' has a negative pad for axis 1/);
    const length = errorOf(spec([0, 1]));
    expect(length.code).toBe('E_SPEC');
    expect(length.message).toMatch(/layers\[0\] \(pad\): field 'pads' lists 2 values; an input of 2 axes takes 4/);
  });
});

describe('reduce', () => {
  // x [2, 3, 4] per sample, values x[i][j][k] at (i * 3 + j) * 4 + k.
  const at = (x: Float32Array, s: number, i: number, j: number, k: number) => x[s * 24 + (i * 3 + j) * 4 + k];
  const predictOf = async (layer: LayerSpec, x: Float32Array) => build({ input: [2, 3, 4], layers: [layer], loss: 'bce' }).predict(x);

  it('sums, averages and takes maxima over the listed axes (negative ones from the end), keeping or dropping them', async () => {
    const x = wave(2 * 24, 3);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const want = { sum: [] as number[], mean: [] as number[], max: [] as number[], all: [] as number[] };
    for (let s = 0; s < 2; s++) {
      // sum over axes [0, -1] kept: [1, 3, 1]
      for (const j of range(3)) want.sum.push(range(2).reduce((a, i) => a + range(4).reduce((b, k) => b + at(x, s, i, j, k), 0), 0));
      // mean over axis 1 dropped: [2, 4]
      for (const i of range(2)) for (const k of range(4)) want.mean.push(range(3).reduce((a, j) => a + at(x, s, i, j, k), 0) / 3);
      // max over axis -1 kept: [2, 3, 1]
      for (const i of range(2)) for (const j of range(3)) want.max.push(Math.max(...range(4).map((k) => at(x, s, i, j, k))));
      // max over everything, dropped: [1]
      want.all.push(Math.max(...x.subarray(s * 24, (s + 1) * 24)));
    }
    expect(maxDiff(await predictOf({ type: 'reduce', op: 'sum', axes: [0, -1] }, x), want.sum)).toBeLessThan(1e-5);
    expect(maxDiff(await predictOf({ type: 'reduce', op: 'mean', axes: [1], keepDims: false }, x), want.mean)).toBeLessThan(1e-6);
    expect(maxDiff(await predictOf({ type: 'reduce', op: 'max', axes: [-1] }, x), want.max)).toBe(0);
    expect(maxDiff(await predictOf({ type: 'reduce', op: 'max', keepDims: false }, x), want.all)).toBe(0);
    const shapes = [
      [{ op: 'sum', axes: [0, -1] }, [1, 3, 1]],
      [{ op: 'mean', axes: [1], keepDims: false }, [2, 4]],
      [{ op: 'max' }, [1, 1, 1]],
      [{ op: 'max', keepDims: false }, [1]],
    ] as const;
    for (const [fields, shape] of shapes)
      expect(build({ input: [2, 3, 4], layers: [{ type: 'reduce', ...fields } as LayerSpec] }).outputShape).toEqual(shape);
  });

  it('trains a network of every reduction: the loss falls', async () => {
    const net = build(REDUCTIONS);
    const x = wave(6 * 60, 4);
    const y = Float32Array.from({ length: 6 * 3 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    const first = await net.trainStep(x, y);
    let last = first;
    for (let step = 0; step < 150; step++) last = await net.trainStep(x, y);
    expect(last).toBeLessThan(0.5 * first);
    const names = new Set(net.ledger().map((r) => `${r.name} ${r.pass}`));
    for (const op of ['sum', 'mean', 'max']) {
      expect(names.has(`reduce_${op} forward`), op).toBe(true);
      expect(names.has(`reduce_${op} backward-input`), op).toBe(true);
    }
  });

  it('refuses an unknown op, an axis out of range and an axis listed twice, naming the layer and field', () => {
    const spec = (fields: object): NetworkSpec => ({
      input: [2, 3],
      layers: [{ type: 'reduce', ...fields } as LayerSpec],
    });
    const op = errorOf(spec({ op: 'min' }));
    expect(op.code).toBe('E_SPEC');
    expect(op.message).toMatch(/layers\[0\] \(reduce\).*'op'/);
    const range = errorOf(spec({ op: 'sum', axes: [2] }));
    expect(range.code).toBe('E_SHAPE');
    expect(range.message).toMatch(/layers\[0\] \(reduce\): axis 2 is outside a per-sample input of rank 2/);
    const twice = errorOf(spec({ op: 'sum', axes: [1, -1] }));
    expect(twice.code).toBe('E_VALUE');
    expect(twice.message).toMatch(/layers\[0\] \(reduce\): field 'axes' lists axis 1 twice/);
  });
});
