/**
 * The background of a soundscape: pink noise with a share of brown rumble (a room's tilt), mains
 * hum (50 or 60 Hz and 4 harmonics, 8-18 dB below the noise), and a faint texture (band-passed
 * noise at 0.2-2 kHz swelling slowly, 12-20 dB below the noise), normalized to the reference level.
 * Its energy leans to low frequencies, so events at 6 dB SNR stand out in their own bands, as in
 * DESED's recorded ambiences.
 */
import type { Random } from '../../util/random.js';
import { addDampedSine, Biquad, brownNoise, choose, fromDb, mixInto, normalizeTo, pinkNoise, rms, smoothNoise, whiteNoise } from './dsp.js';

const HUM_AMPS = [1, 0.5, 0.35, 0.2, 0.1];

/** n samples of background whose gated RMS is levelDb dBFS. */
export function backgroundTrack(random: Random, sampleRate: number, n: number, levelDb: number): Float32Array {
  const out = pinkNoise(random, n);
  const noiseRms = rms(out);
  const brown = normalizeTo(brownNoise(random, n, sampleRate), sampleRate, noiseRms);
  mixInto(out, brown, random.uniform(0.3, 0.8));

  const mains = choose(random, [50, 60]);
  const hum = new Float32Array(n);
  HUM_AMPS.forEach((amp, k) =>
    addDampedSine(hum, sampleRate, mains * (k + 1), amp * random.uniform(0.5, 1), 1, 0, n, random.uniform(0, 2 * Math.PI)),
  );
  mixInto(out, hum, (noiseRms * fromDb(random.uniform(-18, -8))) / Math.max(rms(hum), 1e-12));

  const texture = whiteNoise(random, n);
  Biquad.bandPass(sampleRate, random.uniform(200, 2000), 1).process(texture);
  const swell = smoothNoise(random, n, sampleRate, random.uniform(0.05, 0.3));
  for (let i = 0; i < n; ++i) texture[i] *= 0.5 + 0.5 * swell[i];
  mixInto(out, texture, (noiseRms * fromDb(random.uniform(-20, -12))) / Math.max(rms(texture), 1e-12));

  return normalizeTo(out, sampleRate, fromDb(levelDb));
}
