import { describe, expect, it } from 'vitest';
import { encodeWav, parseWav } from '../src/data/audio/wav.js';
import { failure } from './helpers.js';

/** A raw chunk: four-character id and body; an odd body length gets its pad byte. */
interface Chunk {
  id: string;
  body: Uint8Array;
  /** Size field to write instead of body.length (for placeholders and lies). */
  declaredSize?: number;
}

function chunkBytes(chunks: Chunk[]): Uint8Array {
  const parts: number[] = [];
  for (const chunk of chunks) {
    for (const c of chunk.id) parts.push(c.charCodeAt(0));
    const size = chunk.declaredSize ?? chunk.body.length;
    parts.push(size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff, (size >>> 24) & 0xff);
    parts.push(...chunk.body);
    if (chunk.body.length % 2 === 1) parts.push(0);
  }
  return Uint8Array.from(parts);
}

function riff(chunks: Chunk[]): Uint8Array {
  const body = chunkBytes(chunks);
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0);
  view.setUint32(4, 4 + body.length, true);
  out.set([0x57, 0x41, 0x56, 0x45], 8);
  out.set(body, 12);
  return out;
}

interface FmtOptions {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
  extensible?: { validBits: number; subformat: number; guidTail?: number[] };
}

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fmtChunk(o: FmtOptions): Chunk {
  const size = o.extensible ? 40 : 16;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  const blockAlign = (o.channels * o.bits) / 8;
  view.setUint16(0, o.extensible ? 0xfffe : o.tag, true);
  view.setUint16(2, o.channels, true);
  view.setUint32(4, o.rate, true);
  view.setUint32(8, o.rate * blockAlign, true);
  view.setUint16(12, blockAlign, true);
  view.setUint16(14, o.bits, true);
  if (o.extensible) {
    view.setUint16(16, 22, true);
    view.setUint16(18, o.extensible.validBits, true);
    view.setUint32(20, o.channels === 2 ? 3 : 4, true);
    view.setUint16(24, o.extensible.subformat, true);
    body.set(o.extensible.guidTail ?? GUID_TAIL, 26);
  }
  return { id: 'fmt ', body };
}

/** Interleaves per-channel sample values written by `write` at `bytes` per sample. */
function dataChunk(channels: number[][], bytes: number, write: (view: DataView, offset: number, value: number) => void): Chunk {
  const frames = channels[0].length;
  const body = new Uint8Array(frames * channels.length * bytes);
  const view = new DataView(body.buffer);
  for (let f = 0; f < frames; ++f) for (let c = 0; c < channels.length; ++c) write(view, (f * channels.length + c) * bytes, channels[c][f]);
  return { id: 'data', body };
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

function expectSamples(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i]).toBeCloseTo(value, 7));
}

describe('parseWav: sample formats', () => {
  it('reads unsigned 8-bit PCM (128 is silence)', () => {
    const bytes = riff([
      fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 8 }),
      dataChunk([[0, 64, 128, 192, 255]], 1, (v, o, x) => v.setUint8(o, x)),
    ]);
    const audio = parseWav(bytes, 'u8.wav');
    expect(audio.format).toBe('wav pcm8');
    expect(audio.sampleRate).toBe(8000);
    expectSamples(audio.channels[0], [-1, -0.5, 0, 0.5, 127 / 128]);
  });

  it('reads 16-bit PCM', () => {
    const bytes = riff([
      fmtChunk({ tag: 1, channels: 1, rate: 16000, bits: 16 }),
      dataChunk([[-32768, -16384, 0, 1, 32767]], 2, (v, o, x) => v.setInt16(o, x, true)),
    ]);
    const audio = parseWav(bytes, 's16.wav');
    expect(audio.format).toBe('wav pcm16');
    expectSamples(audio.channels[0], [-1, -0.5, 0, 1 / 32768, 32767 / 32768]);
  });

  it('reads 24-bit PCM with its sign in the third byte', () => {
    const values = [-8388608, -4194304, -1, 0, 1, 4194304, 8388607];
    const write = (v: DataView, o: number, x: number): void => {
      const u = x < 0 ? x + 0x1000000 : x;
      v.setUint8(o, u & 0xff);
      v.setUint8(o + 1, (u >> 8) & 0xff);
      v.setUint8(o + 2, (u >> 16) & 0xff);
    };
    const audio = parseWav(riff([fmtChunk({ tag: 1, channels: 1, rate: 44100, bits: 24 }), dataChunk([values], 3, write)]), 's24.wav');
    expect(audio.format).toBe('wav pcm24');
    expectSamples(
      audio.channels[0],
      values.map((x) => x / 8388608),
    );
  });

  it('reads 32-bit PCM', () => {
    const values = [-2147483648, -1073741824, 0, 1073741824, 2147483647];
    const audio = parseWav(
      riff([fmtChunk({ tag: 1, channels: 1, rate: 48000, bits: 32 }), dataChunk([values], 4, (v, o, x) => v.setInt32(o, x, true))]),
      's32.wav',
    );
    expect(audio.format).toBe('wav pcm32');
    expectSamples(
      audio.channels[0],
      values.map((x) => x / 2147483648),
    );
  });

  it('reads IEEE float 32 and 64 exactly, including values beyond [-1, 1]', () => {
    const values = [-1.5, -1, -0.123456, 0, 0.75, 1, 2];
    const f32 = parseWav(
      riff([fmtChunk({ tag: 3, channels: 1, rate: 22050, bits: 32 }), dataChunk([values], 4, (v, o, x) => v.setFloat32(o, x, true))]),
      'f32.wav',
    );
    expect(f32.format).toBe('wav float32');
    expect(Array.from(f32.channels[0])).toEqual(Array.from(Float32Array.from(values)));
    const f64 = parseWav(
      riff([fmtChunk({ tag: 3, channels: 1, rate: 22050, bits: 64 }), dataChunk([values], 8, (v, o, x) => v.setFloat64(o, x, true))]),
      'f64.wav',
    );
    expect(f64.format).toBe('wav float64');
    expect(Array.from(f64.channels[0])).toEqual(Array.from(Float32Array.from(values)));
  });

  it('splits interleaved stereo into channels', () => {
    const left = [100, 200, 300];
    const right = [-100, -200, -300];
    const audio = parseWav(
      riff([fmtChunk({ tag: 1, channels: 2, rate: 8000, bits: 16 }), dataChunk([left, right], 2, (v, o, x) => v.setInt16(o, x, true))]),
      'stereo.wav',
    );
    expect(audio.channels.length).toBe(2);
    expectSamples(
      audio.channels[0],
      left.map((x) => x / 32768),
    );
    expectSamples(
      audio.channels[1],
      right.map((x) => x / 32768),
    );
  });
});

describe('parseWav: WAVE_FORMAT_EXTENSIBLE', () => {
  it('reads the PCM sub-format (20 valid bits in a 24-bit container, left-justified)', () => {
    const values = [-8388608, 1048576, 0, 8388592];
    const write = (v: DataView, o: number, x: number): void => {
      const u = x < 0 ? x + 0x1000000 : x;
      v.setUint8(o, u & 0xff);
      v.setUint8(o + 1, (u >> 8) & 0xff);
      v.setUint8(o + 2, (u >> 16) & 0xff);
    };
    const fmt = fmtChunk({ tag: 1, channels: 2, rate: 96000, bits: 24, extensible: { validBits: 20, subformat: 1 } });
    const audio = parseWav(riff([fmt, dataChunk([values, values], 3, write)]), 'ext24.wav');
    expect(audio.format).toBe('wav pcm24');
    expect(audio.sampleRate).toBe(96000);
    expectSamples(
      audio.channels[1],
      values.map((x) => x / 8388608),
    );
  });

  it('reads the float sub-format behind a fact chunk, at an offset that is not 4-byte aligned', () => {
    const values = [0.5, -0.25, 0.125];
    const fmt = fmtChunk({ tag: 3, channels: 1, rate: 44100, bits: 32, extensible: { validBits: 32, subformat: 3 } });
    // fmt (40) + fact (4) puts the data body at byte 12 + 48 + 12 + 8 = 80: aligned. A 1-byte
    // chunk plus its pad keeps alignment too, so the whole file is placed at an odd byte offset.
    const file = riff([
      fmt,
      { id: 'fact', body: new Uint8Array([3, 0, 0, 0]) },
      dataChunk([values], 4, (v, o, x) => v.setFloat32(o, x, true)),
    ]);
    const holder = new Uint8Array(file.length + 1);
    holder.set(file, 1);
    const audio = parseWav(holder.subarray(1), 'extf32.wav');
    expect(audio.format).toBe('wav float32');
    expect(Array.from(audio.channels[0])).toEqual(values);
  });

  it('rejects a sub-format GUID that is not a WAVE format', async () => {
    const fmt = fmtChunk({
      tag: 1,
      channels: 1,
      rate: 8000,
      bits: 16,
      extensible: { validBits: 16, subformat: 1, guidTail: GUID_TAIL.map((b, i) => (i === 13 ? 0 : b)) },
    });
    const error = await failure(() => parseWav(riff([fmt, dataChunk([[0]], 2, (v, o, x) => v.setInt16(o, x, true))]), 'odd-guid.wav'));
    expect(error.code).toBe('E_AUDIO');
    expect(error.message).toContain('odd-guid.wav');
    expect(error.message).toContain('GUID');
  });
});

describe('parseWav: chunk walking', () => {
  it('skips unknown chunks and the pad byte after an odd-sized chunk', () => {
    const values = [1000, -1000, 2000];
    const bytes = riff([
      { id: 'JUNK', body: new Uint8Array(7) },
      fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }),
      { id: 'LIST', body: ascii('INFOISFT\x05\x00\x00\x00sox!\x00') },
      { id: 'odd ', body: new Uint8Array([1, 2, 3]) },
      dataChunk([values], 2, (v, o, x) => v.setInt16(o, x, true)),
      { id: 'id3 ', body: new Uint8Array(5) },
    ]);
    const audio = parseWav(bytes, 'chunks.wav');
    expectSamples(
      audio.channels[0],
      values.map((x) => x / 32768),
    );
  });

  it('reads a float data chunk that starts at an unaligned offset (fmt 18 bytes + fact)', () => {
    const fmt = fmtChunk({ tag: 3, channels: 1, rate: 8000, bits: 32 });
    const fmt18: Chunk = { id: 'fmt ', body: Uint8Array.from([...fmt.body, 0, 0]) };
    const values = [0.1, 0.2, -0.3];
    const bytes = riff([
      fmt18,
      { id: 'fact', body: new Uint8Array([3, 0, 0, 0]) },
      dataChunk([values], 4, (v, o, x) => v.setFloat32(o, x, true)),
    ]);
    // data body at 12 + 26 + 12 + 8 = 58: not a multiple of 4, where Float32Array views fail.
    expect(58 % 4).not.toBe(0);
    expect(Array.from(parseWav(bytes, 'fact.wav').channels[0])).toEqual(Array.from(Float32Array.from(values)));
  });

  it('reads to the end of the file when the data size is the streaming placeholder 0xFFFFFFFF', () => {
    const data = dataChunk([[1, 2, 3, 4]], 2, (v, o, x) => v.setInt16(o, x, true));
    const bytes = riff([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }), { ...data, declaredSize: 0xffffffff }]);
    expect(parseWav(bytes, 'stream.wav').channels[0].length).toBe(4);
  });

  it('ignores a trailing partial frame', () => {
    const data: Chunk = { id: 'data', body: Uint8Array.from([0, 0, 0, 64, 7]) };
    const audio = parseWav(riff([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }), data]), 'partial.wav');
    expectSamples(audio.channels[0], [0, 0.5]);
  });
});

describe('parseWav: errors name the file and say what is wrong', () => {
  const good = riff([
    fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }),
    dataChunk([[1, 2, 3, 4, 5, 6, 7, 8]], 2, (v, o, x) => v.setInt16(o, x, true)),
  ]);
  const cases: Array<[string, Uint8Array, string]> = [
    ['empty', new Uint8Array(0), 'empty'],
    ['short', ascii('RIFF'), 'too short'],
    ['not RIFF', ascii('hello, this is a text file'), 'not a RIFF/WAVE file'],
    ['truncated data', good.subarray(0, good.length - 5), "truncated: 'data' chunk declares 16 bytes, 11 remain"],
    ['no data chunk', riff([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 })]), "no 'data' chunk"],
    ['no fmt chunk', riff([dataChunk([[1]], 2, (v, o, x) => v.setInt16(o, x, true))]), "a 'data' chunk but no 'fmt ' chunk"],
    ['truncated fmt', good.subarray(0, 30), "truncated: 'fmt ' chunk"],
    [
      'ADPCM',
      riff([fmtChunk({ tag: 2, channels: 1, rate: 8000, bits: 4 }), { id: 'data', body: new Uint8Array(4) }]),
      'unsupported WAV format tag 0x0002',
    ],
    [
      '12-bit PCM',
      riff([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 12 }), { id: 'data', body: new Uint8Array(4) }]),
      '12-bit PCM WAV is not supported',
    ],
    ['mu-law', riff([fmtChunk({ tag: 7, channels: 1, rate: 8000, bits: 8 }), { id: 'data', body: new Uint8Array(4) }]), 'mu-law'],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, async () => {
      const error = await failure(() => parseWav(bytes, `/data/${what}.wav`));
      expect(error.code).toBe('E_AUDIO');
      expect(error.message).toContain(`/data/${what}.wav: `);
      expect(error.message).toContain(message);
    });
  }
});

describe('encodeWav', () => {
  it('writes a canonical 44-byte-header 16-bit file that parseWav reads back', () => {
    const left = Float32Array.from([0, 0.5, -0.5, 0.25]);
    const right = Float32Array.from([0.1, -0.1, 0.9, -0.9]);
    const bytes = encodeWav([left, right], 22050, 'pcm16');
    expect(bytes.length).toBe(44 + 4 * 2 * 2);
    const view = new DataView(bytes.buffer);
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint32(28, true)).toBe(22050 * 4);
    const audio = parseWav(bytes, 'x.wav');
    expect(audio.sampleRate).toBe(22050);
    for (let i = 0; i < 4; ++i) {
      expect(Math.abs(audio.channels[0][i] - left[i])).toBeLessThanOrEqual(0.5 / 32768);
      expect(Math.abs(audio.channels[1][i] - right[i])).toBeLessThanOrEqual(0.5 / 32768);
    }
  });

  it('clips to [-1, 1], rounds to nearest, and writes NaN as silence', () => {
    const x = Float32Array.from([2, -3, 1, -1, 1.4 / 32768, 1.6 / 32768, -1.6 / 32768, Number.NaN]);
    const bytes = encodeWav([x], 8000, 'pcm16');
    const view = new DataView(bytes.buffer, 44);
    const ints = Array.from({ length: x.length }, (_, i) => view.getInt16(i * 2, true));
    expect(ints).toEqual([32767, -32768, 32767, -32768, 1, 2, -2, 0]);
  });

  it('re-encodes decoded 16-bit audio to identical bytes', () => {
    const first = encodeWav([Float32Array.from({ length: 100 }, (_, i) => Math.sin(i / 3) * 0.8)], 16000, 'pcm16');
    expect(encodeWav(parseWav(first, 'a.wav').channels, 16000, 'pcm16')).toEqual(first);
  });

  it('writes float32 with a fact chunk, exactly', () => {
    const x = Float32Array.from([0.123, -1.5, 3, 0]);
    const bytes = encodeWav([x, x], 48000, 'float32');
    expect(String.fromCharCode(...bytes.subarray(38, 42))).toBe('fact');
    const audio = parseWav(bytes, 'f.wav');
    expect(audio.format).toBe('wav float32');
    expect(Array.from(audio.channels[1])).toEqual(Array.from(x));
  });

  it('rejects channels of different lengths, no channels and a bad sample rate', async () => {
    expect((await failure(() => encodeWav([new Float32Array(3), new Float32Array(2)], 8000, 'pcm16'))).message).toContain(
      'channel 1 has 2 samples, channel 0 has 3',
    );
    expect((await failure(() => encodeWav([], 8000, 'pcm16'))).code).toBe('E_VALUE');
    expect((await failure(() => encodeWav([new Float32Array(1)], 44100.5, 'float32'))).message).toContain('sample rate');
  });
});
