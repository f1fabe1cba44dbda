/** The options that bring an ONNX model (train, profile): --onnx, --input-shape, --loss. */
import type { Argv } from 'yargs';

import { SedjouleError } from '../../errors.js';
import type { OnnxModelRef } from '../../models/presets.js';
import { LOSSES, type LossSpec } from '../../spec.js';
import { shapeParser } from './data.js';

export function withOnnxOptions<T>(y: Argv<T>) {
  return y
    .option('onnx', {
      type: 'string',
      requiresArg: true,
      describe: 'An ONNX model to use instead of --model/--arch, imported onto sedjoule kernels with its weights (docs/onnx.md)',
    })
    .option('input-shape', {
      requiresArg: true,
      coerce: shapeParser('input-shape'),
      describe: "With --onnx: the per-sample input shape (no batch axis), e.g. 1,64,1000, fixing the model's symbolic axes",
    })
    .option('loss', {
      choices: LOSSES,
      describe:
        'With --onnx: the loss; bce-logits (default) when the model outputs logits, bce when it outputs probabilities, softmax-ce for single-label logits',
    })
    .group(['onnx', 'input-shape', 'loss'], 'Model:');
}

export interface OnnxArgs {
  onnx?: string;
  'input-shape'?: number[];
  loss?: LossSpec;
}

/** The ONNX model the options name, if any; E_USAGE for --input-shape or --loss without --onnx. */
export function onnxChoice(argv: OnnxArgs): OnnxModelRef | undefined {
  if (!argv.onnx) {
    const stray = argv['input-shape'] ? '--input-shape' : argv.loss ? '--loss' : undefined;
    if (stray) throw new SedjouleError('E_USAGE', `${stray} applies to an ONNX model: add --onnx FILE`);
    return undefined;
  }
  return { kind: 'onnx', path: argv.onnx, inputShape: argv['input-shape'], loss: argv.loss };
}
