/**
 * Graph networks: named tensors, layers of several inputs (add, sub, mul, div, concat), gradients
 * summed where a tensor is read by several layers, and the spec errors of a graph.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { Network } from '../src/network.js';
import type { NetworkSpec } from '../src/spec.js';
import { ALL_ROUTES, RESIDUAL_SE } from './graph-specs.js';
import { randomArray, randomTargets } from './helpers.js';

const made: Network[] = [];
function build(spec: NetworkSpec, threads = 2): Network {
  const net = Network.create(spec, { threads });
  made.push(net);
  return net;
}
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-graph-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A weights file (native/network/weights_file.h): its header and its data as floats. */
interface WeightsFile {
  header: { tensors: { name: string; shape: number[]; offset: number; count: number }[]; checksum: string };
  data: Float32Array;
}
function readWeights(file: string): WeightsFile {
  const bytes = fs.readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(8));
  const header = JSON.parse(bytes.subarray(16, 16 + length).toString('utf8')) as WeightsFile['header'];
  const raw = bytes.subarray(16 + length);
  const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  return { header, data };
}
function writeWeights(file: string, w: WeightsFile): void {
  const data = Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength);
  let sum = 0xcbf29ce484222325n; // FNV-1a 64, as the file's checksum
  for (const b of data) sum = BigInt.asUintN(64, (sum ^ BigInt(b)) * 0x100000001b3n);
  const header = Buffer.from(JSON.stringify({ ...w.header, checksum: sum.toString(16).padStart(16, '0') }), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(file, Buffer.concat([Buffer.from('SEDJWT01'), length, header, data]));
}
async function weightsOf(net: Network, name: string): Promise<WeightsFile> {
  const file = path.join(dir, name);
  await net.saveWeights(file);
  return readWeights(file);
}

describe('chain specs', () => {
  const chain: NetworkSpec = {
    input: [6],
    layers: [{ type: 'linear', out: 5 }, { type: 'relu' }, { type: 'linear', out: 2 }],
    seed: 2,
  };

  it('keep their labels, and name each layer and its input in describe()', () => {
    const net = build(chain);
    expect(net.description.layers.map((l) => [l.label, l.name, l.inputs])).toEqual([
      ['0:linear', '0:linear', ['input']],
      ['1:relu', '1:relu', ['0:linear']],
      ['2:linear', '2:linear', ['1:relu']],
    ]);
  });

  it('train as the same spec written as a graph does: names and inputs change nothing but labels', async () => {
    const graph: NetworkSpec = {
      ...chain,
      layers: [
        { name: 'a', type: 'linear', out: 5, inputs: ['input'] },
        { name: 'b', type: 'relu', inputs: ['a'] },
        { name: 'c', type: 'linear', out: 2, inputs: ['b'] },
      ],
      output: 'c',
    };
    const [p, q] = [build(chain), build(graph)];
    for (let step = 0; step < 3; step++) {
      const x = randomArray(4 * 6, step);
      const y = randomTargets(4 * 2, step + 9);
      expect(await q.trainStep(x, y)).toBe(await p.trainStep(x, y));
    }
    expect(q.ledger().map((r) => `${r.name} ${r.pass} ${r.flops}`)).toEqual(p.ledger().map((r) => `${r.name} ${r.pass} ${r.flops}`));
    expect(new Set(q.ledger().map((r) => r.layer))).toEqual(new Set(['a', 'b', 'c', 'loss']));
    // Weights files keep naming parameters by position.
    expect((await weightsOf(q, 'chain.weights')).header.tensors.map((t) => t.name)).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.2.weight',
      'layers.2.bias',
    ]);
  });
});

describe('a residual block with a squeeze-excitation scale', () => {
  it('has the shapes, names, inputs and memory of its graph', () => {
    const d = build(RESIDUAL_SE).description;
    const byName = Object.fromEntries(d.layers.map((l) => [l.name, l]));
    expect(byName.residual.inputs).toEqual(['conv2', 'input']);
    expect(byName.excite.output).toEqual([4, 1, 1]);
    expect(byName.scaled.output).toEqual([4, 6, 6]);
    expect(d.output).toEqual([3]);
    // Outputs of every non-view layer, one accumulation buffer (the residual sum is read by the
    // pooling and by the scale), and the gradients in buffers shared by those never live at once:
    // more than the largest output, less than one buffer per output.
    const outputs = d.layers.filter((l) => l.type !== 'flatten').map((l) => size(l.output));
    const owned = outputs.reduce((a, b) => a + b, 0);
    const gradients = d.memory.activationBytesPerSample / 4 - owned - 4 * 6 * 6;
    expect(gradients).toBeGreaterThanOrEqual(2 * Math.max(...outputs));
    expect(gradients).toBeLessThan(owned);
  });

  it('records its kernels under the layer names, summing the gradients of a tensor read twice', async () => {
    const net = build(RESIDUAL_SE);
    await net.trainStep(randomArray(2 * 144, 1), randomTargets(6, 2));
    const rows = net.ledger();
    const at = (layer: string) => rows.filter((r) => r.layer === layer).map((r) => `${r.name} ${r.pass}`);
    // The input's gradient is not wanted: the residual add computes conv2's only.
    expect(at('residual').sort()).toEqual(['add backward-input', 'add forward']);
    expect(rows.find((r) => r.layer === 'scaled' && r.pass === 'forward')!.shapes).toBe('mul a[2,4,6,6] b[2,4,1,1] -> y[2,4,6,6]');
    // The scale is the last reader of "residual" (it writes the gradient); the pooling, read
    // before it, adds its part with one add call counted under its own label.
    expect(at('squeeze').sort()).toEqual(['add backward-input', 'avgpool2d backward-input', 'avgpool2d forward']);
    const sum = rows.find((r) => r.layer === 'squeeze' && r.name === 'add')!;
    expect(sum.flops).toBe(2 * 144);
    expect(sum.shapes).toBe('a[288] + b[288]');
    const withInput = build({ ...RESIDUAL_SE, inputGradient: true });
    await withInput.trainStep(randomArray(144, 1), randomTargets(3, 2));
    expect(withInput.ledger().filter((r) => r.layer === 'residual' && r.pass === 'backward-input')[0].calls).toBe(2);
  });

  it('trains: the loss falls', async () => {
    const net = build(RESIDUAL_SE);
    const x = randomArray(8 * 144, 3);
    const y = randomTargets(8 * 3, 4);
    const first = await net.trainStep(x, y);
    let last = first;
    for (let i = 0; i < 40; i++) last = await net.trainStep(x, y);
    expect(last).toBeLessThan(0.7 * first);
  });
});

describe('gradients of a whole graph', () => {
  it('match finite differences of the loss for every parameter', async () => {
    // SGD with lr 1 and no momentum or decay: one step changes each parameter by its gradient.
    const spec: NetworkSpec = { ...ALL_ROUTES, optimizer: { type: 'sgd', lr: 1 } };
    const x = randomArray(3 * 24, 21);
    const y = randomTargets(3 * 3, 22);
    const net = build(spec, 1);
    const before = await weightsOf(net, 'before.weights');
    await net.trainStep(x, y);
    const after = await weightsOf(net, 'after.weights');
    const grad = before.data.map((v, i) => v - after.data[i]);

    const probe = build(spec, 1);
    const file = path.join(dir, 'probe.weights');
    const lossAt = async (j: number, delta: number) => {
      const data = before.data.slice();
      data[j] += delta;
      writeWeights(file, { header: before.header, data });
      await probe.loadWeights(file);
      return (await probe.evaluate(x, y)).loss;
    };
    const eps = 1e-2;
    let checked = 0;
    for (const t of before.header.tensors) {
      // Every element of a small tensor, every seventh of a larger one.
      const stride = t.count > 50 ? 7 : 1;
      for (let k = 0; k < t.count; k += stride) {
        const j = t.offset / 4 + k;
        const fd = ((await lossAt(j, eps)) - (await lossAt(j, -eps))) / (2 * eps);
        expect(Math.abs(fd - grad[j]), `${t.name}[${k}]: finite difference ${fd}, gradient ${grad[j]}`).toBeLessThan(
          2e-3 + 2e-2 * Math.abs(fd),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(80);
    // The parameter operands took part: each has a gradient that is not zero.
    for (const name of ['layers.10.operand', 'layers.11.operand', 'layers.12.operand']) {
      const t = before.header.tensors.find((e) => e.name === name)!;
      const g = grad.subarray(t.offset / 4, t.offset / 4 + t.count);
      expect(Math.max(...g.map(Math.abs)), name).toBeGreaterThan(1e-6);
    }
  });
});

describe('concat', () => {
  it('joins along an axis counted from the end, and trains', async () => {
    const spec: NetworkSpec = {
      input: [3, 4],
      layers: [
        { name: 'left', type: 'linear', out: 5 },
        { name: 'right', type: 'linear', out: 2, inputs: ['input'] },
        { name: 'joined', type: 'concat', axis: -1, inputs: ['left', 'right', 'input'] },
        { type: 'flatten' },
        { type: 'linear', out: 2 },
      ],
      optimizer: { type: 'adam', lr: 0.02 },
    };
    const net = build(spec);
    expect(net.description.layers[2].output).toEqual([3, 11]);
    const x = randomArray(6 * 12, 5);
    const y = randomTargets(6 * 2, 6);
    const first = await net.trainStep(x, y);
    let last = first;
    for (let i = 0; i < 30; i++) last = await net.trainStep(x, y);
    expect(last).toBeLessThan(0.7 * first);
    const concatRows = net.ledger().filter((r) => r.layer === 'joined');
    const calls = (pass: string) => concatRows.filter((r) => r.pass === pass).map((r) => r.calls);
    // One copy per input forward (rows differ by slice); backward only into the two linear
    // layers: "input" needs no gradient.
    expect(calls('forward')).toEqual([31, 31, 31]);
    expect(calls('backward-input')).toEqual([31, 31]);
  });
});

describe('graph spec errors', () => {
  const base = { input: [4], seed: 1 };
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'a duplicate name',
      {
        layers: [
          { name: 'a', type: 'linear', out: 2 },
          { name: 'a', type: 'relu' },
        ],
      },
      /layers\[1\]: field 'name' 'a' is already the name of layers\[0\]/,
    ],
    [
      'a default name taken',
      { layers: [{ name: '1:relu', type: 'relu' }, { type: 'relu' }, { type: 'linear', out: 1 }] },
      /layers\[1\]: field 'name' '1:relu' is already/,
    ],
    ['a reserved name', { layers: [{ name: 'input', type: 'linear', out: 2 }] }, /layers\[0\]: field 'name' 'input' is reserved/],
    ['the loss label', { layers: [{ name: 'loss', type: 'linear', out: 2 }] }, /field 'name' 'loss' is reserved/],
    ['an empty name', { layers: [{ name: '', type: 'linear', out: 2 }] }, /layers\[0\]: field 'name' must be a non-empty string/],
    [
      'a forward reference',
      {
        layers: [
          { name: 'a', type: 'relu', inputs: ['b'] },
          { name: 'b', type: 'linear', out: 2 },
        ],
      },
      /layers\[0\]: field 'inputs' entry 0 "b" is neither 'input' nor the name of an earlier layer/,
    ],
    ['its own name', { layers: [{ name: 'a', type: 'add', inputs: ['input', 'a'] }] }, /layers\[0\]: field 'inputs' entry 1 "a"/],
    ['empty inputs', { layers: [{ type: 'relu', inputs: [] }] }, /layers\[0\]: field 'inputs' must be a non-empty array/],
    [
      'a dead layer',
      {
        layers: [
          { name: 'a', type: 'linear', out: 2 },
          { name: 'dead', type: 'relu' },
          { name: 'b', type: 'linear', out: 2, inputs: ['a'] },
        ],
      },
      /layers\[1\] \('dead'\): its output never reaches the network's output 'b'/,
    ],
    [
      'layers after the output',
      {
        layers: [
          { name: 'a', type: 'linear', out: 2 },
          { name: 'b', type: 'relu' },
        ],
        output: 'a',
      },
      /layers\[1\] \('b'\): its output never reaches the network's output 'a'/,
    ],
    [
      'an unknown output',
      { layers: [{ type: 'linear', out: 2 }], output: 'nope' },
      /spec: field 'output' "nope" is not the name of a layer/,
    ],
    ['the input as output', { layers: [{ type: 'linear', out: 2 }], output: 'input' }, /field 'output' "input" is not the name of a layer/],
    [
      'two inputs to a unary layer',
      { layers: [{ type: 'relu', inputs: ['input', 'input'] }] },
      /layers\[0\] \(relu\): field 'inputs' names 2 tensors; a relu layer takes 1/,
    ],
    [
      'one input to add',
      { layers: [{ type: 'add' }] },
      /layers\[0\] \(add\): field 'inputs' names 1 tensor\(s\); add takes 2, or 1 with an 'operand'/,
    ],
    [
      'an operand and two inputs',
      { layers: [{ type: 'mul', inputs: ['input', 'input'], operand: { shape: [4] } }] },
      /layers\[0\] \(mul\): field 'inputs' names 2 tensor\(s\)/,
    ],
    [
      'one input to concat',
      { layers: [{ type: 'concat', axis: 0 }] },
      /layers\[0\] \(concat\): field 'inputs' names 1 tensor\(s\); concat takes 2 or more/,
    ],
    [
      'shapes that do not broadcast',
      { input: [3, 4], layers: [{ type: 'mul', operand: { shape: [3] } }] },
      /layers\[0\] \(mul\): shapes \[3,4\] and \[3\] do not broadcast/,
    ],
    [
      'concat of mismatched shapes',
      {
        input: [3, 4],
        layers: [
          { type: 'linear', out: 2 },
          { type: 'concat', axis: 0, inputs: ['input', '0:linear'] },
        ],
      },
      /layers\[1\] \(concat\): input 1 \[3,2\] does not match input 0 \[3,4\] outside axis 0/,
    ],
    [
      'an unknown operand field',
      { layers: [{ type: 'add', operand: { shape: [4], nit: 1 } }] },
      /layers\[0\] \(add\): operand: unknown field 'nit'/,
    ],
    [
      'an empty operand shape',
      { layers: [{ type: 'add', operand: { shape: [] } }] },
      /operand: field 'shape' must list at least one dimension/,
    ],
  ];
  for (const [what, spec, message] of cases) {
    it(`refuses ${what} with E_SPEC or E_SHAPE naming the layer and field`, () => {
      let caught: (Error & { code?: string }) | undefined;
      try {
        Network.inspect({ ...base, ...(spec as object) } as NetworkSpec);
      } catch (error) {
        caught = error as Error & { code?: string };
      }
      expect(caught, what).toBeDefined();
      expect(caught!.code).toMatch(/^E_(SPEC|SHAPE)$/);
      expect(caught!.message).toMatch(message);
    });
  }
});
