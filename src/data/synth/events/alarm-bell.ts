/**
 * Alarm_bell_ringing: either a beeper (a 1.5-4 kHz sine with a weak 2nd harmonic, gated 100-300 ms
 * on / 100-300 ms off, sometimes alternating between two pitches) or an electric bell (inharmonic
 * partials x1, 2.76, 5.40, 8.93 of a 1-2 kHz strike tone, re-struck every 60-250 ms by the
 * clapper, each strike decaying exponentially). Both are periodic and tonal, which sets the class
 * apart from the noisy classes and from the random impacts of Dishes.
 */
import type { Random } from '../../../util/random.js';
import { addDampedSine, applyFades, sampleCount, shapeSegment } from '../dsp.js';
import { fitBursts } from './bursts.js';

const BELL_RATIOS = [1, 2.76, 5.4, 8.93];
const BELL_AMPS = [1, 0.7, 0.45, 0.3];

export function alarmBellEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const out = new Float32Array(sampleCount(durationS, sampleRate));
  if (random.next() < 0.6) beeper(out, random, sampleRate, durationS);
  else bell(out, random, sampleRate);
  return applyFades(out, sampleRate);
}

function beeper(out: Float32Array, random: Random, sampleRate: number, durationS: number): void {
  const frequency = Math.min(random.uniform(1500, 4000), 0.4 * sampleRate);
  const second = random.uniform(0.1, 0.5);
  const alternate = random.next() < 0.3 ? random.uniform(1.15, 1.35) : 1;
  const ramp = Math.round(0.005 * sampleRate);
  const beeps = fitBursts(random, durationS, { unit: [0.1, 0.3], gap: [0.1, 0.3], maxUnits: Infinity, periodic: true });
  beeps.forEach((beep, j) => {
    const start = Math.round(beep.startS * sampleRate);
    const length = Math.min(out.length - start, Math.round(beep.lengthS * sampleRate));
    const f = j % 2 === 1 ? frequency * alternate : frequency;
    addDampedSine(out, sampleRate, f, 1, 1, start, length);
    addDampedSine(out, sampleRate, 2 * f, second, 1, start, length);
    shapeSegment(out, start, length, ramp, ramp);
  });
}

function bell(out: Float32Array, random: Random, sampleRate: number): void {
  const n = out.length;
  const f0 = random.uniform(1000, 2000);
  const tau = random.uniform(0.1, 0.4);
  const period = random.uniform(0.06, 0.25);
  // Strike instants and strengths: the clapper is periodic with a little jitter.
  const strikes = new Float32Array(n);
  for (let t = 0; t < n; t += Math.max(1, Math.round(period * random.uniform(0.9, 1.1) * sampleRate))) {
    strikes[t] = random.uniform(0.7, 1);
  }
  // Each partial rings continuously; its amplitude is the sum of decaying strikes, which a
  // one-pole recursion computes in one pass instead of one damped sine per strike.
  const partial = new Float32Array(n);
  BELL_RATIOS.forEach((ratio, k) => {
    const f = f0 * ratio;
    if (f >= 0.45 * sampleRate) return;
    partial.fill(0);
    addDampedSine(partial, sampleRate, f, BELL_AMPS[k] * random.uniform(0.7, 1.3), 1, 0, n, random.uniform(0, 2 * Math.PI));
    // Higher partials die faster, as in a struck metal bar.
    const decay = Math.exp(-1 / ((sampleRate * tau) / Math.sqrt(ratio)));
    let env = 0;
    for (let i = 0; i < n; ++i) {
      env = env * decay + strikes[i];
      out[i] += env * partial[i];
    }
  });
}
