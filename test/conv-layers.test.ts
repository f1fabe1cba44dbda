/**
 * Grouped, depthwise and dilated convolutions with padding that differs per side (conv2d), and
 * conv1d: the building blocks of EfficientAT's MobileNets (depthwise-separable blocks) and of
 * conformers (depthwise conv1d). Networks built from specs are checked against a direct
 * convolution written here from the definition (PyTorch's Conv2d / Conv1d), with the weights the
 * network saved; their parameter counts, shapes, initial ranges and ledger costs against the same
 * definitions. (CPU/CUDA parity of these networks: test/cuda-emulated.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import type { NetworkSpec } from '../src/spec.js';
import { failure, randomArray, randomTargets } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-conv-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const made: Network[] = [];
function build(spec: NetworkSpec): Network {
  const net = Network.create(spec, { threads: 2 });
  made.push(net);
  return net;
}
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

/** A depthwise-separable block: depthwise 3x3 (multiplier 2, dilated, strided, padded unevenly), ReLU, pointwise 1x1. */
const SEPARABLE: NetworkSpec = {
  input: [4, 7, 6],
  layers: [
    { type: 'conv2d', out: 8, kernel: 3, groups: 4, padding: [1, 0, 2, 1], dilation: [2, 1], stride: [1, 2] },
    { type: 'relu' },
    { type: 'conv2d', out: 5, kernel: 1 },
    { type: 'flatten' },
  ],
  seed: 11,
};

/** A conformer-style depthwise conv1d, a strided dilated conv1d padded unevenly, and a grouped pointwise one. */
const TEMPORAL: NetworkSpec = {
  input: [6, 20],
  layers: [
    { type: 'conv1d', out: 6, kernel: 5, groups: 6, padding: 2 },
    { type: 'conv1d', out: 4, kernel: 3, stride: 2, dilation: 2, padding: [1, 2], bias: false },
    { type: 'conv1d', out: 4, kernel: 1, groups: 2 },
    { type: 'flatten' },
  ],
  seed: 5,
};

/** One convolution, in PyTorch's terms (a conv1d is height 1). */
interface Conv {
  cin: number;
  h: number;
  w: number;
  cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pads: [number, number, number, number]; // top, left, bottom, right
  dh: number;
  dw: number;
  groups: number;
}
const outSize = (size: number, before: number, after: number, k: number, stride: number, dilation: number) =>
  Math.floor((size + before + after - dilation * (k - 1) - 1) / stride) + 1;

/** y[n][co][oy][ox] = b[co] + sum over ci of co's group and the taps inside the image of w * x, in double. */
function directConv(c: Conv, batch: number, x: ArrayLike<number>, weight: Float32Array, bias: Float32Array | undefined) {
  const ho = outSize(c.h, c.pads[0], c.pads[2], c.kh, c.sh, c.dh);
  const wo = outSize(c.w, c.pads[1], c.pads[3], c.kw, c.sw, c.dw);
  const cg = c.cin / c.groups,
    og = c.cout / c.groups;
  const y = new Float64Array(batch * c.cout * ho * wo);
  let macs = 0;
  for (let n = 0; n < batch; n++)
    for (let co = 0; co < c.cout; co++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          let acc = bias ? bias[co] : 0;
          for (let j = 0; j < cg; j++) {
            const ci = Math.floor(co / og) * cg + j;
            for (let ky = 0; ky < c.kh; ky++) {
              const iy = oy * c.sh - c.pads[0] + ky * c.dh;
              if (iy < 0 || iy >= c.h) continue;
              for (let kx = 0; kx < c.kw; kx++) {
                const ix = ox * c.sw - c.pads[1] + kx * c.dw;
                if (ix < 0 || ix >= c.w) continue;
                acc += x[((n * c.cin + ci) * c.h + iy) * c.w + ix] * weight[((co * cg + j) * c.kh + ky) * c.kw + kx];
                macs++;
              }
            }
          }
          y[((n * c.cout + co) * ho + oy) * wo + ox] = acc;
        }
  return { y, macs };
}

const relu = (v: Float64Array) => v.map((a) => Math.max(0, a));
const sigmoid = (v: Float64Array) => v.map((a) => 1 / (1 + Math.exp(-a)));

/** The network's parameters, read back from the weights file it writes (native/network/weights_file.h). */
async function parametersOf(net: Network, name: string) {
  const file = path.join(root, `${name}.bin`);
  await net.saveWeights(file);
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(8));
  const header = JSON.parse(bytes.subarray(16, 16 + headerLength).toString('utf8')) as {
    tensors: Array<{ name: string; shape: number[]; offset: number; count: number }>;
  };
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of header.tensors) {
    const data = Float32Array.from({ length: t.count }, (_, i) => bytes.readFloatLE(16 + headerLength + t.offset + 4 * i));
    tensors.set(t.name, { shape: t.shape, data });
  }
  return tensors;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('depthwise-separable conv2d block', () => {
  const depthwise: Conv = { cin: 4, h: 7, w: 6, cout: 8, kh: 3, kw: 3, sh: 1, sw: 2, pads: [1, 0, 2, 1], dh: 2, dw: 1, groups: 4 };
  const pointwise: Conv = { cin: 8, h: 6, w: 3, cout: 5, kh: 1, kw: 1, sh: 1, sw: 1, pads: [0, 0, 0, 0], dh: 1, dw: 1, groups: 1 };

  it('has PyTorch parameter counts, shapes and initial ranges', async () => {
    const net = build(SEPARABLE);
    // depthwise: 8 x (4/4) x 3 x 3 + 8; pointwise: 5 x 8 + 5
    expect(net.parameters).toBe(80 + 45);
    expect(net.description.layers.map((l) => l.output)).toEqual([[8, 6, 3], [8, 6, 3], [5, 6, 3], [90]]);
    const p = await parametersOf(net, 'separable');
    expect(p.get('layers.0.weight')!.shape).toEqual([8, 1, 3, 3]);
    expect(p.get('layers.2.weight')!.shape).toEqual([5, 8, 1, 1]);
    // Fan-in is C/groups * kh * kw = 9, not C * 9 = 36.
    const w0 = Array.from(p.get('layers.0.weight')!.data).map(Math.abs);
    expect(Math.max(...w0)).toBeLessThanOrEqual(1 / 3);
    expect(Math.max(...w0)).toBeGreaterThan(1 / 6);
  });

  it('computes what a direct convolution computes, and counts its useful MACs', async () => {
    const net = build(SEPARABLE);
    const batch = 3;
    const x = randomArray(batch * 4 * 7 * 6, 21);
    const p = await parametersOf(net, 'separable-direct');
    const first = directConv(depthwise, batch, x, p.get('layers.0.weight')!.data, p.get('layers.0.bias')!.data);
    const second = directConv(pointwise, batch, relu(first.y), p.get('layers.2.weight')!.data, p.get('layers.2.bias')!.data);
    const got = await net.predict(x);
    expect(got.length).toBe(batch * 90);
    expect(maxDiff(got, sigmoid(second.y))).toBeLessThan(1e-5);

    const forward = net.ledger().filter((r) => r.pass === 'forward' && r.name === 'conv2d');
    expect(forward.map((r) => r.layer)).toEqual(['0:conv2d', '2:conv2d']);
    expect(forward[0].shapes).toBe('x[3,4,7,6] w[8,1,3,3] +b s1x2 p1,0,2,1 d2x1 g4 -> y[3,8,6,3]');
    expect(forward.map((r) => r.macs)).toEqual([first.macs, second.macs]);
    // The depthwise kernels skip padding; the 1x1 has none.
    expect(forward.map((r) => r.paddingMacs)).toEqual([0, 0]);
  });

  it('trains: the loss falls on a fixed batch', async () => {
    const net = build({ ...SEPARABLE, optimizer: { type: 'adam', lr: 0.01 } });
    const x = randomArray(4 * 4 * 7 * 6, 3);
    const y = randomTargets(4 * 90, 4);
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) losses.push(await net.trainStep(x, y));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[14]).toBeLessThan(losses[0] * 0.95);
  });
});

describe('conv1d', () => {
  const convs: Conv[] = [
    { cin: 6, h: 1, w: 20, cout: 6, kh: 1, kw: 5, sh: 1, sw: 1, pads: [0, 2, 0, 2], dh: 1, dw: 1, groups: 6 },
    { cin: 6, h: 1, w: 20, cout: 4, kh: 1, kw: 3, sh: 1, sw: 2, pads: [0, 1, 0, 2], dh: 1, dw: 2, groups: 1 },
    { cin: 4, h: 1, w: 10, cout: 4, kh: 1, kw: 1, sh: 1, sw: 1, pads: [0, 0, 0, 0], dh: 1, dw: 1, groups: 2 },
  ];

  it("has PyTorch Conv1d's parameter names, shapes and counts", async () => {
    const net = build(TEMPORAL);
    // 6 x 1 x 5 + 6; 4 x 6 x 3 (no bias); 4 x 2 x 1 + 4
    expect(net.parameters).toBe(36 + 72 + 12);
    expect(net.description.layers.map((l) => [l.label, l.output])).toEqual([
      ['0:conv1d', [6, 20]],
      ['1:conv1d', [4, 10]],
      ['2:conv1d', [4, 10]],
      ['3:flatten', [40]],
    ]);
    const p = await parametersOf(net, 'temporal');
    expect([...p].map(([name, t]) => [name, t.shape])).toEqual([
      ['layers.0.weight', [6, 1, 5]],
      ['layers.0.bias', [6]],
      ['layers.1.weight', [4, 6, 3]],
      ['layers.2.weight', [4, 2, 1]],
      ['layers.2.bias', [4]],
    ]);
  });

  it('computes what a direct convolution computes; its ledger rows are the conv2d kernels at height 1', async () => {
    const net = build(TEMPORAL);
    const batch = 2;
    const x = randomArray(batch * 6 * 20, 8);
    const p = await parametersOf(net, 'temporal-direct');
    let h: ArrayLike<number> = x;
    const macs: number[] = [];
    convs.forEach((c, i) => {
      const out = directConv(c, batch, h, p.get(`layers.${i}.weight`)!.data, p.get(`layers.${i}.bias`)?.data);
      h = out.y;
      macs.push(out.macs);
    });
    expect(maxDiff(await net.predict(x), sigmoid(h as Float64Array))).toBeLessThan(1e-5);

    const forward = net.ledger().filter((r) => r.pass === 'forward' && r.name === 'conv2d');
    expect(forward.map((r) => `${r.layer} ${r.name}`)).toEqual(['0:conv1d conv2d', '1:conv1d conv2d', '2:conv1d conv2d']);
    expect(forward[1].shapes).toBe('x[2,6,1,20] w[4,6,1,3] s1x2 p0,1,0,2 d1x2 -> y[2,4,1,10]');
    expect(forward.map((r) => r.macs)).toEqual(macs);
  });

  it('trains: the loss falls on a fixed batch', async () => {
    const net = build({ ...TEMPORAL, optimizer: { type: 'adam', lr: 0.01 } });
    const x = randomArray(4 * 6 * 20, 13);
    const y = randomTargets(4 * 40, 14);
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) losses.push(await net.trainStep(x, y));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[14]).toBeLessThan(losses[0] * 0.95);
  });
});

describe('bad convolution specs', () => {
  it('name the layer and field, with E_SHAPE for sizes and E_SPEC for malformed fields', async () => {
    const conv = (layer: object, input = [6, 8, 8]) => failure(() => build({ input, layers: [layer as never] }));
    expect(await conv({ type: 'conv2d', out: 8, kernel: 3, groups: 4 })).toMatchObject({
      code: 'E_SHAPE',
      message: expect.stringMatching(/layers\[0\] \(conv2d\).*input channels 6 are not divisible by groups 4/),
    });
    expect(await conv({ type: 'conv2d', out: 9, kernel: 3, groups: 2 })).toMatchObject({
      code: 'E_SHAPE',
      message: expect.stringMatching(/output channels 9 are not divisible by groups 2/),
    });
    expect(await conv({ type: 'conv2d', out: 6, kernel: 3, dilation: 4 })).toMatchObject({
      code: 'E_SHAPE',
      message: expect.stringMatching(/kernel 3x3 dilated 4x4 is larger than the padded input 8x8/),
    });
    expect(await conv({ type: 'conv2d', out: 6, kernel: 3, padding: [1, 1, 1] })).toMatchObject({
      code: 'E_SPEC',
      message: expect.stringMatching(/field 'padding' must be an integer >= 0 or an array of 2 or 4 of them, got \[1,1,1\]/),
    });
    expect(await conv({ type: 'conv2d', out: 6, kernel: 3, groups: 0 })).toMatchObject({
      code: 'E_SPEC',
      message: expect.stringMatching(/'groups'/),
    });
    expect(await conv({ type: 'conv1d', out: 6, kernel: 3 })).toMatchObject({
      code: 'E_SHAPE',
      message: expect.stringMatching(/layers\[0\] \(conv1d\).*\[channels, time\]/),
    });
    expect(await conv({ type: 'conv1d', out: 6, kernel: [3, 3] }, [6, 8])).toMatchObject({
      code: 'E_SPEC',
      message: expect.stringMatching(/'kernel'/),
    });
    expect(await conv({ type: 'conv1d', out: 6, kernel: 3, padding: [1, 1, 1, 1] }, [6, 8])).toMatchObject({
      code: 'E_SPEC',
      message: expect.stringMatching(/field 'padding' must be an integer >= 0 or a pair of them/),
    });
    expect(await conv({ type: 'conv1d', out: 6, kernel: 3, groups: 4 }, [6, 8])).toMatchObject({
      code: 'E_SHAPE',
      message: expect.stringMatching(/input channels 6 are not divisible by groups 4/),
    });
  });
});
