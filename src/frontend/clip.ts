/**
 * What a model's input stands for in audio: its shape for a front end (clipInfo, without any
 * audio), and the rule behind "MACs per 10 s of audio" (DCASE), shared by `sedjoule profile` and
 * the DCASE report. A whole clip covers clipSeconds (626 frames of 10 s
 * at 16 kHz stand for 10 s, not 626 x 256 / 16000); a window of N kept frames (the toolbox
 * preset's 64) advances N hops through the audio, and a 10 s figure then assumes the model runs on
 * consecutive windows.
 */
import { FeatureExtractor, type FrontendConfig, type FrontendPreset } from './extractor.js';

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

/** What the model's input stands for in audio. */
export interface ClipInfo {
  frontend: FrontendPreset;
  sampleRate: number;
  hop: number;
  /** The clip length the front end pads or crops audio to. */
  clipSeconds: number;
  /** Frames of a whole clip, and the frames the front end keeps (the model's input). */
  clipFrames: number;
  frames: number;
  /** Seconds of audio the input covers: clipSeconds when every frame is kept, else frames x hop / sampleRate. */
  audioSeconds: number;
  /** True when the input is a window of the clip (a front end that keeps only the first frames). */
  windowed: boolean;
}

/**
 * The model's input shape for a front end, and how much audio it covers, without any audio.
 * `modelFrames`: the frames a model with its own input shape reads (an imported model's last input
 * axis), when that is not what the front end keeps.
 */
export function clipInfo(frontend: FrontendPreset, modelFrames?: number): { inputShape: number[]; clip: ClipInfo } {
  const kept = FeatureExtractor.create(frontend);
  try {
    const c = kept.config;
    const [mels, keptFrames] = kept.outputShape(Math.round(c.sampleRate * c.clipSeconds), c.sampleRate);
    const frames = modelFrames ?? keptFrames;
    const { clipFrames, audioSeconds, windowed } = clipCoverage(c, frames);
    return {
      inputShape: [1, mels, frames],
      clip: { frontend, sampleRate: c.sampleRate, hop: c.hop, clipSeconds: c.clipSeconds, clipFrames, frames, audioSeconds, windowed },
    };
  } finally {
    kept.dispose();
  }
}
