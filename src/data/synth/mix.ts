/**
 * Renders a plan: background at the reference level, each event scaled so its gated RMS is
 * reference + SNR dBFS (measured on the part inside the clip), summed in float. Peak handling: if
 * the float mix peaks above the ceiling (-1 dBFS by default), the whole clip (background and
 * events alike) is multiplied by ceiling / peak, so SNRs and the relative levels are untouched and
 * the 16-bit file never clips; only that clip's absolute level drops, by the recorded gain.
 */
import { Random } from '../../util/random.js';
import { backgroundTrack } from './background.js';
import { fromDb, gatedRms } from './dsp.js';
import { EVENT_CLASSES } from './events/index.js';
import type { SoundscapePlan } from './plan.js';

export interface RenderedEvent {
  onsetSample: number;
  /** The event as mixed (level and peak gain applied), cut at the clip end. */
  samples: Float32Array;
}

export interface RenderedSoundscape {
  audio: Float32Array;
  /** Gain applied to the whole clip for the peak ceiling (1 when none was needed). */
  peakGain: number;
  /** The separate tracks, as mixed, when asked for (tests measure SNRs on them). */
  background?: Float32Array;
  events?: RenderedEvent[];
}

export function renderSoundscape(plan: SoundscapePlan, peakCeilingDb: number, keepTracks = false): RenderedSoundscape {
  const { sampleRate, samples, referenceDb } = plan;
  const background = backgroundTrack(new Random(plan.backgroundSeed), sampleRate, samples, referenceDb);
  const audio = Float32Array.from(background);
  const tracks: RenderedEvent[] = [];
  for (const event of plan.events) {
    const full = EVENT_CLASSES[event.label].generate(new Random(event.seed), sampleRate, event.lengthSamples / sampleRate);
    const visible = full.subarray(0, Math.min(event.visibleSamples, full.length));
    const level = gatedRms(visible, sampleRate);
    const gain = level > 0 ? fromDb(referenceDb + event.snrDb) / level : 0;
    for (let i = 0; i < visible.length; ++i) {
      visible[i] *= gain;
      audio[event.onsetSample + i] += visible[i];
    }
    if (keepTracks) tracks.push({ onsetSample: event.onsetSample, samples: visible });
  }
  let peak = 0;
  for (let i = 0; i < samples; ++i) peak = Math.max(peak, Math.abs(audio[i]));
  const ceiling = fromDb(peakCeilingDb);
  const peakGain = peak > ceiling ? ceiling / peak : 1;
  if (peakGain !== 1) {
    for (let i = 0; i < samples; ++i) audio[i] *= peakGain;
    if (keepTracks) {
      for (let i = 0; i < samples; ++i) background[i] *= peakGain;
      for (const t of tracks) for (let i = 0; i < t.samples.length; ++i) t.samples[i] *= peakGain;
    }
  }
  return keepTracks ? { audio, peakGain, background, events: tracks } : { audio, peakGain };
}
