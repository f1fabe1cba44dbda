/**
 * A network built natively from a spec. Every method that does real work runs off the main
 * thread and returns a Promise. Input arrays are copied when the call is made, so an array may be
 * changed, resized or transferred as soon as the call returns (any ArrayBuffer, resizable or
 * shared, is accepted).
 */
import fs from 'node:fs/promises';

import { SedjouleError } from './errors.js';
import type { Device, KernelPass, LedgerRow } from './ledger.js';
import { ledgerRows, loadAddon, type NativeNetwork } from './native.js';
import { importOnnx, type OnnxImportOptions } from './onnx/import.js';
import { type LayerType, type NetworkSpec, specJson } from './spec.js';
import { writeFileAtomic } from './util/atomic.js';
import type { WeightNames } from './weights/pytorch-names.js';
import { isSafetensorsPath, readSafetensorsWeights, writeSafetensorsWeights } from './weights/safetensors-weights.js';

export interface LayerSummary {
  index: number;
  type: LayerType;
  /** The label of this layer in ledger rows: its name, by default e.g. "0:conv2d". */
  label: string;
  /** The layer's name (the same as label). */
  name: string;
  /** The tensors it reads: "input" or earlier layers' names. */
  inputs: string[];
  /** The shape of its first input. */
  input: number[];
  output: number[];
  parameters: number;
  /** Its parameters and buffers (trainable: false, e.g. batch-norm running statistics), by name within the layer. */
  tensors: Array<{ name: string; shape: number[]; trainable: boolean }>;
}

/** Options of saveWeights/loadWeights for a .safetensors file (docs/weights.md). */
export interface WeightsFileOptions {
  /**
   * The tensor names: 'sedjoule' (`layers.<index>.<param>`) or a PyTorch state_dict's,
   * 'desed-crnn' (the DESED_task baseline CRNN). Saving: 'sedjoule' by default. Loading: read
   * from the file when absent (sedjoule's when any name starts with "layers.", else 'desed-crnn').
   */
  names?: WeightNames;
}

export interface NetworkDescription {
  input: number[];
  output: number[];
  parameters: number;
  threads: number;
  /** Where parameters, activations, optimiser state and kernels live. */
  device: Device;
  layers: LayerSummary[];
  /**
   * Bytes: parameters, gradients, optimiser state, and per sample the layer outputs and their
   * gradients plus the buffers that sum the gradients of tensors read by several layers (a lower
   * bound for activations).
   */
  memory: { parameterBytes: number; gradientBytes: number; optimizerStateBytes: number; activationBytesPerSample: number };
  /** False for a description from Network.inspect. */
  allocated: boolean;
  /** The spec with every default filled in. */
  spec: Required<Pick<NetworkSpec, 'input' | 'layers' | 'loss' | 'optimizer' | 'seed' | 'inputGradient'>>;
}

export interface NetworkOptions {
  /** Threads for the CPU kernels of this network; 0 or absent: one per hardware thread. */
  threads?: number;
  /**
   * 'cpu' (default) or 'cuda': weights, activations and optimiser state then stay on the GPU
   * across steps (one copy in per batch, one loss out). E_CUDA when the addon was built without
   * CUDA or no device is visible, with the reason.
   */
  device?: Device;
  /** Which CUDA device (default 0). */
  cudaDevice?: number;
}

/** A kernel call of a captured training step: what the ledger would have recorded for it. */
export type CapturedCall = Omit<LedgerRow, 'calls' | 'ms' | 'device'>;

export class Network {
  readonly description: NetworkDescription;
  private readonly native: NativeNetwork;

  private constructor(native: NativeNetwork) {
    this.native = native;
    this.description = JSON.parse(native.describe()) as NetworkDescription;
  }

  /** Builds a network. Throws (code E_SPEC or E_SHAPE) naming the layer and field at fault. */
  static create(spec: NetworkSpec, options: NetworkOptions = {}): Network {
    const addon = loadAddon();
    return new Network(new addon.Network(specJson(spec), options.threads ?? 0, options.device ?? 'cpu', options.cudaDevice ?? 0));
  }

  /**
   * Imports an ONNX model (a file path or its bytes; docs/onnx.md) and builds it with its weights:
   * a Network like any other, that trains, predicts and profiles with sedjoule's kernels. E_ONNX
   * listing every node that cannot be imported.
   */
  static async fromOnnx(model: string | Uint8Array, options: OnnxImportOptions & NetworkOptions = {}): Promise<Network> {
    const imported = importOnnx(model, options);
    const net = Network.create(imported.spec, options);
    try {
      await net.setParameters(imported.weights);
    } catch (error) {
      net.dispose();
      throw error;
    }
    return net;
  }

  /**
   * Builds the network's description (shapes, parameter counts, memory needs) without taking its
   * parameters' memory: the check a sweep runs on every configuration before anything starts.
   */
  static inspect(spec: NetworkSpec): NetworkDescription {
    return JSON.parse(loadAddon().inspectNetwork(specJson(spec))) as NetworkDescription;
  }

  /** Exact number of trainable parameters. */
  get parameters(): number {
    return this.description.parameters;
  }
  get inputShape(): number[] {
    return this.description.input;
  }
  get outputShape(): number[] {
    return this.description.output;
  }
  get device(): Device {
    return this.description.device;
  }
  get disposed(): boolean {
    return this.native.disposed;
  }

  /** Forward, loss, backward and optimiser step on one batch; resolves to the batch's mean loss. */
  trainStep(x: Float32Array, y: Float32Array): Promise<number> {
    return this.native.trainStep(x, y);
  }

  /** Probabilities for a batch (sigmoid applied when the loss is 'bce-logits', softmax over the last axis for 'softmax-ce'). */
  predict(x: Float32Array): Promise<Float32Array> {
    return this.native.predict(x);
  }

  /** The loss against targets and the probabilities, without gradients. */
  evaluate(x: Float32Array, y: Float32Array): Promise<{ loss: number; outputs: Float32Array }> {
    return this.native.evaluate(x, y);
  }

  /** Rows accumulated since creation or the last resetLedger(). */
  ledger(): LedgerRow[] {
    return ledgerRows(this.native.ledger());
  }

  resetLedger(): void {
    this.native.resetLedger();
  }

  /**
   * Writes weights atomically: a temporary file renamed into place. A path ending in
   * `.safetensors` gets a safetensors file (float32, names per `options.names`); any other path
   * sedjoule's weights file (the spec and every tensor, checksummed).
   */
  async saveWeights(path: string, options: WeightsFileOptions = {}): Promise<void> {
    if (!isSafetensorsPath(path)) {
      if (options.names !== undefined) throw new SedjouleError('E_USAGE', `${path}: names apply to .safetensors files only`);
      return this.native.saveWeights(path);
    }
    const bytes = writeSafetensorsWeights(
      await this.getParameters(),
      this.description.layers,
      options.names ?? 'sedjoule',
      this.description.spec,
    );
    writeFileAtomic(path, bytes);
  }

  /**
   * Reads weights written by saveWeights, or a PyTorch state_dict saved as safetensors (by the
   * `.safetensors` extension). The whole file is checked before any tensor is set: E_IO when it is
   * unreadable or malformed, E_VALUE listing every unknown and missing name (or tensors that are
   * not float32), E_SHAPE naming each tensor whose shape differs and both shapes.
   */
  async loadWeights(path: string, options: WeightsFileOptions = {}): Promise<void> {
    if (!isSafetensorsPath(path)) {
      if (options.names !== undefined) throw new SedjouleError('E_USAGE', `${path}: names apply to .safetensors files only`);
      return this.native.loadWeights(path);
    }
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(path);
    } catch (error) {
      throw new SedjouleError('E_IO', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    await this.setParameters(readSafetensorsWeights(bytes, path, this.description.layers, options.names));
  }

  /**
   * Sets parameters and buffers by their weights-file names (`layers.<index>.<param>`, e.g.
   * "layers.0.weight"; any subset). All are checked before any is written: E_VALUE names a tensor
   * this network lacks (listing those it has) or a value that is not finite, E_SHAPE one whose
   * length is not the tensor's.
   */
  setParameters(tensors: Record<string, Float32Array>): Promise<void> {
    return this.native.setParameters(tensors);
  }

  /** Every parameter and buffer, copied, by its weights-file name. */
  getParameters(): Promise<Record<string, Float32Array>> {
    return this.native.getParameters();
  }

  /** Writes weights, optimiser state and step count atomically: training resumes exactly from it. */
  saveCheckpoint(path: string): Promise<void> {
    return this.native.saveCheckpoint(path);
  }

  /** Restores a checkpoint written by saveCheckpoint for the same spec and optimiser (E_IO otherwise). */
  loadCheckpoint(path: string): Promise<void> {
    return this.native.loadCheckpoint(path);
  }

  /**
   * CUDA only: one training step (it trains as trainStep does) with every kernel call captured as
   * a CUDA graph, kept for replayCapturedCall; the calls are listed with their cost fields and are
   * not added to the ledger. E_VALUE on a CPU network.
   */
  async captureTrainStep(x: Float32Array, y: Float32Array): Promise<{ loss: number; calls: CapturedCall[] }> {
    const r = await this.native.captureTrainStep(x, y);
    return { loss: r.loss, calls: r.calls.map((c) => ({ ...c, pass: c.pass as KernelPass })) };
  }

  /**
   * Replays captured call `index` `times` times back to back on the GPU (no host work between
   * repetitions); resolves to their GPU time in milliseconds. The calls read and write the
   * network's own buffers, so training state changes: use a network made for profiling.
   */
  replayCapturedCall(index: number, times: number): Promise<number> {
    return this.native.replayCapturedCall(index, times);
  }

  /** Frees native memory now. Later calls fail with E_DISPOSED; calls in flight finish first. */
  dispose(): void {
    this.native.dispose();
  }
}
