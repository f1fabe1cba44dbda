/**
 * The log-mel front end, run natively (resample, STFT, mel, log/dB, normalise), each stage a
 * ledger kernel. Built from a preset name ("dcase", "toolbox") or a preset plus overrides.
 */
import { fromNative, type LedgerRow } from '../ledger.js';
import { loadAddon, type NativeLedgerRow } from '../native.js';

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

export interface NativeFeatureExtractor {
  describe(): string;
  outputShape(samples: number, sampleRate: number): [number, number];
  compute(audio: Float32Array, sampleRate: number): Promise<Float32Array>;
  ledger(): NativeLedgerRow[];
  resetLedger(): void;
  dispose(): void;
}

export class FeatureExtractor {
  readonly config: FrontendConfig;
  private readonly native: NativeFeatureExtractor;

  private constructor(native: NativeFeatureExtractor) {
    this.native = native;
    this.config = JSON.parse(native.describe()) as FrontendConfig;
  }

  static create(spec: FrontendSpec, options: { threads?: number } = {}): FeatureExtractor {
    const json = typeof spec === 'string' ? JSON.stringify({ preset: spec }) : JSON.stringify(spec);
    return new FeatureExtractor(new (loadAddon().FeatureExtractor)(json, options.threads ?? 0));
  }

  /** [mels, frames] for a clip of `samples` at `sampleRate`. */
  outputShape(samples: number, sampleRate: number): [number, number] {
    return this.native.outputShape(samples, sampleRate);
  }

  /** Features [mels x frames] of one mono clip, computed off the main thread. */
  compute(audio: Float32Array, sampleRate: number): Promise<Float32Array> {
    return this.native.compute(audio, sampleRate);
  }

  ledger(): LedgerRow[] {
    return fromNative(this.native.ledger());
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
