// The reference models of the ONNX import, as the benches find or make them in the cache
// (scripts/make-reference-models.py and scripts/make-desed-crnn-fixture.py at full size).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultCacheRoot } from '../../dist/index.js';
import { modelProtoType } from '../../dist/onnx/schema.js';

const scripts = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = () => path.join(defaultCacheRoot(), 'reference-models', 'full');

/**
 * A model's file, the script that makes it, and its per-sample input shape (the DESED CRNN reads
 * [batch, mels, frames], the others [batch, 1, mels, frames]). desed_crnn_lbr0 is the DESED CRNN
 * with linear_before_reset 0 on its GRU nodes (the reset gate before the hidden product, which
 * PyTorch cannot export), derived from desed_crnn's file.
 */
export function referenceModel(name, mels = 128, frames = 626) {
  return name === 'desed_crnn' || name === 'desed_crnn_lbr0'
    ? {
        file: path.join(dir(), `${name}_full_opset17.onnx`),
        make: ['make-desed-crnn-fixture.py', '--full', dir()],
        shape: [1, mels, frames],
      }
    : {
        file: path.join(dir(), `${name}_opset17.onnx`),
        make: ['make-reference-models.py', '--size', 'full', '--out', dir(), '--only', name],
        shape: [1, 1, mels, frames],
      };
}

/** Makes a model's file unless it is there: null, or the reason it cannot be made. */
export function makeReferenceModel(name) {
  const {
    file,
    make: [script, ...scriptArgs],
  } = referenceModel(name);
  if (fs.existsSync(file)) return null;
  if (name === 'desed_crnn_lbr0') {
    const problem = makeReferenceModel('desed_crnn');
    if (problem) return problem;
    const type = modelProtoType();
    const model = type.decode(fs.readFileSync(referenceModel('desed_crnn').file));
    for (const node of model.graph.node.filter((n) => n.opType === 'GRU'))
      for (const a of node.attribute) if (a.name === 'linear_before_reset') a.i = 0;
    fs.writeFileSync(file, type.encode(model).finish());
    return null;
  }
  const made = spawnSync('/usr/bin/python3', [path.join(scripts, script), ...scriptArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (made.status === 0) return null;
  return `${name} could not be made (apt-get install python3-torch): ${(made.stderr || made.error?.message || '').trim().split('\n').pop()}`;
}
