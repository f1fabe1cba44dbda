/**
 * Property-based fuzzing of the network boundary (fast-check; counts from test/fuzz.ts): specs
 * with random layer lists and hostile dimensions, weights files mutated from a valid one, and
 * typed arrays of every kind through every binding method that takes one. The property is the
 * same throughout: never a crash, and every call gives a valid result or an error with a code.
 * E_INTERNAL counts as a failure: it means a broken invariant, not bad input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { errorCode } from '../src/errors.js';
import { FeatureExtractor, resample } from '../src/frontend/extractor.js';
import { Network } from '../src/network.js';
import type { NetworkSpec } from '../src/spec.js';
import { fuzzOptions, fuzzTimeout } from './fuzz.js';

const INPUT_CODES = ['E_SHAPE', 'E_VALUE', 'E_SPEC', 'E_TYPE', 'E_MEMORY', 'E_IO'];

/** Runs fn; returns its result, or the code of what it threw, failing on an error without one. */
async function settle<T>(fn: () => T | Promise<T>): Promise<{ value?: T; code?: string }> {
  try {
    return { value: await fn() };
  } catch (error) {
    const code = errorCode(error);
    if (!code || !INPUT_CODES.includes(code)) throw new Error(`an error without an input code (${code}): ${(error as Error).message}`);
    return { code };
  }
}

// ---- specs ------------------------------------------------------------------------------------

/** Mostly small and valid; sometimes zero, negative, fractional, NaN, huge, or not a number. */
const dim = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 6 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      0,
      -1,
      2.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      65536,
      2 ** 31,
      2 ** 53,
      2 ** 63,
      1e300,
      '3',
      null,
      [2, 2],
    ),
  },
  { weight: 1, arbitrary: fc.integer() },
);
const pair = fc.oneof(dim, fc.tuple(dim, dim));

const layer = fc
  .oneof(
    fc.record(
      { type: fc.constant('conv2d'), out: dim, kernel: pair, stride: pair, padding: pair },
      { requiredKeys: ['type', 'out', 'kernel'] },
    ),
    fc.record({ type: fc.constant('batchnorm2d'), eps: fc.double(), momentum: fc.double() }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constantFrom('relu', 'sigmoid', 'glu', 'flatten', 'last_step') }),
    fc.record({ type: fc.constant('softmax'), axis: dim }, { requiredKeys: ['type'] }),
    fc.record(
      { type: fc.constantFrom('maxpool2d', 'avgpool2d'), kernel: pair, stride: pair, padding: pair },
      { requiredKeys: ['type', 'kernel'] },
    ),
    fc.record({ type: fc.constant('dropout'), p: fc.oneof(fc.double(), dim) }),
    fc.record({ type: fc.constant('linear'), out: dim, bias: fc.boolean() }, { requiredKeys: ['type', 'out'] }),
    fc.record(
      { type: fc.constantFrom('gru', 'lstm'), hidden: dim, layers: dim, bidirectional: fc.boolean() },
      { requiredKeys: ['type', 'hidden'] },
    ),
    fc.record({ type: fc.constant('reshape'), shape: fc.array(fc.oneof(dim, fc.constant(-1)), { maxLength: 4 }) }),
    fc.record({ type: fc.constant('permute'), dims: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }) }),
    fc.record({ type: fc.constant('mean'), axis: dim }),
    fc.record(
      { type: fc.constant('attention_head'), classes: dim, softmaxOver: fc.constantFrom('classes', 'time', 'space') },
      { requiredKeys: ['type', 'classes'] },
    ),
    fc.record({ type: fc.constantFrom('conv3d', '', 'LINEAR') }),
  )
  .chain((l) =>
    fc.option(fc.constantFrom('bogus', 'kernal', '__proto__x'), { nil: undefined }).map((extra) => (extra ? { ...l, [extra]: 1 } : l)),
  );

const hostileSpec = fc.record(
  {
    input: fc.array(dim, { maxLength: 5 }),
    layers: fc.array(layer, { maxLength: 6 }),
    loss: fc.constantFrom('bce-logits', 'bce', 'softmax-ce', 'mse'),
    optimizer: fc.oneof(
      fc.record({ type: fc.constant('adam'), lr: fc.double() }),
      fc.record({ type: fc.constant('sgd'), lr: fc.double(), momentum: fc.double() }),
    ),
    seed: fc.oneof(fc.nat(), dim),
    unknown: fc.constant(1),
  },
  { requiredKeys: ['input', 'layers'] },
);

// Plausible specs (mostly valid, so that building and running are fuzzed too): an image stack
// [C, H, W] then flatten and a head, or a sequence [T, F] through a GRU and a head.
const small = fc.integer({ min: 1, max: 4 });
const imageLayer = fc.oneof(
  fc.record({ type: fc.constant('conv2d'), out: small, kernel: fc.integer({ min: 1, max: 3 }), padding: fc.integer({ min: 0, max: 1 }) }),
  fc.constantFrom({ type: 'relu' }, { type: 'sigmoid' }, { type: 'batchnorm2d' }, { type: 'glu' }),
  fc.record({ type: fc.constantFrom('maxpool2d', 'avgpool2d'), kernel: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ type: fc.constant('dropout'), p: fc.double({ min: 0, max: 0.9, noNaN: true }) }),
);
const headLayer = fc.oneof(
  fc.record({ type: fc.constant('linear'), out: small }),
  fc.constantFrom({ type: 'relu' }, { type: 'sigmoid' }, { type: 'softmax' }),
);
const imageSpec = fc.record({
  input: fc.tuple(small, fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 8 })),
  layers: fc
    .tuple(fc.array(imageLayer, { maxLength: 4 }), fc.array(headLayer, { maxLength: 2 }))
    .map(([body, head]) => [...body, { type: 'flatten' }, ...head]),
  loss: fc.constantFrom('bce-logits', 'bce'),
});
const sequenceSpec = fc.record({
  input: fc.tuple(fc.integer({ min: 1, max: 6 }), small),
  layers: fc
    .tuple(
      fc.record({
        type: fc.constantFrom('gru', 'lstm'),
        hidden: small,
        bidirectional: fc.boolean(),
        layers: fc.integer({ min: 1, max: 2 }),
      }),
      fc.oneof(
        fc.constant([{ type: 'attention_head', classes: 3 }]),
        fc.constant([{ type: 'last_step' }, { type: 'linear', out: 2 }]),
        fc.constant([
          { type: 'mean', axis: 0 },
          { type: 'linear', out: 2 },
        ]),
        fc.constant([{ type: 'permute', dims: [1, 0] }, { type: 'flatten' }, { type: 'linear', out: 2 }]),
      ),
    )
    .map(([gru, head]) => [gru, ...head]),
});
const plausibleSpec = fc.oneof(imageSpec, sequenceSpec);

/** A plausible spec with one field or input dimension replaced by a hostile value. */
const perturbedSpec = fc.tuple(plausibleSpec, fc.nat(), dim).map(([s, at, value]) => {
  const copy = structuredClone(s) as { input: unknown[]; layers: Record<string, unknown>[] };
  const layer = copy.layers[at % copy.layers.length]!;
  const fields = Object.keys(layer).filter((k) => k !== 'type');
  if (fields.length > 0 && at % 3 !== 0) layer[fields[at % fields.length]!] = value;
  else copy.input[at % copy.input.length] = value;
  return copy;
});

const spec = fc.oneof(plausibleSpec, perturbedSpec, hostileSpec);

/** Small enough to build and run one step on in a test: the memory figures, and the batch's arrays. */
function runnable(d: ReturnType<typeof Network.inspect>): boolean {
  const m = d.memory;
  return (
    m.parameterBytes + m.gradientBytes + m.optimizerStateBytes < 16 * 2 ** 20 &&
    m.activationBytesPerSample < 2 ** 20 &&
    sampleSize(d.input) <= 2 ** 16 &&
    sampleSize(d.output) <= 2 ** 16
  );
}

function sampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

describe('fuzz: network specs', () => {
  it(
    'inspect gives a consistent description or an error with a code; a small valid spec builds and runs a step',
    async () => {
      await fc.assert(
        fc.asyncProperty(spec, async (s) => {
          const inspected = await settle(() => Network.inspect(s as unknown as NetworkSpec));
          const d = inspected.value;
          if (!d) return;
          // What inspect accepts is addressable and described with whole, positive sizes.
          for (const shape of [d.input, d.output, ...d.layers.map((l) => l.output)]) {
            for (const v of shape) expect(Number.isSafeInteger(v) && v >= 1, JSON.stringify(shape)).toBe(true);
            expect(sampleSize(shape)).toBeLessThanOrEqual(2 ** 45);
          }
          for (const v of Object.values(d.memory)) expect(Number.isFinite(v) && v >= 0).toBe(true);
          if (!runnable(d)) return;
          const net = Network.create(s as unknown as NetworkSpec, { threads: 1 });
          try {
            const x = new Float32Array(2 * sampleSize(d.input)).fill(0.5);
            const y = new Float32Array(2 * sampleSize(d.output));
            const step = await settle(() => net.trainStep(x, y));
            if (step.value !== undefined) expect(typeof step.value).toBe('number');
            const out = await settle(() => net.predict(x));
            if (out.value) expect(out.value.length).toBe(y.length);
          } finally {
            net.dispose();
          }
        }),
        fuzzOptions(2),
      );
    },
    fuzzTimeout(400),
  );
});

// ---- weights files ----------------------------------------------------------------------------

describe('fuzz: weights and checkpoint files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-fuzz-weights-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const netSpec: NetworkSpec = {
    input: [1, 6, 5],
    layers: [
      { type: 'conv2d', out: 2, kernel: 3, padding: 1 },
      { type: 'batchnorm2d' },
      { type: 'relu' },
      { type: 'flatten' },
      { type: 'linear', out: 3 },
    ],
  };

  /** The header of a weights file as JSON, and the bytes around it. */
  function split(bytes: Buffer): { header: Record<string, unknown>; data: Buffer } {
    const length = Number(bytes.readBigUInt64LE(8));
    return {
      header: JSON.parse(bytes.subarray(16, 16 + length).toString('utf8')) as Record<string, unknown>,
      data: bytes.subarray(16 + length),
    };
  }
  function join(magic: Buffer, header: unknown, data: Buffer): Buffer {
    const text = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(text.length));
    return Buffer.concat([magic, length, text, data]);
  }

  /** A byte-level mutation (flips, truncation, insertion) or a header-level one (a number or field replaced). */
  const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 2 ** 53, 2 ** 64 - 2048, 1e300, -2048, 0.5));
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({
      kind: fc.constant('header' as const),
      tensor: fc.nat(),
      field: fc.constantFrom('offset', 'shape', 'count', 'name', 'dataBytes', 'step', 'optimizer', 'tensors'),
      value: fc.oneof(hostileNumber, fc.array(hostileNumber, { maxLength: 4 }), fc.string(), fc.constant(null)),
    }),
  );

  function mutate(bytes: Buffer, m: Record<string, unknown>): Buffer {
    const out = Buffer.from(bytes);
    switch (m.kind) {
      case 'flip':
        for (const at of m.at as number[]) out[at % out.length] ^= m.mask as number;
        return out;
      case 'truncate':
        return out.subarray(0, (m.at as number) % out.length);
      case 'insert': {
        const at = (m.at as number) % out.length;
        return Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes as Uint8Array), out.subarray(at)]);
      }
      default: {
        const { header, data } = split(out);
        const tensors = header.tensors as Record<string, unknown>[];
        const field = m.field as string;
        if (field === 'dataBytes' || field === 'step' || field === 'optimizer' || field === 'tensors') header[field] = m.value;
        else tensors[(m.tensor as number) % tensors.length]![field] = m.value;
        return join(out.subarray(0, 8), header, data);
      }
    }
  }

  it(
    'a mutated weights file or checkpoint loads or fails with a code, and a failed load leaves the weights as they were',
    async () => {
      const net = Network.create(netSpec, { threads: 1 });
      const x = new Float32Array(2 * 30).fill(0.3);
      await net.trainStep(x, new Float32Array(6).fill(1));
      const weightsFile = path.join(dir, 'valid.weights');
      const checkpointFile = path.join(dir, 'valid.ckpt');
      await net.saveWeights(weightsFile);
      await net.saveCheckpoint(checkpointFile);
      const originals = { weights: fs.readFileSync(weightsFile), checkpoint: fs.readFileSync(checkpointFile) };
      const target = path.join(dir, 'mutated');
      try {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom('weights' as const, 'checkpoint' as const), mutation, async (which, m) => {
            const before = Array.from(await net.predict(x));
            fs.writeFileSync(target, mutate(originals[which], m as Record<string, unknown>));
            const r = await settle(() => (which === 'weights' ? net.loadWeights(target) : net.loadCheckpoint(target)));
            const after = Array.from(await net.predict(x));
            if (r.code) expect(after).toEqual(before);
            for (const v of after) expect(Number.isNaN(v) || (v >= 0 && v <= 1)).toBe(true);
            // Restore the valid state for the next case.
            await net.loadCheckpoint(checkpointFile);
          }),
          fuzzOptions(3),
        );
      } finally {
        net.dispose();
      }
    },
    fuzzTimeout(150),
  );
});

// ---- typed arrays through every binding method --------------------------------------------------

/** A resizable ArrayBuffer (ES2024; the project's TypeScript lib is ES2022, so it is typed here). */
interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}
const ResizableArrayBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

type BufferKind = 'plain' | 'resizable-shrunk' | 'shared' | 'detached' | 'offset-view';

const contents = fc.oneof(
  { weight: 4, arbitrary: fc.constant('finite' as const) },
  { weight: 1, arbitrary: fc.constantFrom('nan' as const, 'inf' as const, 'huge' as const) },
);

/** An argument where a Float32Array is expected: mostly one, of a chosen length, kind and contents. */
const arrayArgument = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      type: fc.constant('float32' as const),
      length: fc.oneof(fc.constantFrom(0, 1, 30, 60, 90, 1600, 16000), fc.nat({ max: 4000 })),
      kind: fc.constantFrom<BufferKind>('plain', 'resizable-shrunk', 'shared', 'detached', 'offset-view'),
      contents,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constantFrom(
        'float64' as const,
        'int8' as const,
        'array' as const,
        'number' as const,
        'string' as const,
        'undefined' as const,
        'dataview' as const,
      ),
    }),
  },
);
type ArrayArgument = { type: string; length?: number; kind?: BufferKind; contents?: string };

/** Makes the argument, and an action to run just after the call (shrink or detach its buffer). */
function makeArgument(a: ArrayArgument): { value: unknown; after: () => void } {
  const nothing = (): void => undefined;
  switch (a.type) {
    case 'float64':
      return { value: new Float64Array(30), after: nothing };
    case 'int8':
      return { value: new Int8Array(30), after: nothing };
    case 'array':
      return { value: new Array(30).fill(0), after: nothing };
    case 'number':
      return { value: 30, after: nothing };
    case 'string':
      return { value: 'x', after: nothing };
    case 'undefined':
      return { value: undefined, after: nothing };
    case 'dataview':
      return { value: new DataView(new ArrayBuffer(120)), after: nothing };
  }
  const length = a.length!;
  const bytes = length * 4;
  let array: Float32Array;
  let after = nothing;
  if (a.kind === 'resizable-shrunk') {
    const buffer = new ResizableArrayBuffer(bytes, { maxByteLength: bytes + 64 });
    array = new Float32Array(buffer);
    after = () => buffer.resize(0);
  } else if (a.kind === 'shared') {
    array = new Float32Array(new SharedArrayBuffer(bytes));
    after = () => array.fill(Number.NaN);
  } else if (a.kind === 'offset-view') {
    array = new Float32Array(new ArrayBuffer(bytes + 12), 12, length);
  } else {
    array = new Float32Array(length);
    if (a.kind === 'detached') after = () => void structuredClone(array.buffer, { transfer: [array.buffer] });
  }
  for (let i = 0; i < array.length; ++i) array[i] = Math.sin(i) * 0.5;
  if (array.length > 0 && a.contents === 'nan') array[array.length >> 1] = Number.NaN;
  if (array.length > 0 && a.contents === 'inf') array[0] = Number.NEGATIVE_INFINITY;
  if (array.length > 0 && a.contents === 'huge') array.fill(3e38);
  return { value: array, after };
}

describe('fuzz: typed arrays through every binding method', () => {
  const net = Network.create(
    {
      input: [1, 6, 5],
      layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'flatten' }, { type: 'linear', out: 3 }],
    },
    { threads: 1 },
  );
  const extractor = FeatureExtractor.create(
    { preset: 'dcase', sampleRate: 8000, clipSeconds: 0.5, nFft: 256, hop: 128, winLength: 256, nMels: 16, fMax: 4000 },
    { threads: 1 },
  );
  afterAll(() => {
    net.dispose();
    extractor.dispose();
  });

  type Call = (args: unknown[]) => Promise<unknown>;
  const methods: Record<string, { arrays: number; call: Call; check?: (value: unknown, args: unknown[]) => void }> = {
    trainStep: {
      arrays: 2,
      call: ([x, y]) => net.trainStep(x as Float32Array, y as Float32Array),
      check: (v) => expect(typeof v).toBe('number'),
    },
    predict: { arrays: 1, call: ([x]) => net.predict(x as Float32Array), check: (v) => expect(v).toBeInstanceOf(Float32Array) },
    evaluate: { arrays: 2, call: ([x, y]) => net.evaluate(x as Float32Array, y as Float32Array) },
    captureTrainStep: { arrays: 2, call: ([x, y]) => net.captureTrainStep(x as Float32Array, y as Float32Array) },
    compute: {
      arrays: 1,
      call: ([audio]) => extractor.compute(audio as Float32Array, 8000),
      check: (v) => expect(v).toBeInstanceOf(Float32Array),
    },
    resample: {
      arrays: 1,
      call: ([audio]) => resample(audio as Float32Array, 8000, 16000),
      check: (v) => expect(v).toBeInstanceOf(Float32Array),
    },
  };

  it(
    'every method gives a valid result or an error with a code, whatever the array and whatever happens to its buffer after the call',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(methods)),
          fc.array(arrayArgument, { minLength: 2, maxLength: 2 }),
          async (name, specs) => {
            const method = methods[name]!;
            const made = specs.slice(0, method.arrays).map((a) => makeArgument(a as ArrayArgument));
            const args = made.map((m) => m.value);
            let pending: Promise<unknown>;
            try {
              pending = method.call(args);
            } catch (error) {
              pending = Promise.reject(error);
            }
            for (const m of made) m.after();
            const r = await settle(() => pending);
            if (r.value !== undefined) method.check?.(r.value, args);
          },
        ),
        fuzzOptions(4),
      );
    },
    fuzzTimeout(200),
  );
});
