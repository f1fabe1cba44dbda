/**
 * Running_water: white or pink noise band-passed to 0.5-6 kHz (two high-pass sections at 0.4-0.7
 * kHz, two low-pass sections at 4-6 kHz), slow random amplitude modulation (20-50% at 0.5-3 Hz)
 * and bubbles (Poisson, 10-40 per second: 3-12 ms decaying upward chirps from 0.6-3 kHz).
 * Long and stationary, 2-10 s, sometimes spanning the clip.
 */
import type { Random } from '../../../util/random.js';
import {
  applyFades,
  Biquad,
  exponential,
  filterChain,
  maxFrequency,
  mixInto,
  pinkNoise,
  rms,
  sampleCount,
  smoothNoise,
  whiteNoise,
} from '../dsp.js';

export function runningWaterEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const n = sampleCount(durationS, sampleRate);
  const source = random.next() < 0.5 ? whiteNoise(random, n) : pinkNoise(random, n);
  const low = random.uniform(400, 700);
  const high = Math.min(random.uniform(4000, 6000), maxFrequency(sampleRate));
  const out = filterChain(
    source,
    Biquad.highPass(sampleRate, low),
    Biquad.highPass(sampleRate, low),
    Biquad.lowPass(sampleRate, high),
    Biquad.lowPass(sampleRate, high),
  );
  const depth = random.uniform(0.2, 0.5);
  const flow = smoothNoise(random, n, sampleRate, random.uniform(0.5, 3));
  for (let i = 0; i < n; ++i) out[i] *= 1 + depth * flow[i];
  const bubbles = new Float32Array(n);
  const rate = random.uniform(10, 40);
  for (let t = exponential(random, rate); t < durationS; t += exponential(random, rate)) {
    const start = Math.round(t * sampleRate);
    const f = random.uniform(600, 3000);
    const rise = random.uniform(1.1, 1.6);
    const tau = random.uniform(0.003, 0.012) * sampleRate;
    const length = Math.min(n - start, Math.round(5 * tau));
    const amplitude = random.uniform(0.2, 1);
    let phase = 0;
    for (let i = 0; i < length; ++i) {
      phase += (2 * Math.PI * f * (1 + ((rise - 1) * i) / length)) / sampleRate;
      bubbles[start + i] += amplitude * Math.exp(-i / tau) * Math.sin(phase);
    }
  }
  mixInto(out, bubbles, (random.uniform(0.3, 0.8) * rms(out)) / Math.max(rms(bubbles), 1e-12));
  return applyFades(out, sampleRate);
}
