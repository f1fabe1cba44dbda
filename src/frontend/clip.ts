/**
 * How much audio one example stands for: the rule behind "MACs per 10 s of audio" (DCASE), shared
 * by `sedjoule profile` and the DCASE report. A whole clip covers clipSeconds (626 frames of 10 s
 * at 16 kHz stand for 10 s, not 626 x 256 / 16000); a window of N kept frames (the toolbox
 * preset's 64) advances N hops through the audio, and a 10 s figure then assumes the model runs on
 * consecutive windows.
 */
import type { FrontendConfig } from './extractor.js';

export interface ClipCoverage {
  /** STFT frames of a whole clip of clipSeconds. */
  clipFrames: number;
  /** Frames an example keeps. */
  frames: number;
  audioSeconds: number;
  windowed: boolean;
}

export function clipCoverage(config: FrontendConfig, frames: number): ClipCoverage {
  const samples = Math.round(config.sampleRate * config.clipSeconds);
  // The native STFT's frame count (docs/frontend.md): 1 + (samples + 2 (nFft/2) [center] - nFft) / hop.
  const padded = samples + (config.center ? 2 * Math.floor(config.nFft / 2) : 0);
  const clipFrames = 1 + Math.floor((padded - config.nFft) / config.hop);
  const windowed = frames < clipFrames;
  return { clipFrames, frames, audioSeconds: windowed ? (frames * config.hop) / config.sampleRate : config.clipSeconds, windowed };
}

/** The DCASE reference length of audio. */
export const DCASE_AUDIO_SECONDS = 10;
