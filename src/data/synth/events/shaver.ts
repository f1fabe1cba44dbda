/**
 * Electric_shaver_toothbrush: a buzzing sawtooth or narrow-pulse train (f0 60-180 Hz with a little
 * jitter) band-passed to 1-4 kHz (two high-pass sections at 0.8-1.2 kHz, two low-pass sections at
 * 3.5-4.5 kHz, plus a resonance at 1.5-3 kHz), with slight amplitude modulation (5-20% at 1-6 Hz,
 * the strokes of a toothbrush). Stationary, 1-10 s: a dense harmonic comb confined to mid-highs.
 */
import type { Random } from '../../../util/random.js';
import { addSawtooth, applyFades, Biquad, filterChain, mixInto, sampleCount, smoothNoise } from '../dsp.js';

export function shaverEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const n = sampleCount(durationS, sampleRate);
  const f0 = random.uniform(60, 180);
  const jitter = smoothNoise(random, n, sampleRate, 5);
  const track = new Float32Array(n);
  for (let i = 0; i < n; ++i) track[i] = f0 * (1 + 0.004 * jitter[i]);
  const source = new Float32Array(n);
  addSawtooth(source, sampleRate, track);
  if (random.next() < 0.5) {
    // A pulse train is the difference of two sawtooths offset by the duty cycle.
    addSawtooth(source, sampleRate, track, -1, 0, random.uniform(0.1, 0.3));
  }
  const low = random.uniform(800, 1200);
  const high = random.uniform(3500, 4500);
  const out = filterChain(
    Float32Array.from(source),
    Biquad.highPass(sampleRate, low),
    Biquad.highPass(sampleRate, low),
    Biquad.lowPass(sampleRate, high),
    Biquad.lowPass(sampleRate, high),
  );
  const resonance = filterChain(source, Biquad.bandPass(sampleRate, random.uniform(1500, 3000), 3));
  mixInto(out, resonance, random.uniform(0.5, 1));
  const depth = random.uniform(0.05, 0.2);
  const rate = random.uniform(1, 6);
  const phase = random.uniform(0, 2 * Math.PI);
  for (let i = 0; i < n; ++i) out[i] *= 1 + depth * Math.sin((2 * Math.PI * rate * i) / sampleRate + phase);
  return applyFades(out, sampleRate);
}
