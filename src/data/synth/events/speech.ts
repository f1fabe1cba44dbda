/**
 * Speech: a 0.5-3 s phrase. A glottal source (band-limited sawtooth, f0 90-250 Hz with a falling
 * declination, a stress bump per syllable and slow jitter) drives three parallel formant
 * resonators whose frequencies glide between vowel targets (a, e, i, o, u; scaled up 10-20% for
 * higher voices), under a syllabic envelope (3-6 syllables per second, words of 1-3 syllables,
 * 30% of word boundaries a 80-250 ms pause). 40% of syllables start with a fricative (noise
 * high-passed at 3-5 kHz, 30-80 ms). Harmonics with moving formants and a 3-6 Hz rhythm: the
 * texture no other class has.
 */
import type { Random } from '../../../util/random.js';
import { addSawtooth, applyFades, Biquad, choose, filterChain, rms, sampleCount, smoothNoise } from '../dsp.js';

/** Formant targets (Hz) of five vowels: Peterson and Barney averages for an adult male voice. */
const VOWELS: readonly (readonly [number, number, number])[] = [
  [730, 1090, 2440], // a
  [530, 1840, 2480], // e
  [270, 2290, 3010], // i
  [570, 840, 2410], // o
  [300, 870, 2240], // u
];
const BANDWIDTHS = [90, 110, 150];
const FORMANT_GAINS = [1, 0.6, 0.3];
const BLOCK = 32;

interface Syllable {
  startS: number;
  lengthS: number;
  vowel: readonly [number, number, number];
  stress: number;
  /** A syllable that closes a word before a pause lets the envelope fall to silence. */
  beforePause: boolean;
  fricativeS: number;
}

export function speechEvent(random: Random, sampleRate: number, durationS: number): Float32Array {
  const n = sampleCount(durationS, sampleRate);
  const f0Base = random.uniform(90, 250);
  const formantScale = f0Base > 165 ? random.uniform(1.1, 1.2) : random.uniform(0.95, 1.05);
  const syllables = layoutSyllables(random, durationS);

  // Pitch: declination over the phrase, a bump on stressed syllables, slow jitter.
  const jitter = smoothNoise(random, n, sampleRate, 8);
  const f0 = new Float32Array(n);
  for (let i = 0; i < n; ++i) f0[i] = f0Base * (1.1 - (0.2 * i) / n) * (1 + 0.01 * jitter[i]);
  for (const s of syllables) {
    const start = Math.round(s.startS * sampleRate);
    const length = Math.round(s.lengthS * sampleRate);
    for (let i = 0; i < length && start + i < n; ++i) f0[start + i] *= 1 + s.stress * Math.sin((Math.PI * i) / length);
  }
  const source = new Float32Array(n);
  addSawtooth(source, sampleRate, f0);

  // Formants glide to each syllable's vowel over its first 30%, re-tuned every BLOCK samples.
  const voiced = new Float32Array(n);
  const scratch = new Float32Array(BLOCK);
  const filters = BANDWIDTHS.map(() => new Biquad(sampleRate));
  let previous = syllables[0].vowel;
  let index = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const t = b / sampleRate;
    while (index + 1 < syllables.length && syllables[index + 1].startS <= t) {
      previous = syllables[index].vowel;
      ++index;
    }
    const s = syllables[index];
    const u = Math.min(1, Math.max(0, (t - s.startS) / (0.3 * s.lengthS)));
    const glide = u * u * (3 - 2 * u);
    const end = Math.min(n, b + BLOCK);
    for (let k = 0; k < 3; ++k) {
      const f = formantScale * (previous[k] + (s.vowel[k] - previous[k]) * glide);
      filters[k].setBandPass(f, f / BANDWIDTHS[k]);
      for (let i = b; i < end; ++i) scratch[i - b] = source[i];
      filters[k].process(scratch, 0, end - b);
      for (let i = b; i < end; ++i) voiced[i] += FORMANT_GAINS[k] * scratch[i - b];
    }
  }

  // Syllabic envelope: a floor inside words keeps voicing continuous; pauses fall to silence.
  const envelope = new Float32Array(n);
  for (const s of syllables) {
    const start = Math.round(s.startS * sampleRate);
    const length = Math.round(s.lengthS * sampleRate);
    for (let i = 0; i < length && start + i < n; ++i) {
      const u = i / length;
      const rise = u < 0.25 ? Math.sin((0.5 * Math.PI * u) / 0.25) : 1;
      const fall = u > 0.65 ? Math.sin((0.5 * Math.PI * (1 - u)) / 0.35) : 1;
      const floor = s.beforePause ? 0 : 0.15;
      envelope[start + i] = Math.max(floor, rise * fall) * (0.8 + (0.4 * s.stress) / 0.15);
    }
  }
  for (let i = 0; i < n; ++i) voiced[i] *= envelope[i];

  // Fricatives: noise bursts at syllable onsets, high-passed as one track.
  const fricatives = new Float32Array(n);
  let any = false;
  for (const s of syllables) {
    if (s.fricativeS <= 0) continue;
    any = true;
    const start = Math.round(s.startS * sampleRate);
    const length = Math.min(n - start, Math.round(s.fricativeS * sampleRate));
    for (let i = 0; i < length; ++i) fricatives[start + i] = (2 * random.next() - 1) * Math.sin((Math.PI * i) / length);
  }
  if (any) {
    const cut = random.uniform(3000, 5000);
    filterChain(fricatives, Biquad.highPass(sampleRate, cut), Biquad.highPass(sampleRate, cut));
    const gain = (random.uniform(0.1, 0.3) * rms(voiced)) / Math.max(rms(fricatives), 1e-12);
    for (let i = 0; i < n; ++i) voiced[i] += gain * fricatives[i];
  }
  return applyFades(voiced, sampleRate);
}

/** Words of 1-3 syllables at 3-6 syllables a second, stretched to fill the phrase exactly. */
function layoutSyllables(random: Random, durationS: number): Syllable[] {
  const rate = random.uniform(3, 6);
  const out: Syllable[] = [];
  let t = 0;
  while (t < durationS) {
    const count = random.int(1, 3);
    for (let k = 0; k < count; ++k) {
      const lengthS = random.uniform(0.7, 1.3) / rate;
      out.push({
        startS: t,
        lengthS,
        vowel: choose(random, VOWELS),
        stress: random.uniform(0, 0.15),
        beforePause: false,
        fricativeS: random.next() < 0.4 ? random.uniform(0.03, 0.08) : 0,
      });
      t += lengthS;
    }
    if (random.next() < 0.3) {
      out[out.length - 1].beforePause = true;
      t += random.uniform(0.08, 0.25);
    }
  }
  // The phrase ends with its last syllable, so drop a trailing pause before stretching.
  const last = out[out.length - 1];
  last.beforePause = true;
  const scale = durationS / (last.startS + last.lengthS);
  for (const s of out) {
    s.startS *= scale;
    s.lengthS *= scale;
  }
  return out;
}
