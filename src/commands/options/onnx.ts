/**
 * The options that bring an ONNX model (train, profile, predict, kernel-energy, and the "onnx" key
 * of sweep grid entries): --onnx, --input-shape, --loss. The model reference names the file and
 * its SHA-256, so a record says which bytes it measured, and a sweep resumed after the file
 * changed is refused (its settings differ) instead of mixing two models under one id.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';

import { SedjouleError } from '../../errors.js';
import type { OnnxModelRef } from '../../models/presets.js';
import { LOSSES, type LossSpec } from '../../spec.js';
import { shapeParser } from './data.js';

/** --onnx and --input-shape: the model and the shape for its symbolic axes (predict needs no loss). */
export function withOnnxModelOptions<T>(y: Argv<T>, demand = false) {
  return y
    .option('onnx', {
      type: 'string',
      requiresArg: true,
      demandOption: demand,
      describe: demand
        ? 'The ONNX model, imported onto sedjoule kernels with its weights (docs/onnx.md)'
        : 'An ONNX model to use instead of --model/--arch, imported onto sedjoule kernels with its weights (docs/onnx.md)',
    })
    .option('input-shape', {
      requiresArg: true,
      coerce: shapeParser('input-shape'),
      describe: "With --onnx: the per-sample input shape (no batch axis), e.g. 1,64,1000, fixing the model's symbolic axes",
    })
    .group(['onnx', 'input-shape'], 'Model:');
}

export function withOnnxOptions<T>(y: Argv<T>) {
  return withOnnxModelOptions(y)
    .option('loss', {
      choices: LOSSES,
      describe:
        'With --onnx: the loss; bce-logits (default) when the model outputs logits, bce when it outputs probabilities, softmax-ce for single-label logits',
    })
    .group(['loss'], 'Model:');
}

export interface OnnxArgs {
  onnx?: string;
  'input-shape'?: number[];
  loss?: LossSpec;
}

/** The SHA-256 of a file, hex; E_IO naming the file when it cannot be read. */
export function fileSha256(file: string): string {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch (error) {
    throw new SedjouleError('E_IO', `${file}: cannot read the ONNX model (${(error as Error).message})`);
  }
}

/**
 * The ONNX model the options name, if any; E_USAGE for --input-shape or --loss without --onnx.
 * A relative path is taken from `base` (a grid file's folder) when given, else kept as typed.
 */
export function onnxChoice(argv: OnnxArgs, base?: string): OnnxModelRef | undefined {
  if (!argv.onnx) {
    const stray = argv['input-shape'] ? '--input-shape' : argv.loss ? '--loss' : undefined;
    if (stray) throw new SedjouleError('E_USAGE', `${stray} applies to an ONNX model: add --onnx FILE`);
    return undefined;
  }
  const file = base === undefined ? argv.onnx : path.resolve(base, argv.onnx);
  const ref: OnnxModelRef = { kind: 'onnx', path: file, sha256: fileSha256(file) };
  if (argv['input-shape']) ref.inputShape = argv['input-shape'];
  if (argv.loss) ref.loss = argv.loss;
  return ref;
}
