/**
 * The log-mel front end, run natively (resample, STFT, mel, log/dB, normalize), each stage a
 * ledger kernel. Built from a preset name ("dcase", "toolbox") or a preset plus overrides.
 */
import type { Device, LedgerRow } from '../ledger.js';
import { ledgerRows, loadAddon, type NativeFeatureExtractor } from '../native.js';

export type FrontendPreset = 'dcase' | 'toolbox';
export const FRONTEND_PRESETS: FrontendPreset[] = ['dcase', 'toolbox'];

/** A preset, optionally with fields overridden (names as in docs/frontend.md). */
export type FrontendSpec = FrontendPreset | ({ preset: FrontendPreset } & Partial<FrontendConfig>);

export interface FrontendConfig {
  sampleRate: number;
  clipSeconds: number;
  nFft: number;
  hop: number;
  winLength: number;
  window: 'hann' | 'hamming';
  periodicWindow: boolean;
  center: boolean;
  nMels: number;
  fMin: number;
  fMax: number;
  melScale: 'htk' | 'slaney';
  melNorm: 'none' | 'slaney';
  power: 1 | 2;
  amplitude: 'none' | 'log' | 'db';
  dbMultiplier: number;
  amin: number;
  logEps: number;
  clamp: boolean;
  clampMin: number;
  clampMax: number;
  normalize: 'none' | 'minmax' | 'standardize';
  frames: number;
}

/** The addon's constructor: new FeatureExtractor(configJson, threads, device, cudaDevice). */
export interface FeatureExtractorOptions {
  /** Threads for the CPU kernels; 0 or absent: one per hardware thread. */
  threads?: number;
  /**
   * 'cpu' (default) or 'cuda': the window, filterbank and FFT tables then stay on the GPU, each
   * clip goes there in one copy and its features come back in one; the ledger rows carry GPU
   * times. E_CUDA when the addon was built without CUDA or no device is visible, with the reason.
   */
  device?: Device;
  /** Which CUDA device (default 0). */
  cudaDevice?: number;
}

export class FeatureExtractor {
  readonly config: FrontendConfig;
  /** Where the stages run. */
  readonly device: Device;
  private readonly native: NativeFeatureExtractor;

  private constructor(native: NativeFeatureExtractor, device: Device) {
    this.native = native;
    this.device = device;
    this.config = JSON.parse(native.describe()) as FrontendConfig;
  }

  static create(spec: FrontendSpec, options: FeatureExtractorOptions = {}): FeatureExtractor {
    const json = typeof spec === 'string' ? JSON.stringify({ preset: spec }) : JSON.stringify(spec);
    const device = options.device ?? 'cpu';
    return new FeatureExtractor(new (loadAddon().FeatureExtractor)(json, options.threads ?? 0, device, options.cudaDevice ?? 0), device);
  }

  /** [mels, frames] for a clip of `samples` at `sampleRate`. */
  outputShape(samples: number, sampleRate: number): [number, number] {
    return this.native.outputShape(samples, sampleRate);
  }

  /** Features [mels x frames] of one mono clip, computed off the main thread on a copy of `audio` made at the call. */
  compute(audio: Float32Array, sampleRate: number): Promise<Float32Array> {
    return this.native.compute(audio, sampleRate);
  }

  ledger(): LedgerRow[] {
    return ledgerRows(this.native.ledger());
  }

  resetLedger(): void {
    this.native.resetLedger();
  }

  dispose(): void {
    this.native.dispose();
  }
}

/**
 * Resamples mono audio with the front end's windowed-sinc resampler (Kaiser, 16 zero crossings,
 * cutoff 0.95 of the lower Nyquist: docs/frontend.md), off the main thread.
 */
export function resample(audio: Float32Array, fromRate: number, toRate: number): Promise<Float32Array> {
  return fromRate === toRate ? Promise.resolve(audio) : loadAddon().resampleAudio(audio, fromRate, toRate);
}
