/**
 * Dishes: sparse Poisson impacts (2-8 per second, the first at the event onset and the last 0.1 s
 * before its end). An impact is 3-6 inharmonic partials between 2 kHz and min(8 kHz, 0.45 fs), each
 * decaying with a 10-80 ms time constant, plus a 1-3 ms high-passed noise click.
 */
import type { Random } from '../../../util/random.js';
import { addDampedSine, applyFades, exponential, maxFrequency, sampleCount } from '../dsp.js';

export function dishesEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const n = sampleCount(durationS, sampleRate);
  const out = new Float32Array(n);
  const rate = random.uniform(2, 8);
  const lastAt = Math.max(0, durationS - 0.1);
  // The first impact lands just after the 10 ms fade-in, so the fade does not swallow its click.
  const first = Math.min(0.01, lastAt);
  const times = [first];
  for (let t = first + exponential(random, rate); t < lastAt; t += exponential(random, rate)) times.push(t);
  // Stretch the impact times so the last sounds just before the event's offset: the label then
  // ends where the sound does.
  if (lastAt - first > 0.15) {
    if (times.length === 1) times.push(lastAt);
    const scale = (lastAt - first) / (times[times.length - 1] - first);
    for (let i = 1; i < times.length; ++i) times[i] = first + (times[i] - first) * scale;
  }
  const top = Math.min(8000, maxFrequency(sampleRate));
  for (const t of times) {
    const start = Math.round(t * sampleRate);
    const amplitude = random.uniform(0.3, 1);
    const tau = random.uniform(0.01, 0.08);
    const partials = random.int(3, 6);
    for (let p = 0; p < partials; ++p) {
      const tauP = tau * random.uniform(0.6, 1.4);
      const length = Math.round(5 * tauP * sampleRate);
      addDampedSine(
        out,
        sampleRate,
        random.uniform(2000, top),
        amplitude * random.uniform(0.3, 1),
        Math.exp(-1 / (tauP * sampleRate)),
        start,
        length,
        random.uniform(0, 2 * Math.PI),
      );
    }
    // The click: differenced noise is a cheap high-pass that keeps the contact transient crisp.
    const click = Math.round(random.uniform(0.001, 0.003) * sampleRate);
    const clickAmp = amplitude * random.uniform(0.5, 1);
    let prev = 0;
    for (let i = 0; i < click && start + i < n; ++i) {
      const w = 2 * random.next() - 1;
      out[start + i] += clickAmp * (w - prev) * (1 - i / click);
      prev = w;
    }
  }
  return applyFades(out, sampleRate);
}
