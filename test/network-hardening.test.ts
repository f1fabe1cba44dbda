/**
 * Issue 12 hardening of the network boundary: shape arithmetic that cannot wrap, inputs the addon
 * reads off the main thread that JS cannot pull away, specs JSON cannot hold, weights headers that
 * point outside their data, and native memory the garbage collector can see.
 *
 * Cases that crashed the process before their fix run in a child process, so that a regression
 * shows as a failed test (with the signal) rather than a lost test worker.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

import { loadAddon, loadedAddon } from '../src/native.js';
import { Network } from '../src/network.js';
import type { NetworkSpec } from '../src/spec.js';
import { failure, randomArray } from './helpers.js';

/** Runs `code` in a fresh node process with `addon` bound to the raw addon; its exit and output. */
function isolated(code: string): { status: number | null; signal: string | null; output: string } {
  const script = `const addon = require(${JSON.stringify(loadedAddon().path)});\n(async () => {\n${code}\n})().catch((e) => { console.log('UNEXPECTED', e.code, e.message); process.exit(3); });`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}` };
}

/** In a child: prints "CODE <code> <message>" for what `expr` (a Promise or a value) rejects or throws with. */
const report = (expr: string): string =>
  `try { await (${expr}); console.log('OK'); } catch (e) { console.log('CODE', e.code, e.message); }`;

describe('shape arithmetic never wraps', () => {
  it('refuses a flatten of 2^64 elements with E_SPEC naming the input (was SIGFPE)', () => {
    const spec = { input: [65536, 65536, 65536, 65536], layers: [{ type: 'flatten' }, { type: 'linear', out: 4 }] };
    const r = isolated(report(`addon.inspectNetwork(${JSON.stringify(JSON.stringify(spec))})`));
    expect(r.signal).toBeNull();
    expect(r.output).toMatch(/CODE E_SPEC spec: field 'input' \[65536,65536,65536,65536\] has more than 2\^45 elements/);
  });

  it('refuses [2^31, 2^31, 2] instead of describing it with memory figures of 0', () => {
    let e = (() => {
      try {
        return Network.inspect({ input: [2 ** 31, 2 ** 31, 2], layers: [{ type: 'relu' }] });
      } catch (error) {
        return error as Error & { code?: string };
      }
    })();
    expect(e).toBeInstanceOf(Error);
    expect((e as { code?: string }).code).toBe('E_SPEC');
    // A layer that makes a tensor past the limit is named.
    e = (() => {
      try {
        return Network.inspect({ input: [65536], layers: [{ type: 'linear', out: 2 ** 31 }] });
      } catch (error) {
        return error as Error & { code?: string };
      }
    })();
    expect((e as { code?: string }).code).toBe('E_SPEC');
    expect((e as Error).message).toMatch(/layers\[0\] \(linear\): parameter 'weight' \[2147483648,65536\] has more than 2\^45 elements/);
  });

  it('refuses a reshape whose dimensions wrap around to the input element count', async () => {
    // 3 x 6148914691236517888 = 2^64 + 2048: in 64-bit arithmetic, the 2,048 of the input.
    const spec: NetworkSpec = {
      input: [2048],
      layers: [
        { type: 'reshape', shape: [3, 6148914691236517888] },
        { type: 'linear', out: 2 },
      ],
    };
    let e = await failure(() => Network.inspect(spec));
    expect(e.code).toBe('E_SPEC');
    expect(e.message).toContain("layers[0] (reshape): field 'shape' must hold positive integers below 2^53");
    // 2^32 x 2^32 = 2^64 wraps to 0, and -1 then took 2048 / 0.
    const inferred: NetworkSpec = { input: [2048], layers: [{ type: 'reshape', shape: [2 ** 32, 2 ** 32, -1] }] };
    e = await failure(() => Network.inspect(inferred));
    expect(e.code).toBe('E_SHAPE');
    expect(e.message).toContain('layers[0] (reshape): cannot reshape [2048]');
  });

  it('refuses a batch whose tensors would pass the limit, or cannot be allocated, naming the sizes (was a V8 fatal error)', async () => {
    const net = Network.create({ input: [1], layers: [{ type: 'linear', out: 2 ** 24 }] }, { threads: 1 });
    try {
      // 2^22 samples x 2^24 outputs = 2^46 values: refused before any buffer is sized.
      let e = await failure(() => net.predict(new Float32Array(2 ** 22)));
      expect(e.code).toBe('E_SHAPE');
      expect(e.message).toContain('a batch of 4194304 samples needs a tensor of 4194304 x 16777216 values');
      // At the limit, 2^45 outputs (2^47 bytes: the whole user address space) cannot be allocated:
      // E_MEMORY with the sizes, where V8 allocating the array itself ended the process.
      e = await failure(() => net.predict(new Float32Array(2 ** 21)));
      expect(e.code).toBe('E_MEMORY');
      expect(e.message).toContain('out of memory allocating the outputs of the batch (35184372088832 values, 140737488355328 bytes)');
    } finally {
      net.dispose();
    }
  });
});

describe('inputs read off the main thread are copied first', () => {
  const spec = JSON.stringify({ input: [4096], layers: [{ type: 'linear', out: 64 }, { type: 'relu' }, { type: 'linear', out: 8 }] });
  const make = `const net = new addon.Network(${JSON.stringify(spec)}, 1);`;

  it('survives a resizable ArrayBuffer shrunk to 0 right after predict() and trainStep() (was SIGSEGV)', () => {
    const r = isolated(`${make}
      for (let round = 0; round < 20; ++round) {
        const xb = new ArrayBuffer(4096 * 64 * 4, { maxByteLength: 4096 * 64 * 4 });
        const yb = new ArrayBuffer(8 * 64 * 4, { maxByteLength: 8 * 64 * 4 });
        const x = new Float32Array(xb), y = new Float32Array(yb);
        x.fill(0.5);
        const p = net.predict(x);
        const t = net.trainStep(x, y);
        xb.resize(0);
        yb.resize(0);
        const out = await p;
        if (out.length !== 64 * 8) throw new Error('wrong output length ' + out.length);
        if (!Number.isFinite(await t)) throw new Error('loss not finite');
      }
      console.log('SURVIVED');`);
    expect(r.signal).toBeNull();
    expect(r.output).toContain('SURVIVED');
  });

  it('survives an input buffer transferred away and collected while the step runs', () => {
    const r = isolated(`${make}
      for (let round = 0; round < 20; ++round) {
        let x = new Float32Array(4096 * 64).fill(0.25);
        const p = net.predict(x);
        structuredClone(x.buffer, { transfer: [x.buffer] });  // detaches x; the clone is garbage at once
        globalThis.gc();
        if ((await p).length !== 64 * 8) throw new Error('wrong output length');
      }
      console.log('SURVIVED');`);
    expect(r.signal).toBeNull();
    expect(r.output).toContain('SURVIVED');
  });

  it('reads a SharedArrayBuffer input as it was when the call was made', async () => {
    const net = Network.create({ input: [16], layers: [{ type: 'linear', out: 3 }], seed: 1 }, { threads: 1 });
    try {
      const plain = randomArray(16 * 4, 1);
      const shared = new Float32Array(new SharedArrayBuffer(plain.byteLength));
      shared.set(plain);
      const pending = net.predict(shared);
      shared.fill(Number.NaN); // after the call: must not reach the work
      expect(Array.from(await pending)).toEqual(Array.from(await net.predict(plain)));
    } finally {
      net.dispose();
    }
  });

  // Once a predict has taken under 50 us, the next runs on the calling thread (where is a matter of
  // timing, so this checks what must hold either way): the same values, and errors as rejections.
  it('predicts a tiny network again and again with the same values, errors still rejecting', async () => {
    const net = Network.create({ input: [4], layers: [{ type: 'linear', out: 2 }], seed: 1 }, { threads: 1 });
    try {
      const x = randomArray(4, 2);
      const first = Array.from(await net.predict(x));
      for (let i = 0; i < 20; ++i) expect(Array.from(await net.predict(x))).toEqual(first);
      const bad = net.predict(Float32Array.from([1, Number.NaN, 0, 0]));
      expect(bad).toBeInstanceOf(Promise);
      const e = await failure(() => bad);
      expect(e.code).toBe('E_VALUE');
      expect(e.message).toContain('x[1]');
      expect(Array.from(await net.predict(x))).toEqual(first);
    } finally {
      net.dispose();
    }
  });

  it('gives a detached input an E_SHAPE error, not a crash', async () => {
    const net = Network.create({ input: [16], layers: [{ type: 'linear', out: 3 }] }, { threads: 1 });
    try {
      const x = new Float32Array(16);
      structuredClone(x.buffer, { transfer: [x.buffer] });
      const e = await failure(() => net.predict(x));
      expect(e.code).toBe('E_SHAPE');
      expect(e.message).toContain('x has 0 values');
    } finally {
      net.dispose();
    }
  });
});

describe('networks the fuzz found', () => {
  it('trains and predicts with a network of views alone (flatten), whose loss gradient had nowhere to go (was SIGSEGV)', () => {
    const spec = JSON.stringify({ input: [3, 4, 3], layers: [{ type: 'flatten' }], loss: 'bce' });
    const r = isolated(`const net = new addon.Network(${JSON.stringify(spec)}, 1);
      const x = new Float32Array(72).fill(0.5);
      const loss = await net.trainStep(x, new Float32Array(72));
      const out = await net.predict(x);
      console.log('LOSS', loss.toFixed(6), 'OUT', out.length, out[0]);`);
    expect(r.signal).toBeNull();
    // bce of p = 0.5 against 0 is ln 2; the output is the input.
    expect(r.output).toContain(`LOSS ${Math.log(2).toFixed(6)} OUT 72 0.5`);
  });
});

describe('specs JSON cannot hold', () => {
  it('gives a circular spec E_SPEC naming the field path, not a bare TypeError', async () => {
    const layer: Record<string, unknown> = { type: 'linear', out: 2 };
    layer.self = layer;
    const spec = { input: [4], layers: [{ type: 'relu' }, layer] } as unknown as NetworkSpec;
    for (const fn of [() => Network.create(spec), () => Network.inspect(spec)]) {
      const e = await failure(fn);
      expect(e.code).toBe('E_SPEC');
      expect(e.message).toContain('spec.layers[1].self refers back to spec.layers[1] (a circular reference)');
    }
  });

  it('gives a BigInt field E_SPEC naming it', async () => {
    const e = await failure(() => Network.inspect({ input: [4], layers: [{ type: 'linear', out: 2n }] } as unknown as NetworkSpec));
    expect(e.code).toBe('E_SPEC');
    expect(e.message).toContain('spec.layers[0].out is a BigInt');
  });
});

describe('weights headers', () => {
  it('refuses a tensor offset that wraps the bounds check, instead of loading bytes from before the data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-hardening-'));
    const net = Network.create({ input: [1024], layers: [{ type: 'linear', out: 1, bias: false }] }, { threads: 1 });
    try {
      const file = path.join(dir, 'w.weights');
      await net.saveWeights(file);
      const bytes = fs.readFileSync(file);
      const length = Number(bytes.readBigUInt64LE(8));
      const header = JSON.parse(bytes.subarray(16, 16 + length).toString('utf8')) as { tensors: { offset: number }[] };
      header.tensors[0]!.offset = 2 ** 64 - 2048; // + 4,096 bytes of weight wraps to 2,048
      const text = Buffer.from(JSON.stringify(header));
      const lengthBytes = Buffer.alloc(8);
      lengthBytes.writeBigUInt64LE(BigInt(text.length));
      fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, 8), lengthBytes, text, bytes.subarray(16 + length)]));
      const e = await failure(() => net.loadWeights(file));
      expect(e.code).toBe('E_IO');
      expect(e.message).toContain('tensor layers.0.weight lies outside the data');
    } finally {
      net.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('native memory seen by the garbage collector', () => {
  it('reports a network to V8 as external memory on create and after a step, and takes it back on dispose', async () => {
    const external = (): number => loadAddon().externalMemory();
    const spec: NetworkSpec = { input: [1024], layers: [{ type: 'linear', out: 2048 }, { type: 'relu' }, { type: 'linear', out: 4 }] };
    const { memory } = Network.inspect(spec);
    const weights = memory.parameterBytes + memory.gradientBytes; // 8 MiB each
    // Collect the earlier tests' garbage first: a collection during the step below would otherwise
    // take their external memory (array buffers) out of the count and hide this network's.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const before = external();
    const net = Network.create(spec, { threads: 1 });
    expect(external() - before).toBeGreaterThanOrEqual(weights);
    // A step adds the optimiser's state and the batch's activations.
    await net.trainStep(randomArray(1024 * 8, 1), new Float32Array(4 * 8));
    expect(external() - before).toBeGreaterThanOrEqual(weights + memory.optimizerStateBytes + 8 * memory.activationBytesPerSample);
    net.dispose();
    expect(external() - before).toBeLessThan(weights / 2);
  });
});
