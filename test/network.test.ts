import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { LEDGER_COLUMNS } from '../src/ledger.js';
import { loadAddon } from '../src/native.js';
import { Network } from '../src/network.js';
import { dcaseCrnnLayers } from '../src/models/dcase-crnn.js';
import type { LayerSpec, NetworkSpec } from '../src/spec.js';
import { failure, randomArray, randomTargets } from './helpers.js';

const made: Network[] = [];
function build(spec: NetworkSpec, threads = 2): Network {
  const net = Network.create(spec, { threads });
  made.push(net);
  return net;
}
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

const smallCnn: NetworkSpec = {
  input: [1, 16, 12],
  layers: [
    { type: 'conv2d', out: 4, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'maxpool2d', kernel: 2 },
    { type: 'conv2d', out: 6, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'maxpool2d', kernel: 2 },
    { type: 'flatten' },
    { type: 'linear', out: 3 },
  ],
  seed: 3,
};

describe('parameter counts', () => {
  it('counts conv, linear and GRU parameters as PyTorch does', () => {
    // conv 1->4: 4*9+4; conv 4->6: 6*4*9+6; linear 6*4*3 -> 3: 72*3+3
    expect(build(smallCnn).parameters).toBe(40 + 222 + 219);
    // GRU per layer and direction: 3H*I + 3H*H + 6H
    const gru = build({ input: [5, 7], layers: [{ type: 'gru', hidden: 4, layers: 2, bidirectional: true }, { type: 'last_step' }] });
    const layer0 = 2 * (12 * 7 + 12 * 4 + 24);
    const layer1 = 2 * (12 * 8 + 12 * 4 + 24);
    expect(gru.parameters).toBe(layer0 + layer1);
  });

  it('gives the DCASE 2023 baseline CRNN its published 1,112,420 trainable parameters', () => {
    const net = build({ input: [1, 128, 626], layers: dcaseCrnnLayers(128, 626, 10), loss: 'bce' }, 1);
    expect(net.parameters).toBe(1_112_420);
    expect(net.outputShape).toEqual([10]);
    const shapes = net.description.layers.map((l) => l.output);
    expect(shapes[0]).toEqual([1, 626, 128]);
    expect(shapes[35]).toEqual([128, 156, 1]);
  });
});

describe('training and inference', () => {
  it('runs off the main thread, returns Promises, and lowers the loss', async () => {
    const net = build(smallCnn);
    const x = randomArray(8 * 192, 1);
    const y = randomTargets(8 * 3, 2);
    const first = net.trainStep(x, y);
    expect(first).toBeInstanceOf(Promise);
    const losses = [await first];
    for (let i = 0; i < 30; ++i) losses.push(await net.trainStep(x, y));
    expect(losses[30]).toBeLessThan(losses[0] * 0.9);
    const p = await net.predict(x);
    expect(p).toBeInstanceOf(Float32Array);
    expect(p.length).toBe(24);
    for (const v of p) expect(v > 0 && v < 1).toBe(true);
  });

  it('is reproducible for a seed, and independent of the thread count', async () => {
    const x = randomArray(4 * 192, 5);
    const y = randomTargets(4 * 3, 6);
    const run = async (threads: number, seed: number) => {
      const net = build(
        { ...smallCnn, seed, layers: [...smallCnn.layers.slice(0, 6), { type: 'dropout', p: 0.3 }, ...smallCnn.layers.slice(6)] },
        threads,
      );
      const losses: number[] = [];
      for (let i = 0; i < 4; ++i) losses.push(await net.trainStep(x, y));
      return { losses, outputs: Array.from(await net.predict(x)) };
    };
    const a = await run(1, 9);
    const b = await run(2, 9);
    const c = await run(2, 10);
    expect(b).toEqual(a);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('evaluate gives the loss and probabilities without changing the weights', async () => {
    const net = build(smallCnn);
    const x = randomArray(3 * 192, 7);
    const y = randomTargets(9, 8);
    const before = await net.predict(x);
    const { loss, outputs } = await net.evaluate(x, y);
    expect(loss).toBeGreaterThan(0);
    expect(Array.from(outputs)).toEqual(Array.from(before));
    expect(Array.from(await net.predict(x))).toEqual(Array.from(before));
  });

  it('accepts batches of any size, including a smaller last batch', async () => {
    const net = build(smallCnn);
    for (const n of [5, 1, 8, 3]) expect(Number.isFinite(await net.trainStep(randomArray(n * 192, n), randomTargets(n * 3, n)))).toBe(true);
  });

  it('trains the DCASE baseline CRNN end to end on a small batch', async () => {
    // A shorter clip (64 frames -> 16 after pooling) keeps the test quick.
    const net = build({ input: [1, 128, 64], layers: dcaseCrnnLayers(128, 64, 10), loss: 'bce', seed: 2 });
    const x = randomArray(2 * 64 * 128, 3);
    const y = randomTargets(20, 4);
    const a = await net.trainStep(x, y);
    const b = await net.trainStep(x, y);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    const kernels = new Set(net.ledger().map((r) => r.name));
    for (const k of [
      'conv2d',
      'batchnorm2d',
      'glu',
      'dropout',
      'avgpool2d',
      'permute',
      'gru',
      'linear',
      'sigmoid',
      'attention_pool',
      'bce',
      'adam',
    ]) {
      expect(kernels.has(k), k).toBe(true);
    }
  });
});

describe('the ledger', () => {
  it("has the columns ledger.ts lists, in the network's rows and the front end's", async () => {
    const addon = loadAddon();
    const native = new addon.Network(JSON.stringify(smallCnn), 1);
    const extractor = new addon.FeatureExtractor(JSON.stringify({ preset: 'toolbox' }), 1);
    try {
      await native.trainStep(randomArray(192, 1), randomTargets(3, 2));
      await extractor.compute(randomArray(44100, 3), 44100);
      for (const rows of [native.ledger(), extractor.ledger()]) {
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(Object.keys(row).sort()).toEqual([...LEDGER_COLUMNS].sort());
      }
    } finally {
      native.dispose();
      extractor.dispose();
    }
  });

  it('records every kernel call with its pass, shapes and costs', async () => {
    const net = build(smallCnn);
    const x = randomArray(8 * 192, 1);
    const y = randomTargets(24, 2);
    await net.trainStep(x, y);
    await net.trainStep(x, y);
    const rows = net.ledger();
    for (const r of rows) {
      expect(r.calls).toBe(2);
      for (const f of ['macs', 'flops', 'transcendentals', 'comparisons', 'bytesRead', 'bytesWritten', 'ms'] as const)
        expect(r[f]).toBeGreaterThanOrEqual(0);
      expect(r.bytesRead + r.bytesWritten).toBeGreaterThan(0);
    }
    const conv0 = rows.filter((r) => r.layer === '0:conv2d' && r.name === 'conv2d');
    // The first layer's input gradient is not wanted, so it is not computed.
    expect(conv0.map((r) => r.pass).sort()).toEqual(['backward-bias', 'backward-weight', 'forward']);
    const conv3 = rows.filter((r) => r.layer === '3:conv2d' && r.name === 'conv2d');
    expect(conv3.map((r) => r.pass).sort()).toEqual(['backward-bias', 'backward-input', 'backward-weight', 'forward']);
    // conv 4->6, 3x3 pad 1 on 8x6: useful MACs exclude padding taps (6 of 8 rows, 4 of 6 columns
    // lose a tap at the edges): per axis valid taps 3*8-2 = 22 and 3*6-2 = 16.
    const fwd = conv3.find((r) => r.pass === 'forward')!;
    expect(fwd.macs).toBe(2 * 8 * 6 * 4 * 22 * 16);
    expect(fwd.flops).toBe(2 * fwd.macs + 2 * 8 * 6 * 8 * 6);
    expect(fwd.paddingMacs).toBe(2 * 8 * 6 * 8 * 6 * 4 * 9 - fwd.macs);
    expect(fwd.shapes).toBe('x[8,4,8,6] w[6,4,3,3] +b s1x1 p1x1 -> y[8,6,8,6]');
    // What the implicit GEMM executed (two calls): 6 output channels in whole micro-tile rows (8
    // with AVX-512, 6 with AVX2, 4 portable) by each item's 8*6 positions in whole tile columns
    // (32, 16, 8: 64 columns on AVX-512 for 48 positions); every row executes
    // at least what it counts, and a kernel without multiply-adds executes none.
    const info = loadAddon().info();
    const tile = { avx512: [8, 32], avx2: [6, 16], generic: [4, 8] }[info.isa as 'avx512' | 'avx2' | 'generic'];
    const up = (v: number, unit: number) => Math.ceil(v / unit) * unit;
    expect(fwd.executedMacs).toBe(2 * 8 * up(6, tile[0]) * up(8 * 6, tile[1]) * 4 * 9);
    for (const r of rows) expect(r.executedMacs, `${r.layer} ${r.name} ${r.pass}`).toBeGreaterThanOrEqual(r.macs + r.paddingMacs);
    for (const r of rows.filter((row) => row.macs === 0)) expect(r.executedMacs).toBe(0);
    // Adam: one optimizer row per parameter tensor.
    expect(rows.filter((r) => r.pass === 'optimizer').length).toBe(6);
    net.resetLedger();
    expect(net.ledger()).toEqual([]);
  });

  it('computes the first layer input gradient when asked to', async () => {
    const net = build({ ...smallCnn, inputGradient: true });
    await net.trainStep(randomArray(192, 1), randomTargets(3, 2));
    expect(net.ledger().some((r) => r.layer === '0:conv2d' && r.pass === 'backward-input')).toBe(true);
  });
});

describe('weights files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-weights-'));

  it('round-trips weights and leaves no temporary file', async () => {
    const a = build(smallCnn);
    const x = randomArray(4 * 192, 1);
    const y = randomTargets(12, 2);
    for (let i = 0; i < 3; ++i) await a.trainStep(x, y);
    const file = path.join(dir, 'a.weights');
    await a.saveWeights(file);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const b = build({ ...smallCnn, seed: 99 });
    expect(Array.from(await b.predict(x))).not.toEqual(Array.from(await a.predict(x)));
    await b.loadWeights(file);
    expect(Array.from(await b.predict(x))).toEqual(Array.from(await a.predict(x)));
  });

  it('rejects missing, foreign, truncated, corrupted and mismatched files with E_IO', async () => {
    const net = build(smallCnn);
    const file = path.join(dir, 'b.weights');
    await net.saveWeights(file);
    const bytes = fs.readFileSync(file);
    const x = randomArray(192, 3);
    const before = Array.from(await net.predict(x));

    let e = await failure(() => net.loadWeights(path.join(dir, 'missing.weights')));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain('missing.weights');

    fs.writeFileSync(path.join(dir, 'text.weights'), 'hello');
    e = await failure(() => net.loadWeights(path.join(dir, 'text.weights')));
    expect(e.message).toMatch(/not a sedjoule weights file/);

    fs.writeFileSync(path.join(dir, 'short.weights'), bytes.subarray(0, bytes.length - 10));
    e = await failure(() => net.loadWeights(path.join(dir, 'short.weights')));
    expect(e.message).toMatch(/truncated/);

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5] ^= 0xff;
    fs.writeFileSync(path.join(dir, 'flipped.weights'), flipped);
    e = await failure(() => net.loadWeights(path.join(dir, 'flipped.weights')));
    expect(e.message).toMatch(/checksum/);

    const other = build({ ...smallCnn, layers: smallCnn.layers.map((l) => (l.type === 'conv2d' && l.out === 4 ? { ...l, out: 5 } : l)) });
    await other.saveWeights(path.join(dir, 'other.weights'));
    e = await failure(() => net.loadWeights(path.join(dir, 'other.weights')));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(/layers\.0\.weight has shape \[5,1,3,3\] in the file but \[4,1,3,3\]/);

    // A failed load leaves the weights as they were.
    expect(Array.from(await net.predict(x))).toEqual(before);
  });
});

describe('parameters by name', () => {
  it('reads every parameter and buffer by its weights-file name, and sets any of them', async () => {
    const withNorm: NetworkSpec = { ...smallCnn, layers: [smallCnn.layers[0], { type: 'batchnorm2d' }, ...smallCnn.layers.slice(1)] };
    const net = build(withNorm);
    const all = await net.getParameters();
    expect(Object.keys(all)).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
      'layers.1.running_mean',
      'layers.1.running_var',
      'layers.4.weight',
      'layers.4.bias',
      'layers.8.weight',
      'layers.8.bias',
    ]);
    expect(all['layers.0.weight']).toHaveLength(4 * 9);
    expect([...all['layers.1.running_var']]).toEqual([1, 1, 1, 1]);
    const x = randomArray(2 * 192, 5);
    const before = await net.predict(x);
    await net.setParameters({ 'layers.8.bias': Float32Array.of(5, -5, 0), 'layers.1.running_mean': Float32Array.of(0.5, 0, 0, 0) });
    const after = await net.getParameters();
    expect([...after['layers.8.bias']]).toEqual([5, -5, 0]);
    expect([...after['layers.1.running_mean']]).toEqual([0.5, 0, 0, 0]);
    expect(after['layers.0.weight']).toEqual(all['layers.0.weight']); // not named: unchanged
    expect(await net.predict(x)).not.toEqual(before);
    // The same values through a weights file give the same network.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-params-')), 'w.sjw');
    await net.saveWeights(file);
    const copy = build(withNorm);
    await copy.loadWeights(file);
    expect(await copy.getParameters()).toEqual(after);
  });

  it('checks every name, length and value before writing any', async () => {
    const net = build(smallCnn);
    const start = await net.getParameters();
    const unknown = await failure(() =>
      net.setParameters({ 'layers.7.bias': new Float32Array(3), 'layers.9.weight': new Float32Array(1) }),
    );
    expect(unknown.code).toBe('E_VALUE');
    expect(unknown.message).toContain('this network has no parameter layers.9.weight (it has: layers.0.weight, layers.0.bias,');
    const length = await failure(() => net.setParameters({ 'layers.0.bias': new Float32Array(5) }));
    expect(length).toMatchObject({ code: 'E_SHAPE', message: 'parameter layers.0.bias [4] takes 4 values, got 5' });
    const nan = await failure(() => net.setParameters({ 'layers.7.bias': Float32Array.of(0, NaN, 0) }));
    expect(nan).toMatchObject({
      code: 'E_VALUE',
      message: expect.stringContaining('parameter layers.7.bias[1] is nan, not a finite number'),
    });
    const type = await failure(() => net.setParameters({ 'layers.7.bias': [0, 0, 0] as unknown as Float32Array }));
    expect(type).toMatchObject({ code: 'E_TYPE', message: 'parameter layers.7.bias must be a Float32Array' });
    expect(await net.getParameters()).toEqual(start);
  });
});

describe('checkpoints and inspection', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-checkpoint-'));

  it('resumes training exactly: same losses as an uninterrupted run', async () => {
    const x = randomArray(4 * 192, 11);
    const y = randomTargets(12, 12);
    const spec = {
      ...smallCnn,
      layers: [...smallCnn.layers.slice(0, 6), { type: 'dropout', p: 0.2 } as LayerSpec, ...smallCnn.layers.slice(6)],
    };
    const straight = build(spec);
    const expected: number[] = [];
    for (let i = 0; i < 6; ++i) expected.push(await straight.trainStep(x, y));

    const first = build(spec);
    for (let i = 0; i < 3; ++i) await first.trainStep(x, y);
    const file = path.join(dir, 'run.ckpt');
    await first.saveCheckpoint(file);
    const resumed = build(spec);
    await resumed.loadCheckpoint(file);
    const after: number[] = [];
    for (let i = 0; i < 3; ++i) after.push(await resumed.trainStep(x, y));
    expect(after).toEqual(expected.slice(3));

    // A checkpoint also loads as plain weights (its optimiser state ignored)...
    const weightsOnly = build(spec);
    await weightsOnly.loadWeights(file);
    expect(Array.from(await weightsOnly.predict(x))).toEqual(Array.from(await first.predict(x)));
    // ...but a weights file is not a checkpoint, and an SGD network cannot take Adam state.
    await first.saveWeights(path.join(dir, 'plain.weights'));
    expect((await failure(() => resumed.loadCheckpoint(path.join(dir, 'plain.weights')))).message).toMatch(/has no tensor optimizer\./);
    const sgd = build({ ...spec, optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9 } });
    const e = await failure(() => sgd.loadCheckpoint(file));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(/optimiser .*adam.* is not this network's .*sgd/);
  });

  it('inspects a network without allocating it: shapes, parameters, memory', () => {
    // The largest MLP of the study: 553.8 M parameters, described without 2 GB of memory.
    const d = Network.inspect({
      input: [1, 128, 64],
      layers: [
        { type: 'flatten' },
        ...Array.from({ length: 32 }, () => [{ type: 'linear', out: 4096 } as LayerSpec, { type: 'relu' } as LayerSpec]).flat(),
        { type: 'linear', out: 10 },
        { type: 'softmax' },
      ],
      loss: 'bce',
    });
    expect(d.allocated).toBe(false);
    expect(d.parameters).toBe(8192 * 4096 + 4096 + 31 * (4096 * 4096 + 4096) + 4096 * 10 + 10);
    expect(d.memory.parameterBytes).toBe(4 * d.parameters);
    expect(d.memory.optimizerStateBytes).toBe(8 * d.parameters);
    // Every layer's output, and the gradients of the chain in two buffers that take turns (a
    // layer reads one and writes the other): 2 x 4096 floats, not one per layer.
    expect(d.memory.activationBytesPerSample).toBe(4 * (64 * 4096 + 10 + 10 + 2 * 4096));
    const bad = (() => {
      try {
        Network.inspect({ input: [1, 4, 4], layers: [{ type: 'maxpool2d', kernel: 8 }] });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(bad?.message).toMatch(/layers\[0\] \(maxpool2d\)/);
  });
});

describe('bad input', () => {
  it('names the shape, value or field at fault, with a stable code', async () => {
    const net = build(smallCnn);
    const y = randomTargets(3, 1);
    let e = await failure(() => net.trainStep(new Float32Array(100), y));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toContain('x has 100 values, not a whole number of samples of [1,16,12] (192 values each)');

    e = await failure(() => net.trainStep(randomArray(192, 1), new Float32Array(4)));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toContain('y has 4 values; a batch of 1 with outputs [3] needs 3');

    const x = randomArray(2 * 192, 1);
    x[200] = Number.NaN;
    e = await failure(() => net.predict(x));
    expect(e.code).toBe('E_VALUE');
    expect(e.message).toContain('x[200] (sample 1, element 8) is NaN');
    x[200] = Number.POSITIVE_INFINITY;
    expect((await failure(() => net.predict(x))).message).toContain('is infinite');

    e = await failure(() => net.trainStep(randomArray(192, 1), Float32Array.from([0, 1.5, 0])));
    expect(e.code).toBe('E_VALUE');
    expect(e.message).toContain('y[1] (sample 0, element 1) = 1.5: targets must lie in [0, 1]');

    e = await failure(() => net.trainStep([1, 2, 3] as unknown as Float32Array, y));
    expect(e.code).toBe('E_TYPE');
    expect(e.name).toBe('TypeError');
    e = await failure(() => net.predict(new Float64Array(192) as unknown as Float32Array));
    expect(e.message).toContain('x must be a Float32Array, got another typed array');
  });

  it('rejects bad specs naming the layer and field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ input: [1, 8, 8], layers: [{ type: 'conv2d', out: 2, kernal: 3 }] }, /layers\[0\] \(conv2d\): missing field 'kernel'/],
      [{ input: [1, 8, 8], layers: [{ type: 'conv2d', out: 2, kernel: 3, kernal: 3 }] }, /layers\[0\] \(conv2d\): unknown field 'kernal'/],
      [{ input: [1, 8, 8], layers: [{ type: 'conv3d' }] }, /layers\[0\]: unknown layer type 'conv3d'/],
      [{ input: [1, 8, 8], layers: [{ type: 'conv2d', out: -2, kernel: 3 }] }, /field 'out' must be an integer >= 1, got -2/],
      [
        { input: [1, 2, 2], layers: [{ type: 'conv2d', out: 2, kernel: 3 }] },
        /layers\[0\] \(conv2d\): conv2d: kernel 3x3 is larger than the padded input 2x2/,
      ],
      [
        { input: [64], layers: [{ type: 'conv2d', out: 2, kernel: 3 }] },
        /expects a per-sample input \[channels, height, width\], got \[64\]/,
      ],
      [{ input: [4, 4], layers: [{ type: 'reshape', shape: [3, 5] }] }, /cannot reshape \[4,4\] \(16 elements\) to \[3,5\]/],
      [
        { input: [4], layers: [{ type: 'linear', out: 2 }], optimizer: { type: 'adam', lr: -1 } },
        /optimizer: field 'lr' must be a number in \[0, 1000000\], got -1/,
      ],
      [{ input: [4], layers: [{ type: 'linear', out: 2 }], loss: 'mse' }, /field 'loss' must be one of "bce-logits" "bce"/],
      [{ input: [4], layers: [] }, /field 'layers' must be a non-empty array/],
      [{ input: [4], layers: [{ type: 'dropout', p: 1 }] }, /dropout/],
    ];
    for (const [spec, message] of cases) {
      let caught: Error | undefined;
      try {
        Network.create(spec as NetworkSpec);
      } catch (error) {
        caught = error as Error;
      }
      expect(caught, JSON.stringify(spec)).toBeDefined();
      expect((caught as { code?: string }).code).toMatch(/E_SPEC|E_SHAPE|E_VALUE/);
      expect(caught!.message).toMatch(message);
    }
  });

  it('refuses calls on a disposed network, and lets calls in flight finish', async () => {
    const net = Network.create(smallCnn, { threads: 1 });
    const pending = net.trainStep(randomArray(8 * 192, 1), randomTargets(24, 2));
    net.dispose();
    expect(Number.isFinite(await pending)).toBe(true);
    expect(net.disposed).toBe(true);
    const e = await failure(() => net.predict(randomArray(192, 1)));
    expect(e.code).toBe('E_DISPOSED');
    expect(() => net.ledger()).toThrow(/disposed/);
  });

  it('serialises concurrent calls on one network', async () => {
    const net = build(smallCnn);
    const x = randomArray(4 * 192, 1);
    const y = randomTargets(12, 2);
    const results = await Promise.all([net.trainStep(x, y), net.predict(x), net.trainStep(x, y), net.evaluate(x, y)]);
    expect(results).toHaveLength(4);
    expect(net.ledger().find((r) => r.pass === 'optimizer')!.calls).toBe(2);
  });
});

describe('device', () => {
  const cuda = loadAddon().info().cuda;
  it.skipIf(cuda.devices.length > 0)('says why a network cannot go on CUDA here (no backend in this build, or no device)', async () => {
    const e = await failure(async () => Network.create(smallCnn, { device: 'cuda' }));
    expect(e.code).toBe('E_CUDA');
    expect(e.message).toMatch(
      cuda.compiled ? /network: no CUDA device to run on: / : /network: this build of sedjoule has no CUDA backend/,
    );
    const bad = await failure(async () => new (loadAddon().Network)(JSON.stringify(smallCnn), 1, 'tpu'));
    expect(bad.code).toBe('E_VALUE');
    expect(bad.message).toContain("device 'tpu' is not one of cpu, cuda");
  });
  it('builds on the CPU by default and says so', () => {
    const net = build(smallCnn);
    expect(net.device).toBe('cpu');
    expect(net.description.device).toBe('cpu');
    net.dispose();
  });
});
