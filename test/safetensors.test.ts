/**
 * safetensors weights (src/weights/): PyTorch's DESED CRNN (DESED_task's code, rebuilt by
 * scripts/make-desed-crnn-fixture.py) loaded into the dcase-crnn preset gives PyTorch's outputs;
 * files round-trip under both namings; every malformed file and every mismatch is refused before
 * any tensor is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { dcaseCrnnSpec } from '../src/models/dcase-crnn.js';
import { modelSpec, type ModelConfig } from '../src/models/families.js';
import { Network } from '../src/network.js';
import { parseSafetensors, serializeSafetensors } from '../src/weights/safetensors.js';
import { failure } from './helpers.js';

const FIXTURES = path.join(__dirname, 'fixtures', 'desed');
const SMALL = path.join(FIXTURES, 'desed_crnn_small.safetensors');

interface Sidecar {
  config: { nclass: number; n_RNN_cell: number; nb_filters: number[]; mels: number; frames: number };
  parameters: number;
  inputShape: number[];
  input: number[];
  weak: number[];
}
const readSidecar = (file: string) => JSON.parse(fs.readFileSync(file, 'utf-8')) as Sidecar;
const small = readSidecar(path.join(FIXTURES, 'desed_crnn_small.json'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sj-safetensors-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const made: Network[] = [];
afterEach(() => {
  while (made.length) made.pop()!.dispose();
});

/** The dcase-crnn preset at the sidecar's widths. */
function desedNet(s: Sidecar, seed = 1): Network {
  const c = s.config;
  const net = Network.create(dcaseCrnnSpec([1, c.mels, c.frames], c.nclass, seed, { filters: c.nb_filters, rnnHidden: c.n_RNN_cell }), {
    threads: 2,
  });
  made.push(net);
  return net;
}

function maxRelative(actual: Float32Array, expected: number[]): number {
  expect(actual.length).toBe(expected.length);
  return expected.reduce((m, e, i) => Math.max(m, Math.abs(actual[i] - e) / Math.max(Math.abs(e), 1e-6)), 0);
}

/** A file with `header` (tensor entries and metadata as given, not checked) and `data`. */
function rawFile(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function writeTmp(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** The fixture's tensors, to build variants of it. */
const fixtureTensors = () => parseSafetensors(fs.readFileSync(SMALL), SMALL).tensors;
const asFloat = () =>
  fixtureTensors()
    .filter((t) => t.dtype === 'F32')
    .map((t) => ({ name: t.name, shape: t.shape, values: t.values! }));

describe('a PyTorch DESED CRNN state_dict (DESED_task code, small widths)', () => {
  it('has the parameter count PyTorch counts, and the fixture holds num_batches_tracked as int64', () => {
    const net = desedNet(small);
    expect(net.parameters).toBe(small.parameters);
    const counters = fixtureTensors().filter((t) => t.name.endsWith('.num_batches_tracked'));
    expect(counters.map((t) => t.dtype)).toEqual(Array(7).fill('I64'));
  });

  it("loads into the dcase-crnn preset (names read from the file) and predicts PyTorch's weak output within 1e-4 relative", async () => {
    const net = desedNet(small);
    const before = await net.predict(new Float32Array(small.input));
    expect(maxRelative(before, small.weak)).toBeGreaterThan(1e-2); // the seed's weights are not PyTorch's
    await net.loadWeights(SMALL);
    expect(maxRelative(await net.predict(new Float32Array(small.input)), small.weak)).toBeLessThan(1e-4);
  });

  it('maps the GRU directions: weight_ih_l0 and weight_ih_l0_reverse are the two halves of layers.<i>.weight_ih_l0', async () => {
    const net = desedNet(small);
    await net.loadWeights(SMALL, { names: 'desed-crnn' });
    const p = await net.getParameters();
    const gru = net.description.layers.find((l) => l.type === 'gru')!;
    const ours = p[`layers.${gru.index}.weight_ih_l1`];
    const theirs = new Map(fixtureTensors().map((t) => [t.name, t.values!]));
    const fwd = theirs.get('rnn.rnn.weight_ih_l1')!;
    const rev = theirs.get('rnn.rnn.weight_ih_l1_reverse')!;
    expect([...ours]).toEqual([...fwd, ...rev]);
  });
});

describe('round trips', () => {
  it('saves with sedjoule names and loads them back exactly into a differently seeded network', async () => {
    const a = desedNet(small);
    await a.loadWeights(SMALL);
    const file = path.join(tmp, 'sedjoule-names.safetensors');
    await a.saveWeights(file);
    const parsed = parseSafetensors(fs.readFileSync(file), file);
    expect(parsed.metadata.format).toBe('sedjoule');
    expect(parsed.tensors.every((t) => t.name.startsWith('layers.'))).toBe(true);
    const b = desedNet(small, 99);
    await b.loadWeights(file);
    expect(await b.getParameters()).toEqual(await a.getParameters());
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]); // written atomically, nothing left over
  });

  it("saves with the DESED CRNN's names: the state_dict's tensors (less num_batches_tracked), value for value", async () => {
    const a = desedNet(small);
    await a.loadWeights(SMALL);
    const file = path.join(tmp, 'desed-names.safetensors');
    await a.saveWeights(file, { names: 'desed-crnn' });
    const saved = parseSafetensors(fs.readFileSync(file), file);
    expect(saved.metadata.format).toBe('pt');
    const original = asFloat();
    expect(saved.tensors.map((t) => t.name).sort()).toEqual(original.map((t) => t.name).sort());
    const byName = new Map(saved.tensors.map((t) => [t.name, t]));
    for (const t of original) {
      expect(byName.get(t.name)!.shape, t.name).toEqual(t.shape);
      expect(byName.get(t.name)!.values, t.name).toEqual(t.values);
    }
    const b = desedNet(small, 99);
    await b.loadWeights(file);
    expect(maxRelative(await b.predict(new Float32Array(small.input)), small.weak)).toBeLessThan(1e-4);
  });

  it('keeps the native weights file for any other extension', async () => {
    const a = desedNet(small);
    await a.loadWeights(SMALL);
    const file = path.join(tmp, 'native.weights');
    await a.saveWeights(file);
    expect(fs.readFileSync(file).subarray(0, 8).toString()).toBe('SEDJWT01');
    const b = desedNet(small, 99);
    await b.loadWeights(file);
    expect(await b.getParameters()).toEqual(await a.getParameters());
  });
});

describe("toolbox_energy's names (the paper43 families, ConstanceDws/toolbox_energy src/model.py at 4c6f87d)", () => {
  const ctx = { inputShape: [1, 16, 8], classes: 3, seed: 1 };
  // The state_dict keys of DynamicMLP(num_layers 2), DynamicCNN(num_layers 2), DynamicRNN(num_layers 2)
  // and DynamicCRNN(num_layers (2, 2)), read off the module structure of src/model.py.
  const gru = (prefix: string, layers: number) =>
    Array.from({ length: layers }, (_, l) => ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((p) => `${prefix}${p}_l${l}`)).flat();
  const CASES: Array<[ModelConfig, string[]]> = [
    [
      { arch: 'mlp', variant: 'faithful', layers: 2, width: 5 },
      ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias', 'layers.4.weight', 'layers.4.bias'],
    ],
    [
      { arch: 'cnn', variant: 'faithful', layers: 2, width: 3 },
      ['conv_layers.0.weight', 'conv_layers.0.bias', 'conv_layers.3.weight', 'conv_layers.3.bias', 'fc.weight', 'fc.bias'],
    ],
    [{ arch: 'rnn', variant: 'faithful', layers: 2, width: 4 }, [...gru('rnn.', 2), 'fc.weight', 'fc.bias']],
    [
      { arch: 'crnn', variant: 'faithful', convLayers: 2, convWidth: 3, rnnLayers: 2, rnnWidth: 4 },
      [
        'conv_layers.0.weight',
        'conv_layers.0.bias',
        'conv_layers.3.weight',
        'conv_layers.3.bias',
        ...gru('rnn.', 2),
        'fc.weight',
        'fc.bias',
      ],
    ],
  ];
  for (const [config, names] of CASES) {
    it(`${config.arch}: saves the study's state_dict names and loads them back exactly`, async () => {
      const a = Network.create(modelSpec(config, ctx), { threads: 1 });
      const b = Network.create(modelSpec(config, { ...ctx, seed: 2 }), { threads: 1 });
      made.push(a, b);
      const file = path.join(tmp, `toolbox-${config.arch}.safetensors`);
      await a.saveWeights(file, { names: 'toolbox-energy' });
      expect(parseSafetensors(fs.readFileSync(file), file).tensors.map((t) => t.name)).toEqual(names);
      // The MLP's names look like sedjoule's: it needs names; the others are recognised.
      await b.loadWeights(file, config.arch === 'mlp' ? { names: 'toolbox-energy' } : {});
      expect(await b.getParameters()).toEqual(await a.getParameters());
    });
  }

  it("an MLP file read without names is taken for sedjoule's names, and the error says how to choose", async () => {
    const config: ModelConfig = { arch: 'mlp', variant: 'faithful', layers: 1, width: 5 };
    const net = Network.create(modelSpec(config, ctx), { threads: 1 });
    made.push(net);
    const file = path.join(tmp, 'toolbox-mlp-auto.safetensors');
    await net.saveWeights(file, { names: 'toolbox-energy' });
    const f = await failure(() => net.loadWeights(file));
    expect(f.code).toBe('E_VALUE');
    expect(f.message).toContain("names read as sedjoule's from the file; pass names: sedjoule | desed-crnn | toolbox-energy");
  });
});

describe('refusals (nothing is set)', () => {
  /** Loads `bytes` into a fresh network; returns the failure and checks the weights stayed. */
  async function refuse(name: string, bytes: Uint8Array, options = {}) {
    const net = desedNet(small);
    const before = await net.getParameters();
    const file = writeTmp(name, bytes);
    const f = await failure(() => net.loadWeights(file, options));
    expect(await net.getParameters()).toEqual(before);
    expect(f.message).toContain(file);
    return f;
  }

  it('F16, BF16 and F64 tensors: E_VALUE naming each, all at once', async () => {
    const tensors = asFloat();
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const others = new Map<string, [string, number]>([
      ['cnn.cnn.conv0.weight', ['F16', 2]],
      ['dense.bias', ['BF16', 2]],
      ['cnn.cnn.glu3.linear.weight', ['F64', 8]],
    ]);
    for (const t of tensors) {
      const [dtype, size] = others.get(t.name) ?? ['F32', 4];
      const bytes = dtype === 'F32' ? new Uint8Array(t.values.buffer.slice(0)) : new Uint8Array(t.values.length * size);
      header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
      chunks.push(bytes);
      offset += bytes.length;
    }
    const f = await refuse('half.safetensors', rawFile(header, Buffer.concat(chunks)));
    expect(f.code).toBe('E_VALUE');
    expect(f.message).toContain("'cnn.cnn.conv0.weight' is F16");
    expect(f.message).toContain("'dense.bias' is BF16");
    expect(f.message).toContain("'cnn.cnn.glu3.linear.weight' is F64");
  });

  it('a shape that differs: E_SHAPE naming the tensor and both shapes', async () => {
    const tensors = asFloat().map((t) => (t.name === 'cnn.cnn.conv1.weight' ? { ...t, shape: [t.shape[0], t.shape[1], 9, 1] } : t));
    const f = await refuse('shape.safetensors', serializeSafetensors(tensors));
    expect(f.code).toBe('E_SHAPE');
    expect(f.message).toContain("'cnn.cnn.conv1.weight' is [4,2,9,1], the network's is [4,2,3,3]");
  });

  it('unknown and missing names: E_VALUE listing every one at once', async () => {
    const tensors = asFloat()
      .filter((t) => t.name !== 'dense.bias' && t.name !== 'rnn.rnn.bias_hh_l1_reverse')
      .concat([{ name: 'cnn.cnn.conv7.weight', shape: [1], values: new Float32Array(1) }])
      .map((t) => (t.name === 'dense_softmax.weight' ? { ...t, name: 'dense_softmax.weights' } : t));
    const f = await refuse('names.safetensors', serializeSafetensors(tensors));
    expect(f.code).toBe('E_VALUE');
    expect(f.message).toContain("2 name(s) this network does not have: 'cnn.cnn.conv7.weight', 'dense_softmax.weights'");
    expect(f.message).toMatch(/3 name\(s\) missing: .*'dense\.bias'/);
    expect(f.message).toContain("'rnn.rnn.bias_hh_l1_reverse'");
    expect(f.message).toContain("'dense_softmax.weight'");
  });

  it('num_batches_tracked is skipped for PyTorch names only: in a sedjoule-named file it is an unknown name', async () => {
    const tensors = [
      ...Object.entries(await desedNet(small).getParameters()).map(([name, values]) => ({ name, shape: [values.length], values })),
      { name: 'layers.2.num_batches_tracked', shape: [1], values: new Float32Array(1) },
    ];
    const f = await refuse('counter.safetensors', serializeSafetensors(tensors));
    expect(f.code).toBe('E_VALUE');
    expect(f.message).toContain("1 name(s) this network does not have: 'layers.2.num_batches_tracked'");
  });

  it('a network that is not the DESED CRNN has no PyTorch names: E_VALUE naming the layer', async () => {
    const net = Network.create({ input: [4], layers: [{ type: 'linear', out: 2 }] }, { threads: 1 });
    made.push(net);
    const f = await failure(() => net.loadWeights(SMALL, { names: 'desed-crnn' }));
    expect(f.code).toBe('E_VALUE');
    expect(f.message).toContain('layer 0 (linear) has parameters but no name');
  });

  it('a batch norm before any conv2d belongs to no DESED block: E_VALUE naming the layer', async () => {
    const net = Network.create(
      { input: [2, 4, 4], layers: [{ type: 'batchnorm2d' }, { type: 'conv2d', out: 2, kernel: 3 }] },
      { threads: 1 },
    );
    made.push(net);
    const f = await failure(() => net.saveWeights(path.join(tmp, 'bn-first.safetensors'), { names: 'desed-crnn' }));
    expect(f.code).toBe('E_VALUE');
    expect(f.message).toContain('layer 0 (batchnorm2d) comes before any conv2d');
  });

  it('names on a non-safetensors path: E_USAGE', async () => {
    const net = desedNet(small);
    expect((await failure(() => net.saveWeights(path.join(tmp, 'x.weights'), { names: 'desed-crnn' }))).code).toBe('E_USAGE');
  });

  it('an unreadable file: E_IO naming it', async () => {
    const missing = path.join(tmp, 'absent.safetensors');
    const f = await failure(() => desedNet(small).loadWeights(missing));
    expect(f.code).toBe('E_IO');
    expect(f.message).toContain(missing);
  });

  const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
  const MALFORMED: Array<[string, () => Uint8Array, string]> = [
    ['shorter than 8 bytes', () => new Uint8Array(5), 'shorter than the 8-byte header length'],
    [
      'a header length beyond the file',
      () => {
        const b = rawFile({}, new Uint8Array(0));
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      },
      'exceeds the file',
    ],
    ['a header that is not JSON', () => rawFile({}, new Uint8Array(0)).fill(0x7b, 8), 'not UTF-8 JSON'],
    ['an unknown dtype', () => rawFile({ a: { dtype: 'F31', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), 'unknown dtype'],
    ['a negative dimension', () => rawFile({ a: f32([-1], 0, 4) }, new Uint8Array(4)), 'bad shape'],
    ['offsets that disagree with the shape', () => rawFile({ a: f32([2], 0, 4) }, new Uint8Array(4)), 'needs 8 bytes, data_offsets give 4'],
    ['a tensor past the buffer', () => rawFile({ a: f32([2], 0, 8) }, new Uint8Array(4)), 'ends at byte 8 of a 4-byte buffer'],
    ['a hole in the buffer', () => rawFile({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Uint8Array(12)), 'a hole or an overlap'],
    ['overlapping tensors', () => rawFile({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, new Uint8Array(8)), 'a hole or an overlap'],
    ['bytes left over', () => rawFile({ a: f32([1], 0, 4) }, new Uint8Array(8)), 'cover 4 of the buffer'],
    ['metadata that is not strings', () => rawFile({ __metadata__: { n: 1 } }, new Uint8Array(0)), '__metadata__.n is not a string'],
  ];
  for (const [what, bytes, message] of MALFORMED) {
    it(`a malformed file (${what}): E_IO`, async () => {
      const f = await refuse(`bad-${what.replace(/\W+/g, '-')}.safetensors`, bytes());
      expect(f.code).toBe('E_IO');
      expect(f.message).toContain(message);
    });
  }
});

/** The published size, generated on demand: make-desed-crnn-fixture.py --full DIR. */
const FULL = process.env.SEDJOULE_DESED_FULL;
describe.skipIf(!FULL)('the full DESED CRNN (SEDJOULE_DESED_FULL)', () => {
  it("has 1,112,420 parameters and predicts PyTorch's weak output within 1e-4 relative", async () => {
    const full = readSidecar(path.join(FULL!, 'desed_crnn_full.json'));
    const net = desedNet(full);
    expect(net.parameters).toBe(1112420);
    expect(full.parameters).toBe(1112420);
    await net.loadWeights(path.join(FULL!, 'desed_crnn_full.safetensors'));
    expect(maxRelative(await net.predict(new Float32Array(full.input)), full.weak)).toBeLessThan(1e-4);
  });
});
