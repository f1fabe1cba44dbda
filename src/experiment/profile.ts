/**
 * `sedjoule profile`: the exact cost of one training step of a model on one clip.
 *
 * The network is built for the input shape its front end gives (no audio is read: the clip is
 * seeded random features of that shape), then a trainStep runs at batch 1: forward, loss,
 * backward (input, weight and bias gradients as separate passes) and the optimiser. It runs twice:
 * the first is the warm-up (first touch of the buffers, their allocation, the kernels' packing
 * space), timed apart; the second is the step reported. Every kernel call is in the ledger, so the
 * report carries the counts the kernels executed, not a rule of thumb: the backward/forward ratio
 * is counted from the kernels' cost formulas (not timed), and the optimiser's rows are kept apart
 * because they scale with the parameters, not with the input. The step's wall time minus its
 * kernels' summed time is the time spent outside the kernels (the binding, the graph walk,
 * allocation).
 *
 * MACs per 10 s of audio are what DCASE asks submissions to report (THOP on a 10 s input). A front
 * end that keeps only the first frames of a clip (toolbox: 64 frames, 0.37 s) gives the cost of
 * one window; the 10 s figure then assumes the model runs on consecutive windows, and says so.
 */
import { SedjouleError } from '../errors.js';
import { clipInfo, DCASE_AUDIO_SECONDS, type ClipInfo } from '../frontend/clip.js';
import type { FrontendPreset } from '../frontend/extractor.js';
import { byModule, LEDGER_COUNT_COLUMNS, totals, type Device, type KernelPass, type LedgerRow, type LedgerTotals } from '../ledger.js';
import { describeModelRef, importedModel, modelRefNetwork, type ModelRef } from '../models/presets.js';
import type { ImportedLayer } from '../onnx/graph.js';
import { Random } from '../util/random.js';
import { createCheckedNetwork } from './memory-check.js';

export interface ProfileOptions {
  model: ModelRef;
  frontend: FrontendPreset;
  /** Classes of the output layer (DESED: 10); an imported model has its own. */
  classes: number;
  /** Seeds the weights, the random clip, its targets and dropout. */
  seed: number;
  /** Kernel threads; 0: SEDJOULE_THREADS or every hardware thread. */
  threads: number;
  /** Where the kernels run (absent: cpu). */
  device?: Device;
  /** Also group the layers into modules by the first `depth` parts of their labels (ledger.ts moduleOf). */
  depth?: number;
}

export interface LayerProfile {
  /** The layer's ledger label: its name (an imported model's: the ONNX node's), "<index>:<type>", or "loss". */
  layer: string;
  /** An imported model's layer: the op types of the ONNX nodes it stands for, in graph order, each once. */
  ops?: string[];
  forward: { macs: number; paddingMacs: number; flops: number };
  backward: { macs: number; paddingMacs: number; flops: number; inputFlops: number; weightFlops: number; biasFlops: number };
  /** backward.flops / forward.flops, counted; null for a layer without forward FLOPs (a permute, a reshape). */
  ratio: number | null;
}

/** Layers grouped by module: every ledger column summed over the module's layers, forward and backward. */
export interface ModuleProfile {
  /** The labels' common prefix at the depth (ledger.ts moduleOf), e.g. "/features". */
  module: string;
  /** The ledger labels of its layers, in order of first call. */
  layers: string[];
  /** An imported model's module: the ONNX op types of its layers, each once. */
  ops?: string[];
  forward: LedgerTotals;
  /** The three backward passes together. */
  backward: LedgerTotals;
}

export interface ProfileReport {
  model: { name: string; ref: ModelRef };
  clip: ClipInfo;
  /** The network's input: [channels, mels, frames]. */
  inputShape: number[];
  batch: 1;
  params: number;
  threads: number;
  /** Every ledger row of the step, in call order (the same fields as a training run's ledger). */
  kernels: LedgerRow[];
  /** Forward pass, loss included (the loss does no MACs and a handful of FLOPs). */
  forward: LedgerTotals;
  /** The three backward passes together (loss gradient included), then each on its own. */
  backward: LedgerTotals;
  backwardPasses: { input: LedgerTotals; weight: LedgerTotals; bias: LedgerTotals };
  optimizer: LedgerTotals;
  /** backward.flops / forward.flops, counted from the kernels' cost formulas (the study assumed 2). */
  backwardForwardRatio: number;
  layers: LayerProfile[];
  /** With a depth: the layers (optimiser rows left out, as in `layers`) grouped by module. */
  modules?: { depth: number; rows: ModuleProfile[] };
  /** Forward cost per 10 s of audio, as DCASE reports it. */
  per10s: { scale: number; macs: number; paddingMacs: number; flops: number; note: string };
  /** Wall time of the warm-up step before it, milliseconds (first touch, allocation, packing space). */
  warmUpMs: number;
  /** Wall time of the reported step, milliseconds (the per-kernel ms are in the rows). */
  stepMs: number;
  /** The ledger rows' summed ms of the reported step. */
  kernelMs: number;
  /** stepMs - kernelMs: the step's time outside the kernels, and its fraction of stepMs. */
  outsideKernels: { ms: number; fraction: number };
}

const BACKWARD: KernelPass[] = ['backward-input', 'backward-weight', 'backward-bias'];

function passTotals(rows: LedgerRow[], passes: KernelPass[]): LedgerTotals {
  return totals(rows, (r) => passes.includes(r.pass));
}

/** Per layer, in order of first appearance: forward and backward counts and their ratio. */
function layerProfiles(rows: LedgerRow[], ops: Map<string, string[]>): LayerProfile[] {
  const layers = new Map<string, LayerProfile>();
  for (const row of rows) {
    if (row.pass === 'optimizer') continue;
    let layer = layers.get(row.layer);
    if (!layer) {
      layer = {
        layer: row.layer,
        ...(ops.has(row.layer) ? { ops: ops.get(row.layer) } : {}),
        forward: { macs: 0, paddingMacs: 0, flops: 0 },
        backward: { macs: 0, paddingMacs: 0, flops: 0, inputFlops: 0, weightFlops: 0, biasFlops: 0 },
        ratio: null,
      };
      layers.set(row.layer, layer);
    }
    const side = row.pass === 'forward' ? layer.forward : layer.backward;
    side.macs += row.macs;
    side.paddingMacs += row.paddingMacs;
    side.flops += row.flops;
    if (row.pass === 'backward-input') layer.backward.inputFlops += row.flops;
    if (row.pass === 'backward-weight') layer.backward.weightFlops += row.flops;
    if (row.pass === 'backward-bias') layer.backward.biasFlops += row.flops;
  }
  for (const layer of layers.values()) layer.ratio = layer.forward.flops > 0 ? layer.backward.flops / layer.forward.flops : null;
  return [...layers.values()];
}

/** The network's rows (not the optimiser's) by module at `depth`, forward and backward apart. */
function moduleProfiles(rows: LedgerRow[], depth: number, ops: Map<string, string[]>): ModuleProfile[] {
  const network = rows.filter((r) => r.pass !== 'optimizer');
  const forward = new Map(
    byModule(
      network.filter((r) => r.pass === 'forward'),
      depth,
    ).map((m) => [m.module, m]),
  );
  const backward = new Map(
    byModule(
      network.filter((r) => BACKWARD.includes(r.pass)),
      depth,
    ).map((m) => [m.module, m]),
  );
  const counts = (m: LedgerTotals | undefined): LedgerTotals =>
    Object.fromEntries(LEDGER_COUNT_COLUMNS.map((c) => [c, m?.[c] ?? 0])) as LedgerTotals;
  return byModule(network, depth).map(({ module, layers }) => {
    const opTypes = [...new Set(layers.flatMap((l) => ops.get(l) ?? []))];
    return {
      module,
      layers,
      ...(opTypes.length ? { ops: opTypes } : {}),
      forward: counts(forward.get(module)),
      backward: counts(backward.get(module)),
    };
  });
}

/** An imported model's ledger labels -> the op types of the ONNX nodes each layer stands for. */
function onnxOps(report: ImportedLayer[]): Map<string, string[]> {
  return new Map(report.map((r) => [r.name, [...new Set(r.nodes.map((n) => n.opType))]]));
}

export async function runProfile(options: ProfileOptions): Promise<ProfileReport> {
  if (!Number.isInteger(options.classes) || options.classes < 1)
    throw new SedjouleError('E_USAGE', `--classes must be a positive integer, got ${options.classes}`);
  if (options.depth !== undefined && (!Number.isInteger(options.depth) || options.depth < 1))
    throw new SedjouleError('E_USAGE', `--depth must be a positive integer, got ${options.depth}`);
  // An imported model reads its own input shape: its last axis is taken as frames of the front end.
  const own = options.model.kind === 'onnx' ? importedModel(options.model) : undefined;
  const { inputShape: frontendShape, clip } = clipInfo(options.frontend, own?.inputShape.at(-1));
  const inputShape = own?.inputShape ?? frontendShape;
  const classes = own ? own.outputShape.reduce((a, b) => a * b, 1) : options.classes;
  const { spec, weights } = modelRefNetwork(options.model, { inputShape, classes, seed: options.seed });
  const { net } = createCheckedNetwork(
    spec,
    { threads: options.threads, device: options.device },
    1,
    `${describeModelRef(options.model)} (one training step at batch 1)`,
  );
  try {
    if (weights) await net.setParameters(weights);
    const size = inputShape.reduce((a, b) => a * b, 1);
    const random = new Random(options.seed);
    const x = Float32Array.from({ length: size }, () => random.normal());
    // Multi-hot targets: the counts do not depend on them, but the loss should see a real label.
    const y = Float32Array.from({ length: net.outputShape.reduce((a, b) => a * b, 1) }, () => (random.next() < 0.3 ? 1 : 0));
    const warmUpStart = performance.now();
    await net.trainStep(x, y);
    const warmUpMs = performance.now() - warmUpStart;
    net.resetLedger();
    const start = performance.now();
    await net.trainStep(x, y);
    const stepMs = performance.now() - start;
    const rows = net.ledger();
    const kernelMs = rows.reduce((sum, r) => sum + r.ms, 0);
    const ops = own ? onnxOps(own.report) : new Map<string, string[]>();

    const forward = passTotals(rows, ['forward']);
    const backward = passTotals(rows, BACKWARD);
    const scale = DCASE_AUDIO_SECONDS / clip.audioSeconds;
    const note = clip.windowed
      ? `the input is ${clip.frames} frames (${clip.audioSeconds.toFixed(3)} s of audio at ${clip.sampleRate} Hz, hop ${clip.hop}); ` +
        `the 10 s figures scale one forward pass by 10 s / ${clip.audioSeconds.toFixed(3)} s = ${scale.toFixed(3)}, assuming the model is applied to consecutive ${clip.frames}-frame windows`
      : `the input covers ${clip.clipSeconds} s of audio (${clip.frames} frames at ${clip.sampleRate} Hz, hop ${clip.hop})` +
        (scale === 1 ? '' : `; the 10 s figures scale one forward pass by ${scale.toFixed(3)}`);
    return {
      model: { name: describeModelRef(options.model), ref: options.model },
      clip,
      inputShape,
      batch: 1,
      params: net.parameters,
      threads: net.description.threads,
      kernels: rows,
      forward,
      backward,
      backwardPasses: {
        input: passTotals(rows, ['backward-input']),
        weight: passTotals(rows, ['backward-weight']),
        bias: passTotals(rows, ['backward-bias']),
      },
      optimizer: passTotals(rows, ['optimizer']),
      backwardForwardRatio: forward.flops > 0 ? backward.flops / forward.flops : 0,
      layers: layerProfiles(rows, ops),
      ...(options.depth !== undefined ? { modules: { depth: options.depth, rows: moduleProfiles(rows, options.depth, ops) } } : {}),
      // Rounded: a windowed scale is not an integer, and a count of operations is.
      per10s: {
        scale,
        macs: Math.round(forward.macs * scale),
        paddingMacs: Math.round(forward.paddingMacs * scale),
        flops: Math.round(forward.flops * scale),
        note,
      },
      warmUpMs,
      stepMs,
      kernelMs,
      outsideKernels: { ms: stepMs - kernelMs, fraction: (stepMs - kernelMs) / stepMs },
    };
  } finally {
    net.dispose();
  }
}
