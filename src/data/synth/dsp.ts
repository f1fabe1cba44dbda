/**
 * The few signal-processing pieces the procedural generators share: biquad filters, noise colours,
 * oscillators, smooth random modulation, fades and the level measure. Everything works in place on
 * Float32Arrays with float64 state, draws randomness only from the Random it is given (so a seed
 * fixes every sample), and avoids per-sample closures: a 10 s clip is ~160k samples per track.
 */
import type { Random } from '../../util/random.js';

const TWO_PI = 2 * Math.PI;

/** Highest frequency a generator may place a component at: a margin below Nyquist. */
export function maxFrequency(sampleRate: number): number {
  return 0.45 * sampleRate;
}

export function sampleCount(durationS: number, sampleRate: number): number {
  return Math.max(1, Math.round(durationS * sampleRate));
}

// ---------------------------------------------------------------------------------------------
// Filters

/**
 * A second-order section (RBJ audio-EQ cookbook), transposed direct form II. The state survives
 * coefficient changes, so a time-varying filter (moving formants) is the same object re-tuned
 * every few samples.
 */
export class Biquad {
  private b0 = 1;
  private b1 = 0;
  private b2 = 0;
  private a1 = 0;
  private a2 = 0;
  private z1 = 0;
  private z2 = 0;

  constructor(private readonly sampleRate: number) {}

  static lowPass(sampleRate: number, frequency: number, q = Math.SQRT1_2): Biquad {
    return new Biquad(sampleRate).setLowPass(frequency, q);
  }

  static highPass(sampleRate: number, frequency: number, q = Math.SQRT1_2): Biquad {
    return new Biquad(sampleRate).setHighPass(frequency, q);
  }

  static bandPass(sampleRate: number, frequency: number, q: number): Biquad {
    return new Biquad(sampleRate).setBandPass(frequency, q);
  }

  setLowPass(frequency: number, q = Math.SQRT1_2): this {
    const { cos, alpha } = this.prewarp(frequency, q);
    return this.set((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
  }

  setHighPass(frequency: number, q = Math.SQRT1_2): this {
    const { cos, alpha } = this.prewarp(frequency, q);
    return this.set((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
  }

  /** Band-pass with 0 dB gain at the centre, so re-tuning it does not change the level. */
  setBandPass(frequency: number, q: number): this {
    const { cos, alpha } = this.prewarp(frequency, q);
    return this.set(alpha, 0, -alpha, 1 + alpha, -2 * cos, 1 - alpha);
  }

  /** Filters x[start, end) in place. */
  process(x: Float32Array, start = 0, end = x.length): void {
    const { b0, b1, b2, a1, a2 } = this;
    let z1 = this.z1;
    let z2 = this.z2;
    for (let i = start; i < end; ++i) {
      const input = x[i];
      const y = b0 * input + z1;
      z1 = b1 * input - a1 * y + z2;
      z2 = b2 * input - a2 * y;
      x[i] = y;
    }
    this.z1 = z1;
    this.z2 = z2;
  }

  private prewarp(frequency: number, q: number): { cos: number; alpha: number } {
    // Clamping keeps a filter stable when a random centre lands beyond Nyquist at low rates.
    const f = Math.min(Math.max(frequency, 1), 0.49 * this.sampleRate);
    const w0 = (TWO_PI * f) / this.sampleRate;
    return { cos: Math.cos(w0), alpha: Math.sin(w0) / (2 * q) };
  }

  private set(b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): this {
    this.b0 = b0 / a0;
    this.b1 = b1 / a0;
    this.b2 = b2 / a0;
    this.a1 = a1 / a0;
    this.a2 = a2 / a0;
    return this;
  }
}

/** Runs x through a chain of filters in place (a 4th-order slope is two 2nd-order sections). */
export function filterChain(x: Float32Array, ...filters: Biquad[]): Float32Array {
  for (const f of filters) f.process(x);
  return x;
}

// ---------------------------------------------------------------------------------------------
// Noise

/** Uniform white noise in [-1, 1): one draw per sample, cheaper than Gaussian and just as white. */
export function whiteNoise(random: Random, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; ++i) out[i] = 2 * random.next() - 1;
  return out;
}

/** Pink (-3 dB/octave) noise: Paul Kellet's refined filter over white noise. */
export function pinkNoise(random: Random, n: number): Float32Array {
  const out = new Float32Array(n);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  for (let i = 0; i < n; ++i) {
    const w = 2 * random.next() - 1;
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362) * 0.2;
    b6 = w * 0.115926;
  }
  return out;
}

/**
 * Brown (-6 dB/octave) noise: white noise through a leaky integrator whose corner (20 Hz) keeps
 * it from drifting into a DC offset over a long clip.
 */
export function brownNoise(random: Random, n: number, sampleRate: number): Float32Array {
  const out = new Float32Array(n);
  const leak = Math.exp((-TWO_PI * 20) / sampleRate);
  const gain = 1 - leak;
  let y = 0;
  for (let i = 0; i < n; ++i) {
    y = leak * y + gain * (2 * random.next() - 1);
    out[i] = y;
  }
  return out;
}

/**
 * Smooth random modulation in [-1, 1]: random control values every 1/rateHz seconds joined by
 * cosine interpolation, so amplitude and pitch wander without clicks.
 */
export function smoothNoise(random: Random, n: number, sampleRate: number, rateHz: number): Float32Array {
  const out = new Float32Array(n);
  const step = Math.max(1, Math.round(sampleRate / rateHz));
  // One table of interpolation weights serves every segment: no cosine per sample.
  const weights = new Float64Array(Math.min(step, n));
  for (let i = 0; i < weights.length; ++i) weights[i] = 0.5 - 0.5 * Math.cos((Math.PI * i) / step);
  let a = 2 * random.next() - 1;
  let b = 2 * random.next() - 1;
  for (let start = 0; start < n; start += step) {
    const end = Math.min(n, start + step);
    for (let i = start; i < end; ++i) out[i] = a + (b - a) * weights[i - start];
    a = b;
    b = 2 * random.next() - 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Oscillators

/**
 * Adds a harmonic tone that follows a per-sample f0 contour: sum_k amps[k-1] sin(k phase). The
 * harmonics come from the Chebyshev recurrence sin((k+1)p) = 2 cos p sin(kp) - sin((k-1)p), so a
 * sample costs two trigonometric calls however many harmonics there are; harmonics above
 * maxFrequency are dropped sample by sample, so a rising contour never aliases.
 */
export function addHarmonics(
  out: Float32Array,
  sampleRate: number,
  f0: Float32Array,
  amps: ArrayLike<number>,
  gain = 1,
  offset = 0,
  startPhase = 0,
): number {
  const limit = maxFrequency(sampleRate);
  const scale = TWO_PI / sampleRate;
  let phase = startPhase;
  const count = amps.length;
  for (let i = 0; i < f0.length; ++i) {
    const f = f0[i];
    phase += scale * f;
    if (phase > TWO_PI) phase -= TWO_PI;
    const kMax = Math.min(count, Math.floor(limit / Math.max(f, 1)));
    if (kMax < 1) continue;
    const s1 = Math.sin(phase);
    const c2 = 2 * Math.cos(phase);
    let prev = 0;
    let cur = s1;
    let acc = amps[0] * s1;
    for (let k = 1; k < kMax; ++k) {
      const next = c2 * cur - prev;
      prev = cur;
      cur = next;
      acc += amps[k] * cur;
    }
    out[offset + i] += gain * acc;
  }
  return phase;
}

/**
 * Adds a fixed-frequency sine with an exponentially decaying amplitude, from a rotating phasor
 * (no trigonometry per sample): the building block of bells, dish impacts and hum.
 * decayPerSample = 1 for a steady tone. Returns nothing; stops at the end of `out`.
 */
export function addDampedSine(
  out: Float32Array,
  sampleRate: number,
  frequency: number,
  amplitude: number,
  decayPerSample: number,
  start: number,
  length: number,
  phase = 0,
): void {
  if (frequency >= maxFrequency(sampleRate) || amplitude === 0) return;
  const w = (TWO_PI * frequency) / sampleRate;
  const cw = Math.cos(w);
  const sw = Math.sin(w);
  let c = Math.cos(phase);
  let s = Math.sin(phase);
  let a = amplitude;
  const end = Math.min(out.length, start + length);
  for (let i = Math.max(0, start); i < end; ++i) {
    out[i] += a * s;
    const nc = c * cw - s * sw;
    s = s * cw + c * sw;
    c = nc;
    a *= decayPerSample;
  }
}

/**
 * Adds a band-limited sawtooth (PolyBLEP) following a per-sample f0 contour. PolyBLEP removes most
 * of the aliasing of a naive ramp for two multiplies per sample; with f0 below a few hundred hertz
 * the remainder is far below the generators' noise.
 */
export function addSawtooth(out: Float32Array, sampleRate: number, f0: Float32Array, gain = 1, offset = 0, startPhase = 0): number {
  let t = startPhase;
  for (let i = 0; i < f0.length; ++i) {
    const dt = Math.min(0.5, f0[i] / sampleRate);
    t += dt;
    if (t >= 1) t -= 1;
    let y = 2 * t - 1;
    if (t < dt) {
      const x = t / dt;
      y -= x + x - x * x - 1;
    } else if (t > 1 - dt) {
      const x = (t - 1) / dt;
      y -= x * x + x + x + 1;
    }
    out[offset + i] += gain * y;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Envelopes and levels

/** Fade length at both ends of every event, as Scaper applies it. */
export const EVENT_FADE_S = 0.01;

/**
 * Quarter-sine fades in and out (pysox's default fade shape, which Scaper applies with 10 ms
 * lengths): they remove the clicks of an event starting or ending mid-waveform.
 */
export function applyFades(x: Float32Array, sampleRate: number, fadeS = EVENT_FADE_S): Float32Array {
  const len = Math.min(Math.floor(x.length / 2), Math.round(fadeS * sampleRate));
  for (let i = 0; i < len; ++i) {
    const g = Math.sin((0.5 * Math.PI * (i + 0.5)) / len);
    x[i] *= g;
    x[x.length - 1 - i] *= g;
  }
  return x;
}

/**
 * Multiplies x[start, start+length) by a raised-cosine attack / flat / raised-cosine release
 * envelope and zeroes nothing outside: for bursts (barks, meows, beeps) inside a longer event.
 */
export function shapeSegment(x: Float32Array, start: number, length: number, attack: number, release: number): void {
  const a = Math.max(1, Math.min(attack, Math.floor(length / 2)));
  const r = Math.max(1, Math.min(release, length - a));
  for (let i = 0; i < length; ++i) {
    const j = start + i;
    if (j < 0 || j >= x.length) continue;
    let g = 1;
    if (i < a) g = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / a);
    else if (i >= length - r) g = 0.5 - 0.5 * Math.cos((Math.PI * (length - i - 0.5)) / r);
    x[j] *= g;
  }
}

export function rms(x: Float32Array, start = 0, end = x.length): number {
  let sum = 0;
  for (let i = start; i < end; ++i) sum += x[i] * x[i];
  return end > start ? Math.sqrt(sum / (end - start)) : 0;
}

/** Block length and relative gate of gatedRms. */
export const LEVEL_BLOCK_S = 0.05;
export const LEVEL_GATE_DB = -10;

/**
 * The level measure for backgrounds and events: RMS over 50 ms blocks, keeping the blocks whose
 * power is within 10 dB below the mean block power (the relative gate of ITU-R BS.1770, without
 * its K-weighting), so the silent gaps between barks, beeps or dish impacts do not count as part
 * of the event's loudness, just as Scaper's LUFS normalization ignores them. For a stationary
 * signal every block passes and this is the plain RMS.
 */
export function gatedRms(x: Float32Array, sampleRate: number, start = 0, end = x.length): number {
  const block = Math.max(1, Math.round(LEVEL_BLOCK_S * sampleRate));
  const blocks = Math.floor((end - start) / block);
  if (blocks < 2) return rms(x, start, end);
  const powers = new Float64Array(blocks);
  let mean = 0;
  for (let b = 0; b < blocks; ++b) {
    let sum = 0;
    const from = start + b * block;
    for (let i = from; i < from + block; ++i) sum += x[i] * x[i];
    powers[b] = sum / block;
    mean += powers[b];
  }
  mean /= blocks;
  const gate = mean * 10 ** (LEVEL_GATE_DB / 10);
  let kept = 0;
  let sum = 0;
  for (let b = 0; b < blocks; ++b) {
    if (powers[b] >= gate) {
      sum += powers[b];
      ++kept;
    }
  }
  return Math.sqrt(sum / kept);
}

/** dBFS of an RMS value, with 1.0 as full scale (a full-scale sine reads -3.01 dBFS). */
export function toDb(value: number): number {
  return 20 * Math.log10(Math.max(value, 1e-12));
}

export function fromDb(db: number): number {
  return 10 ** (db / 20);
}

/** Scales x in place so gatedRms(x) equals targetRms; silent input stays silent. */
export function normalizeTo(x: Float32Array, sampleRate: number, targetRms: number): Float32Array {
  const level = gatedRms(x, sampleRate);
  if (level <= 0) return x;
  const g = targetRms / level;
  for (let i = 0; i < x.length; ++i) x[i] *= g;
  return x;
}

/** Adds b * gain into a (same length or shorter, at offset). */
export function mixInto(a: Float32Array, b: Float32Array, gain = 1, offset = 0): void {
  const end = Math.min(b.length, a.length - offset);
  for (let i = 0; i < end; ++i) a[offset + i] += gain * b[i];
}

// ---------------------------------------------------------------------------------------------
// Random draws shared by the generators and the planner

/** A draw from N(mean, sd) restricted to [lo, hi] by rejection (clamped after 1000 misses). */
export function truncatedNormal(random: Random, mean: number, sd: number, lo: number, hi: number): number {
  for (let tries = 0; tries < 1000; ++tries) {
    const x = mean + sd * random.normal();
    if (x >= lo && x <= hi) return x;
  }
  return Math.min(hi, Math.max(lo, mean));
}

/** Exponential inter-arrival time of a Poisson process with the given rate. */
export function exponential(random: Random, rate: number): number {
  return -Math.log(1 - random.next()) / rate;
}

/** Picks one element uniformly. */
export function choose<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)];
}
