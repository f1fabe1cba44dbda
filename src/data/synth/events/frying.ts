/**
 * Frying: a high-passed hiss (cut-off 2.5-4 kHz, slowly breathing) with dense crackles on top
 * (Poisson, 20-80 per second, 0.3-2 ms decaying noise bursts with skewed amplitudes, high-
 * passed at 2 kHz). Stationary, 3-10 s, often spanning the whole clip. Energy sits in the top
 * octave, and the crackles are far denser and shorter than dish impacts.
 */
import type { Random } from '../../../util/random.js';
import { applyFades, Biquad, exponential, filterChain, mixInto, rms, sampleCount, smoothNoise, whiteNoise } from '../dsp.js';

export function fryingEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const n = sampleCount(durationS, sampleRate);
  const cut = random.uniform(2500, 4000);
  const hiss = filterChain(whiteNoise(random, n), Biquad.highPass(sampleRate, cut), Biquad.highPass(sampleRate, cut));
  const breathing = smoothNoise(random, n, sampleRate, 1.5);
  for (let i = 0; i < n; ++i) hiss[i] *= 1 + 0.25 * breathing[i];
  const crackles = new Float32Array(n);
  const rate = random.uniform(20, 80);
  for (let t = exponential(random, rate); t < durationS; t += exponential(random, rate)) {
    const start = Math.round(t * sampleRate);
    // Squaring a uniform gives more faint pops than loud ones, as with spitting oil; a heavier
    // tail would give the class a crest factor that forces most of its clips into peak scaling.
    const amplitude = random.uniform(0.3, 1) ** 2;
    const tau = random.uniform(0.0003, 0.002) * sampleRate;
    const length = Math.min(n - start, Math.round(5 * tau));
    for (let i = 0; i < length; ++i) crackles[start + i] += amplitude * (2 * random.next() - 1) * Math.exp(-i / tau);
  }
  Biquad.highPass(sampleRate, 2000).process(crackles);
  mixInto(hiss, crackles, (random.uniform(0.5, 1) * rms(hiss)) / Math.max(rms(crackles), 1e-12));
  return applyFades(hiss, sampleRate);
}
