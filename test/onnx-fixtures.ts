/** What the ONNX import tests share: the fixtures of scripts/make-onnx-fixtures.py, and comparisons. */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';

import { packageRoot } from '../src/version.js';

export const FIXTURES = path.join(packageRoot, 'test', 'fixtures', 'onnx');
export const fixture = (name: string) => path.join(FIXTURES, name);

/** A fixture's sidecar: PyTorch's input, outputs, parameter count, gradients and SGD losses. */
export interface Sidecar {
  inputShape: number[];
  input: number[];
  output: number[];
  outputShape: number[];
  parameters: number;
  targets: number[];
  loss: number;
  gradients: Record<string, number[]>;
  sgdLosses: number[];
}
export const sidecar = (name: string) => JSON.parse(fs.readFileSync(fixture(`${name}.json`), 'utf8')) as Sidecar;

/** max |a - b| / max |b|: the error relative to the tensor's scale (a sum of products has no better one). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < expected.length; ++i) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/** ONNX Runtime's output of a model (a fixture's name, or the bytes of a model) whose input and output are named so. */
export async function ortOutput(model: string | Uint8Array, input: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(fixture(model)) : await ort.InferenceSession.create(model);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', input, shape) });
    return result.output.data as Float32Array;
  } finally {
    await session.release();
  }
}
