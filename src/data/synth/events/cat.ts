/**
 * Cat: 1-3 meows of 0.4-1.2 s with 0.2-0.6 s gaps. A meow is a harmonic tone (peak f0 400-900 Hz,
 * 8 harmonics) with a rise-fall pitch contour and slight vibrato, shaped by a formant band-pass
 * (1-3 kHz, Q 2-4) that opens and closes over the meow ("mi-a-ow").
 */
import type { Random } from '../../../util/random.js';
import { addHarmonics, applyFades, Biquad, sampleCount, shapeSegment } from '../dsp.js';
import { fitBursts } from './bursts.js';

const AMPS = [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 1 / 7, 1 / 8];
const FORMANT_BLOCK = 32;

export function catEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const out = new Float32Array(sampleCount(durationS, sampleRate));
  const peakBase = random.uniform(400, 900);
  const formantBase = random.uniform(1000, 3000);
  const q = random.uniform(2, 4);
  const meows = fitBursts(random, durationS, { unit: [0.4, 1.2], gap: [0.2, 0.6], maxUnits: 3 });
  for (const meow of meows) {
    const start = Math.round(meow.startS * sampleRate);
    const length = Math.min(out.length - start, Math.round(meow.lengthS * sampleRate));
    if (length <= 0) continue;
    const peak = peakBase * random.uniform(0.9, 1.1);
    const startRatio = random.uniform(0.7, 0.85);
    const endRatio = random.uniform(0.55, 0.8);
    const peakAt = random.uniform(0.25, 0.5);
    const vibratoRate = random.uniform(5, 7);
    const f0 = new Float32Array(length);
    for (let i = 0; i < length; ++i) {
      const u = i / length;
      const r =
        u < peakAt
          ? startRatio + (1 - startRatio) * Math.sin((0.5 * Math.PI * u) / peakAt) ** 2
          : 1 - (1 - endRatio) * Math.sin((0.5 * Math.PI * (u - peakAt)) / (1 - peakAt)) ** 2;
      f0[i] = peak * r * (1 + 0.01 * Math.sin((2 * Math.PI * vibratoRate * i) / sampleRate));
    }
    const tone = new Float32Array(length);
    addHarmonics(tone, sampleRate, f0, AMPS);
    const formant = Float32Array.from(tone);
    const filter = new Biquad(sampleRate);
    for (let b = 0; b < length; b += FORMANT_BLOCK) {
      filter.setBandPass(formantBase * (0.7 + 0.3 * Math.sin((Math.PI * b) / length)), q);
      filter.process(formant, b, Math.min(length, b + FORMANT_BLOCK));
    }
    for (let i = 0; i < length; ++i) tone[i] = 0.3 * tone[i] + 1.5 * formant[i];
    shapeSegment(tone, 0, length, Math.round(0.04 * sampleRate), Math.round(0.12 * sampleRate));
    for (let i = 0; i < length; ++i) out[start + i] += tone[i];
  }
  return applyFades(out, sampleRate);
}
