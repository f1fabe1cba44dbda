/**
 * Vacuum_cleaner: loud broadband noise (white, two low-pass sections at 4.5-6 kHz, plus brown
 * rumble) and a fan whine (300-900 Hz with a weak 2nd and 3rd harmonic, slight vibrato), switched
 * on and off with 0.25-0.4 s ramps during which the whine spins up and down. Long, 3-10 s, often
 * starting or ending at a clip edge. Flat wide noise with one tonal line, unlike the blender's
 * harmonic stack over a noise hump.
 */
import type { Random } from '../../../util/random.js';
import {
  addHarmonics,
  applyFades,
  Biquad,
  brownNoise,
  filterChain,
  maxFrequency,
  mixInto,
  normalizeTo,
  rms,
  sampleCount,
  smoothNoise,
  whiteNoise,
} from '../dsp.js';

export function vacuumCleanerEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const n = sampleCount(durationS, sampleRate);
  const cut = Math.min(random.uniform(4500, 6000), maxFrequency(sampleRate));
  const out = filterChain(whiteNoise(random, n), Biquad.lowPass(sampleRate, cut), Biquad.lowPass(sampleRate, cut));
  const noiseRms = rms(out);
  const rumble = normalizeTo(brownNoise(random, n, sampleRate), sampleRate, noiseRms);
  mixInto(out, rumble, random.uniform(0.3, 0.6));
  const whine = random.uniform(300, 900);
  const rampS = Math.min(random.uniform(0.25, 0.4), durationS / 3);
  const vibrato = smoothNoise(random, n, sampleRate, 2);
  const speed = new Float32Array(n);
  for (let i = 0; i < n; ++i) {
    const t = i / sampleRate;
    const edge = Math.min(1, t / rampS, (durationS - t) / rampS);
    // Raised-cosine ramp: the motor's speed and loudness follow it at power on and off.
    speed[i] = edge >= 1 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, edge));
  }
  const tone = new Float32Array(n);
  const track = new Float32Array(n);
  for (let i = 0; i < n; ++i) track[i] = whine * (0.5 + 0.5 * speed[i]) * (1 + 0.005 * vibrato[i]);
  addHarmonics(tone, sampleRate, track, [1, random.uniform(0.2, 0.5), 0.1]);
  mixInto(out, tone, (random.uniform(0.3, 0.8) * rms(out)) / Math.max(rms(tone), 1e-12));
  const sway = smoothNoise(random, n, sampleRate, 1);
  for (let i = 0; i < n; ++i) out[i] *= speed[i] * (1 + 0.08 * sway[i]);
  return applyFades(out, sampleRate);
}
