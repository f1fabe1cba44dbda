/**
 * A windowed-sinc polyphase resampler for building datasets at one sample rate. Training does
 * not use this: the native front end resamples (libsoxr or its own). It exists so a dataset
 * builder can mix recordings made at 48 kHz with ones at 44.1 kHz without linear interpolation,
 * whose aliasing and high-frequency droop would make the recording rate audible in the clips.
 *
 * Design: the ratio is reduced to L/M (48000 → 44100 is 147/160), and one set of taps is
 * precomputed for each of the L fractional phases, so every output sample costs 2·halfWidth
 * multiply-adds. The kernel is a Kaiser-windowed sinc (β = 8.6, about 87 dB stop-band
 * attenuation): the pass band runs to 0.90 of the lower Nyquist frequency and the stop band
 * starts at that Nyquist frequency, so nothing the new rate cannot hold folds back above
 * -87 dB. The tap count follows from Kaiser's formula for that transition width (about 120
 * taps for 48 → 44.1 kHz). Each phase's taps are normalised to sum to 1 so DC passes unchanged.
 */
import { SedjouleError } from '../../errors.js';

const KAISER_BETA = 8.6;
/** Stop-band attenuation in dB that β = 8.6 gives (Kaiser: β = 0.1102 (A - 8.7)). */
const ATTENUATION_DB = KAISER_BETA / 0.1102 + 8.7;
/** Pass-band edge as a fraction of the lower Nyquist frequency; the stop band starts at 1. */
const PASS_EDGE = 0.9;
/** Above this many phases the tap table would be large; no common audio rate pair needs it. */
const MAX_PHASES = 4096;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; ++k) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Resamples one channel from `fromRate` to `toRate` (positive integer rates). */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  for (const [name, rate] of [
    ['source', fromRate],
    ['target', toRate],
  ] as const) {
    if (!Number.isInteger(rate) || rate <= 0) throw new SedjouleError('E_VALUE', `resample: ${name} rate must be a positive integer, got ${rate}`);
  }
  if (fromRate === toRate) return input.slice();
  const g = gcd(fromRate, toRate);
  const up = toRate / g; // L: phases
  const down = fromRate / g; // M: input step per L outputs
  if (up > MAX_PHASES) throw new SedjouleError('E_VALUE', `resample: ${fromRate} → ${toRate} Hz reduces to ${up}/${down}, more than ${MAX_PHASES} phases`);

  // Frequencies as fractions of the input rate: the lower Nyquist frequency, the transition
  // band below it, and the cut-off (relative to the input Nyquist) in the transition's middle.
  const nyquist = 0.5 * Math.min(1, toRate / fromRate);
  const transition = (1 - PASS_EDGE) * nyquist;
  const cutoff = 2 * (nyquist - transition / 2);
  // Kaiser's estimate of the filter length for this attenuation and transition width.
  const length = (ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * transition);
  const halfWidth = Math.ceil(length / 2);
  const taps = 2 * halfWidth;
  const table = new Float32Array(up * taps);
  const i0Beta = besselI0(KAISER_BETA);
  for (let phase = 0; phase < up; ++phase) {
    const frac = phase / up;
    let sum = 0;
    for (let j = 0; j < taps; ++j) {
      // Tap j multiplies input sample (i - halfWidth + 1 + j); its distance from the output
      // instant, which lies `frac` past input sample i, is u input samples.
      const u = halfWidth - 1 - j + frac;
      const x = cutoff * u;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = u / halfWidth;
      const window = Math.abs(r) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
      const h = cutoff * sinc * window;
      table[phase * taps + j] = h;
      sum += h;
    }
    for (let j = 0; j < taps; ++j) table[phase * taps + j] /= sum;
  }

  const outputLength = Math.floor((input.length * up) / down);
  const output = new Float32Array(outputLength);
  for (let n = 0; n < outputLength; ++n) {
    const position = n * down;
    const i = Math.floor(position / up);
    const phase = position - i * up;
    const first = i - halfWidth + 1;
    const row = phase * taps;
    let acc = 0;
    // Samples outside the input are zeros; clamping the tap range skips them.
    const jStart = Math.max(0, -first);
    const jEnd = Math.min(taps, input.length - first);
    for (let j = jStart; j < jEnd; ++j) acc += table[row + j] * input[first + j];
    output[n] = acc;
  }
  return output;
}
