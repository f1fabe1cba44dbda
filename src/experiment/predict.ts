/**
 * `sedjoule predict`: an ONNX model's outputs on a float32 .npy batch, computed by sedjoule's
 * kernels, written as .npy. The outputs are the graph's own (logits stay logits: the network is
 * built with the 'bce' loss, whose predict adds no sigmoid), so they compare one to one with
 * ONNX Runtime's or PyTorch's on the same input.
 *
 * The first axis of the input is the batch; the rest is the per-sample shape, which also fixes
 * the model's symbolic axes unless an input shape is given. The batch is run in chunks of `batch`
 * samples, so a large file needs the activations of one chunk, not of the whole file.
 */
import { readNpy, writeNpy } from '../data/npy.js';
import { SedjouleError } from '../errors.js';
import { totals, type Device, type LedgerTotals } from '../ledger.js';
import { importedModel, type OnnxModelRef } from '../models/presets.js';
import type { OnnxImport } from '../onnx/import.js';
import { createCheckedNetwork } from './memory-check.js';

export interface PredictOptions {
  model: OnnxModelRef;
  /** The input .npy: float32, [samples, ...per-sample shape]. */
  input: string;
  /** The output .npy: float32, [samples, ...the model's per-sample output shape]. */
  out: string;
  /** Samples per forward pass. */
  batch: number;
  threads: number;
  device?: Device;
}

export interface PredictReport {
  model: { path: string; sha256?: string; params: number };
  input: { file: string; shape: number[] };
  output: { file: string; shape: number[] };
  device: Device;
  batch: number;
  /** Forward passes run (ceil(samples / batch)). */
  passes: number;
  /** The forward kernels' counts over all passes (the ledger's columns, summed). */
  kernels: LedgerTotals;
  seconds: number;
}

export async function runPredict(o: PredictOptions): Promise<PredictReport> {
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new SedjouleError('E_USAGE', `--batch must be a positive integer, got ${o.batch}`);
  const x = readNpy(o.input);
  if (x.shape.length < 2)
    throw new SedjouleError(
      'E_SHAPE',
      `${o.input}: 'shape' is [${x.shape}]; predict reads [samples, ...per-sample shape] (add the batch axis: x[None])`,
    );
  const [samples, ...sample] = x.shape;
  if (samples < 1) throw new SedjouleError('E_SHAPE', `${o.input}: 'shape' is [${x.shape}], no samples`);
  let imported: OnnxImport;
  try {
    imported = importedModel({ ...o.model, inputShape: o.model.inputShape ?? sample, loss: 'bce' });
  } catch (error) {
    // The shape the model was fixed with came from the file: say so beside the importer's problems.
    if (o.model.inputShape || !(error instanceof SedjouleError)) throw error;
    throw new SedjouleError(
      error.code,
      `${o.input}: per-sample shape [${sample}] ('shape' [${x.shape}] less the batch axis): ${error.message}`,
    );
  }
  if (imported.inputShape.join() !== sample.join())
    throw new SedjouleError(
      'E_SHAPE',
      `${o.input}: per-sample shape [${sample}] ('shape' [${x.shape}] less the batch axis), but ${o.model.path} takes [${imported.inputShape}]`,
    );
  const batch = Math.min(o.batch, samples);
  const { net } = createCheckedNetwork(imported.spec, { threads: o.threads, device: o.device }, batch, `${o.model.path} at batch ${batch}`);
  try {
    await net.setParameters(imported.weights);
    const inSize = sample.reduce((a, b) => a * b, 1);
    const outSize = net.outputShape.reduce((a, b) => a * b, 1);
    const y = new Float32Array(samples * outSize);
    const start = performance.now();
    let passes = 0;
    for (let first = 0; first < samples; first += batch, ++passes) {
      const n = Math.min(batch, samples - first);
      y.set(await net.predict(x.data.subarray(first * inSize, (first + n) * inSize)), first * outSize);
    }
    const seconds = (performance.now() - start) / 1000;
    const shape = [samples, ...net.outputShape];
    writeNpy(o.out, { shape, data: y });
    return {
      model: { path: o.model.path, sha256: o.model.sha256, params: net.parameters },
      input: { file: o.input, shape: x.shape },
      output: { file: o.out, shape },
      device: net.device,
      batch,
      passes,
      kernels: totals(net.ledger()),
      seconds,
    };
  } finally {
    net.dispose();
  }
}
