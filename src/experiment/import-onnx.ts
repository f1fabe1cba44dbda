/**
 * `sedjoule import`: an ONNX model into a folder sedjoule reads back without the ONNX file:
 * spec.json (the network spec), weights.sjw (Network.saveWeights' format: the spec and every
 * parameter and buffer, checksummed) and mapping.json (per layer, the ONNX nodes it came from).
 * Each file is written atomically (a temporary file renamed into place). The network is built
 * and its weights set before anything is written, so a model the addon refuses leaves no files.
 */
import path from 'node:path';

import { Network } from '../network.js';
import type { ImportedLayer } from '../onnx/graph.js';
import { importOnnx, type OnnxImport, type OnnxImportOptions } from '../onnx/import.js';
import { ensureFolder, writeJsonAtomic } from '../util/atomic.js';

export interface OnnxImportReport {
  source: string;
  model: OnnxImport['model'];
  inputShape: number[];
  outputShape: number[];
  parameters: number;
  layers: ImportedLayer[];
  files: { spec: string; weights: string; mapping: string };
}

export async function importOnnxTo(model: string, out: string, options: OnnxImportOptions = {}): Promise<OnnxImportReport> {
  const imported = importOnnx(model, options);
  const net = Network.create(imported.spec, { threads: 1 });
  try {
    await net.setParameters(imported.weights);
    ensureFolder(out, 'output folder');
    const files = { spec: path.join(out, 'spec.json'), weights: path.join(out, 'weights.sjw'), mapping: path.join(out, 'mapping.json') };
    await net.saveWeights(files.weights);
    writeJsonAtomic(files.spec, imported.spec);
    writeJsonAtomic(files.mapping, { source: model, model: imported.model, layers: imported.report });
    return {
      source: model,
      model: imported.model,
      inputShape: imported.inputShape,
      outputShape: imported.outputShape,
      parameters: net.parameters,
      layers: imported.report,
      files,
    };
  } finally {
    net.dispose();
  }
}
