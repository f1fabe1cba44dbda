/**
 * Dog: 1-4 barks of 80-250 ms with 0.2-0.6 s gaps. A bark is a harmonic tone (f0 250-600 Hz, 12
 * harmonics, pitch falling ~30% over the bark) through a chest formant (0.7-1.6 kHz) plus a
 * breathy noise burst (band-pass 1-3 kHz) concentrated at the attack; 5 ms attack, decaying body.
 * Short, loud, broadband-topped bursts: unlike the cat's long gliding meows.
 */
import type { Random } from '../../../util/random.js';
import { addHarmonics, applyFades, Biquad, rms, sampleCount, shapeSegment, whiteNoise } from '../dsp.js';
import { fitBursts } from './bursts.js';

const AMPS = Array.from({ length: 12 }, (_, k) => 1 / (k + 1) ** 0.8);

export function dogEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const out = new Float32Array(sampleCount(durationS, sampleRate));
  const f0Base = random.uniform(250, 600);
  const chest = random.uniform(700, 1600);
  const chestQ = random.uniform(1, 2);
  const breath = random.uniform(1000, 3000);
  const noiseMix = random.uniform(0.3, 0.8);
  const barks = fitBursts(random, durationS, { unit: [0.08, 0.25], gap: [0.2, 0.6], maxUnits: 4 });
  for (const bark of barks) {
    const start = Math.round(bark.startS * sampleRate);
    const length = Math.min(out.length - start, Math.round(bark.lengthS * sampleRate));
    if (length <= 0) continue;
    const f0 = f0Base * random.uniform(0.9, 1.1);
    const track = new Float32Array(length);
    for (let i = 0; i < length; ++i) track[i] = f0 * (1.15 - (0.35 * i) / length);
    const tone = new Float32Array(length);
    addHarmonics(tone, sampleRate, track, AMPS);
    const shaped = Float32Array.from(tone);
    Biquad.bandPass(sampleRate, chest, chestQ).process(shaped);
    const noise = whiteNoise(random, length);
    Biquad.bandPass(sampleRate, breath, 1).process(noise);
    const noiseGain = (noiseMix * rms(shaped)) / Math.max(rms(noise), 1e-12);
    const noiseTau = 0.03 * sampleRate;
    const bodyTau = length / 2.5;
    for (let i = 0; i < length; ++i) {
      tone[i] = (0.4 * tone[i] + shaped[i] + 2 * noiseGain * noise[i] * Math.exp(-i / noiseTau)) * Math.exp(-i / bodyTau);
    }
    shapeSegment(tone, 0, length, Math.round(0.005 * sampleRate), Math.round(0.02 * sampleRate));
    for (let i = 0; i < length; ++i) out[start + i] += tone[i];
  }
  return applyFades(out, sampleRate);
}
