import { describe, expect, it } from 'vitest';
import { resample } from '../src/data/audio/resample.js';
import { failure } from './helpers.js';

const tone = (frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));

/** RMS away from the edges, where the filter sees the zeros outside the signal. */
function innerRms(x: Float32Array): number {
  const inner = x.subarray(Math.floor(x.length * 0.1), Math.floor(x.length * 0.9));
  let s = 0;
  for (const v of inner) s += v * v;
  return Math.sqrt(s / inner.length);
}

describe('resample (windowed-sinc polyphase)', () => {
  it('48 kHz to 44.1 kHz keeps a 1 kHz tone: length, level and phase', () => {
    const out = resample(tone(1000, 48000, 0.5), 48000, 44100);
    expect(out.length).toBe(22050);
    const expected = tone(1000, 44100, 0.5);
    let worst = 0;
    for (let i = 1000; i < out.length - 1000; ++i) worst = Math.max(worst, Math.abs(out[i] - expected[i]));
    expect(worst).toBeLessThan(1e-3);
  });

  it('removes what the new rate cannot hold: a 23 kHz tone drops by more than 80 dB', () => {
    const out = resample(tone(23000, 48000, 0.5), 48000, 44100);
    expect(20 * Math.log10(innerRms(out) / innerRms(tone(23000, 48000, 0.5)))).toBeLessThan(-80);
  });

  it('keeps a tone near the top of the pass band (18 kHz) within 0.1 dB', () => {
    const out = resample(tone(18000, 48000, 0.5), 48000, 44100);
    expect(Math.abs(20 * Math.log10(innerRms(out) / (0.5 / Math.SQRT2)))).toBeLessThan(0.1);
  });

  it('upsamples 22.05 kHz to 44.1 kHz without images, and passes DC unchanged', () => {
    const out = resample(tone(3000, 22050, 0.5), 22050, 44100);
    expect(out.length).toBe(22050);
    const expected = tone(3000, 44100, 0.5);
    let worst = 0;
    for (let i = 1000; i < out.length - 1000; ++i) worst = Math.max(worst, Math.abs(out[i] - expected[i]));
    expect(worst).toBeLessThan(1e-3);
    const dc = resample(new Float32Array(4800).fill(0.25), 48000, 16000);
    expect(dc[800]).toBeCloseTo(0.25, 6);
  });

  it('returns a copy at equal rates and rejects bad rates', async () => {
    const x = Float32Array.from([1, 2, 3]);
    const y = resample(x, 8000, 8000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect((await failure(() => resample(x, 0, 8000))).code).toBe('E_VALUE');
    expect((await failure(() => resample(x, 44100, 44100.5))).message).toContain('target rate must be a positive integer');
  });
});
