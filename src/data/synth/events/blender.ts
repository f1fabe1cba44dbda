/**
 * Blender: a motor whine (f0 150-400 Hz, 5-10 harmonics, a slow wobble and small random drift of
 * f0, a short spin-up) plus broadband noise through a resonant band-pass (centre 0.8-2.5 kHz, Q
 * 1.5-4, two sections for steeper skirts). Stationary, 2-10 s. The harmonic stripes below 4 kHz
 * and the single noise hump separate it from the vacuum's flat noise and the shaver's 1-4 kHz comb.
 */
import type { Random } from '../../../util/random.js';
import { addHarmonics, applyFades, Biquad, filterChain, mixInto, rms, sampleCount, smoothNoise, whiteNoise } from '../dsp.js';

export function blenderEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const n = sampleCount(durationS, sampleRate);
  const out = new Float32Array(n);
  const f0 = random.uniform(150, 400);
  const harmonics = random.int(5, 10);
  const tilt = random.uniform(0.5, 1);
  const amps = Array.from({ length: harmonics }, (_, k) => random.uniform(0.5, 1) / (k + 1) ** tilt);
  const wobbleRate = random.uniform(0.2, 1);
  const wobbleDepth = random.uniform(0.01, 0.04);
  const wobblePhase = random.uniform(0, 2 * Math.PI);
  const spinUpS = random.uniform(0.15, 0.4);
  const drift = smoothNoise(random, n, sampleRate, 3);
  const f0Track = new Float32Array(n);
  for (let i = 0; i < n; ++i) {
    const t = i / sampleRate;
    const spin = 1 - 0.4 * Math.exp(-t / (spinUpS / 3));
    f0Track[i] = f0 * spin * (1 + wobbleDepth * Math.sin(2 * Math.PI * wobbleRate * t + wobblePhase) + 0.015 * drift[i]);
  }
  addHarmonics(out, sampleRate, f0Track, amps);
  const centre = random.uniform(800, 2500);
  const q = random.uniform(1.5, 4);
  const noise = filterChain(whiteNoise(random, n), Biquad.bandPass(sampleRate, centre, q), Biquad.bandPass(sampleRate, centre, q));
  mixInto(out, noise, (random.uniform(0.6, 1.4) * rms(out)) / Math.max(rms(noise), 1e-12));
  return applyFades(out, sampleRate);
}
