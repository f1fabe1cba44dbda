import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, decodeAudioFile, detectContainer, toMono, type DecodedAudio } from '../src/data/audio/decode.js';
import { oggPageCrc } from '../src/data/audio/crc.js';
import { encodeWav } from '../src/data/audio/wav.js';
import { aiff } from './audio-files.js';
import { failure } from './helpers.js';

// The fixtures (test/fixtures/audio/README.md) hold 0.25 s at 16 kHz: left 440 Hz at 0.5, right
// 1000 Hz at 0.25, made from a 16-bit reference with samples floor(x * 32768 + 0.5).
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'audio');
const RATE = 16000;
const FRAMES = 4000;
const reference = (frequency: number, amplitude: number): Float32Array =>
  Float32Array.from(
    { length: FRAMES },
    (_, i) => Math.floor(amplitude * Math.sin((2 * Math.PI * frequency * i) / RATE) * 32768 + 0.5) / 32768,
  );
const LEFT = reference(440, 0.5);
const RIGHT = reference(1000, 0.25);

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

function zeroCrossings(x: Float32Array): number {
  let n = 0;
  for (let i = 1; i < x.length; ++i) if (x[i - 1] < 0 !== x[i] < 0) ++n;
  return n;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; ++i) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const fixture = (name: string): Promise<Uint8Array> => readFile(path.join(FIXTURES, name));

/** Where the Ogg page starting at `offset` ends. */
function oggPageEnd(bytes: Uint8Array, offset: number): number {
  const segments = bytes[offset + 26];
  let body = 0;
  for (let i = 0; i < segments; ++i) body += bytes[offset + 27 + i];
  return offset + 27 + segments + body;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sedjoule-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('container detection', () => {
  it('goes by the magic bytes, not the file name', async () => {
    const flac = await fixture('stereo.flac');
    const audio = await decodeAudio(flac, 'mislabelled.wav');
    expect(audio.format).toBe('flac');
    expect(detectContainer(await fixture('stereo.ogg'))).toEqual({ container: 'ogg', codec: 'vorbis', skip: 0 });
    expect(detectContainer(await fixture('stereo.opus'))).toEqual({ container: 'ogg', codec: 'opus', skip: 0 });
    expect(detectContainer(await fixture('mono.oga'))).toEqual({ container: 'ogg', codec: 'flac', skip: 0 });
    expect(detectContainer(await fixture('mono.mp3'))?.container).toBe('mp3');
    expect(detectContainer(encodeWav([new Float32Array(4)], 8000, 'pcm16'))?.container).toBe('wav');
    expect(detectContainer(aiff([[1, 2]], 8000, 16))?.container).toBe('aiff');
    expect(detectContainer(new TextEncoder().encode('filename,labels\n'))).toBeUndefined();
  });

  it('skips an ID3v2 tag in front of FLAC', async () => {
    const flac = await fixture('stereo.flac');
    const tagged = new Uint8Array(10 + 6 + flac.length);
    tagged.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 6], 0);
    tagged.set(flac, 16);
    const audio = await decodeAudio(tagged, 'tagged.flac');
    expect(audio.format).toBe('flac');
    expect(maxDifference(audio.channels[0], LEFT)).toBeLessThanOrEqual(1.01 / 32768);
  });
});

describe('decoding each format', () => {
  it('FLAC is lossless: every sample equals the reference', async () => {
    const audio = await decodeAudio(await fixture('stereo.flac'), 'stereo.flac');
    expect(audio.sampleRate).toBe(RATE);
    expect(audio.channels.length).toBe(2);
    expect(audio.channels[0].length).toBe(FRAMES);
    expect(maxDifference(audio.channels[0], LEFT)).toBeLessThanOrEqual(1.01 / 32768);
    expect(maxDifference(audio.channels[1], RIGHT)).toBeLessThanOrEqual(1.01 / 32768);
  });

  it('Ogg FLAC is lossless too', async () => {
    const audio = await decodeAudio(await fixture('mono.oga'), 'mono.oga');
    expect(audio.format).toBe('ogg flac');
    expect(audio.channels.length).toBe(1);
    expect(maxDifference(audio.channels[0], LEFT)).toBeLessThanOrEqual(1.01 / 32768);
  });

  it('Ogg Vorbis keeps rate, length, level and pitch of both channels', async () => {
    const audio = await decodeAudio(await fixture('stereo.ogg'), 'stereo.ogg');
    expect(audio.format).toBe('ogg vorbis');
    expect(audio.sampleRate).toBe(RATE);
    expect(audio.channels.length).toBe(2);
    expect(audio.channels[0].length).toBe(FRAMES);
    expect(rms(audio.channels[0])).toBeCloseTo(rms(LEFT), 1);
    expect(rms(audio.channels[1])).toBeCloseTo(rms(RIGHT), 1);
    expect(Math.abs(zeroCrossings(audio.channels[0]) - zeroCrossings(LEFT))).toBeLessThanOrEqual(3);
    expect(Math.abs(zeroCrossings(audio.channels[1]) - zeroCrossings(RIGHT))).toBeLessThanOrEqual(5);
  });

  it('Ogg Opus comes out at 48 kHz, the rate Opus always decodes at', async () => {
    const audio = await decodeAudio(await fixture('stereo.opus'), 'stereo.opus');
    expect(audio.format).toBe('ogg opus');
    expect(audio.sampleRate).toBe(48000);
    expect(audio.channels.length).toBe(2);
    expect(audio.channels[0].length).toBe(3 * FRAMES);
    expect(rms(audio.channels[0])).toBeCloseTo(rms(LEFT), 1);
    expect(Math.abs(zeroCrossings(audio.channels[0]) - zeroCrossings(LEFT))).toBeLessThanOrEqual(3);
    expect(Math.abs(zeroCrossings(audio.channels[1]) - zeroCrossings(RIGHT))).toBeLessThanOrEqual(5);
  });

  it('MP3: a mono stream stays one channel, with its 440 Hz tone', async () => {
    const audio = await decodeAudio(await fixture('mono.mp3'), 'mono.mp3');
    expect(audio.format).toBe('mp3');
    expect(audio.sampleRate).toBe(RATE);
    expect(audio.channels.length).toBe(1);
    // The encoder adds delay and padding (about 1,100 samples), so only the middle is compared.
    expect(audio.channels[0].length).toBeGreaterThanOrEqual(FRAMES);
    const middle = audio.channels[0].subarray(1500, 3500);
    expect(zeroCrossings(middle)).toBeGreaterThanOrEqual(105);
    expect(zeroCrossings(middle)).toBeLessThanOrEqual(115);
    expect(rms(middle)).toBeCloseTo(0.3536, 1);
  });

  it('AIFF 16-bit stereo and 8-bit mono: big-endian and signed at every size', async () => {
    const stereo = await decodeAudio(
      aiff(
        [
          [16384, -32768, 0],
          [100, 200, 32767],
        ],
        44100,
        16,
      ),
      'a.aiff',
    );
    expect(stereo.format).toBe('aiff pcm16');
    expect(stereo.sampleRate).toBe(44100);
    expect(Array.from(stereo.channels[0])).toEqual([0.5, -1, 0]);
    expect(stereo.channels[1][2]).toBeCloseTo(32767 / 32768, 6);
    // 8-bit AIFF is signed (8-bit WAV is not): @audio/decode-aiff 1.3.0 gets this wrong.
    const mono = await decodeAudio(aiff([[64, -128, 0, 127]], 22050, 8), 'b.aif');
    expect(mono.format).toBe('aiff pcm8');
    expect(mono.sampleRate).toBe(22050);
    expect(Array.from(mono.channels[0])).toEqual([0.5, -1, 0, 127 / 128]);
  });

  it('AIFF 24 and 32-bit, AIFF-C little-endian (sowt) and float (fl32)', async () => {
    const values24 = [-8388608, -1, 0, 4194304, 8388607];
    const a24 = await decodeAudio(aiff([values24], 48000, 24), 'c.aiff');
    expect(Array.from(a24.channels[0])).toEqual(values24.map((x) => Math.fround(x / 8388608)));
    const a32 = await decodeAudio(aiff([[-2147483648, 1073741824]], 48000, 32), 'd.aiff');
    expect(Array.from(a32.channels[0])).toEqual([-1, 0.5]);
    const sowt = await decodeAudio(
      aiff(
        [
          [16384, -16384],
          [-32768, 8192],
        ],
        96000,
        16,
        'sowt',
      ),
      'e.aifc',
    );
    expect(sowt.format).toBe('aiff-c pcm16');
    expect(sowt.sampleRate).toBe(96000);
    expect(Array.from(sowt.channels[1])).toEqual([-1, 0.25]);
    const sowt24 = await decodeAudio(aiff([values24], 8000, 24, 'sowt'), 'f.aifc');
    expect(Array.from(sowt24.channels[0])).toEqual(values24.map((x) => Math.fround(x / 8388608)));
    const float = await decodeAudio(aiff([[0.125, -1.5]], 11025, 32, 'fl32'), 'g.aifc');
    expect(float.format).toBe('aiff-c float32');
    expect(float.sampleRate).toBe(11025);
    expect(Array.from(float.channels[0])).toEqual([0.125, -1.5]);
  });

  it('WAV through decodeAudioFile', async () => {
    const file = path.join(dir, 'clip.wav');
    await writeFile(file, encodeWav([LEFT, RIGHT], RATE, 'pcm16'));
    const audio = await decodeAudioFile(file);
    expect(audio.format).toBe('wav pcm16');
    expect(maxDifference(audio.channels[1], RIGHT)).toBe(0);
  });
});

describe('bad files: E_AUDIO naming the file and the fault', () => {
  const cut = async (name: string, keep: number): Promise<Uint8Array> => {
    const bytes = await fixture(name);
    return bytes.subarray(0, Math.floor(bytes.length * keep));
  };
  const expectAudioError = async (bytes: Uint8Array, name: string, message: string): Promise<void> => {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    const error = await failure(() => decodeAudioFile(file));
    expect(error.code).toBe('E_AUDIO');
    expect(error.message).toContain(file);
    expect(error.message).toContain(message);
  };

  it('truncated FLAC (half the frames, and only the header)', async () => {
    await expectAudioError(await cut('stereo.flac', 0.6), 'cut.flac', 'truncated FLAC: STREAMINFO declares 4000 samples per channel');
    await expectAudioError(await cut('stereo.flac', 0.05), 'header.flac', 'no audio could be decoded');
  });

  it('truncated Ogg Vorbis, Ogg Opus and Ogg FLAC', async () => {
    await expectAudioError(await cut('stereo.ogg', 0.7), 'cut.ogg', 'truncated Ogg stream');
    await expectAudioError(await cut('stereo.opus', 0.5), 'cut.opus', 'truncated Ogg stream');
    await expectAudioError(await cut('mono.oga', 0.8), 'cut.oga', 'truncated Ogg stream');
  });

  it('Ogg cut exactly at a page boundary: no end-of-stream page', async () => {
    const bytes = await fixture('stereo.ogg');
    // The last page starts at the last "OggS"; keeping everything before it leaves whole pages.
    let last = 0;
    for (let i = 0; i + 4 <= bytes.length; ++i)
      if (bytes[i] === 0x4f && bytes[i + 1] === 0x67 && bytes[i + 2] === 0x67 && bytes[i + 3] === 0x53) last = i;
    await expectAudioError(bytes.subarray(0, last), 'pages.ogg', 'does not carry the end-of-stream flag');
  });

  it('truncated MP3', async () => {
    await expectAudioError(await cut('mono.mp3', 0.5), 'cut.mp3', 'truncated MP3: the frame at byte');
  });

  it('truncated AIFF and WAV', async () => {
    const a = aiff([Array.from({ length: 100 }, (_, i) => i)], 8000, 16);
    await expectAudioError(a.subarray(0, a.length - 50), 'cut.aiff', 'truncated AIFF: COMM declares 100 sample frames, the file holds 75');
    const w = encodeWav([new Float32Array(100)], 8000, 'pcm16');
    await expectAudioError(w.subarray(0, 100), 'cut.wav', "truncated: 'data' chunk declares 200 bytes, 56 remain");
  });

  it('empty, text, image, unknown and unsupported files', async () => {
    await expectAudioError(new Uint8Array(0), 'empty.wav', 'file is empty');
    await expectAudioError(new TextEncoder().encode('filename\tevent_labels\nY1.wav\tDog\n'), 'notes.flac', 'text, not audio');
    await expectAudioError(
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
      'image.wav',
      'not a recognised audio format (first bytes 89 50 4e 47',
    );
    await expectAudioError(Uint8Array.from([0, 0, 0, 0x20, ...new TextEncoder().encode('ftypM4A isom')]), 'song.m4a', 'MP4/M4A');
    await expectAudioError(Uint8Array.from([1, 2, 3]), 'tiny.wav', 'file is 3 bytes, too short to be audio');
  });

  it('an Ogg stream of an unknown codec', async () => {
    const bytes = new Uint8Array(await fixture('stereo.ogg'));
    const at = new TextDecoder('latin1').decode(bytes.subarray(0, 64)).indexOf('vorbis');
    bytes[at] = 'x'.charCodeAt(0);
    // A stream of another codec is whole: its first page carries its own checksum.
    new DataView(bytes.buffer).setUint32(22, oggPageCrc(bytes, 0, oggPageEnd(bytes, 0)), true);
    await expectAudioError(bytes, 'odd.ogg', 'Ogg stream with an unrecognised codec');
  });

  /** The bytes with `count` bytes from the middle inverted. */
  const flipped = (bytes: Uint8Array, count: number, from = Math.floor(bytes.length / 2 - count / 2)): Uint8Array => {
    const copy = new Uint8Array(bytes);
    for (let i = from; i < from + count; ++i) copy[i] ^= 0xff;
    return copy;
  };

  it('Ogg Vorbis, Opus and FLAC with bytes flipped mid-file: corrupt, by the page CRC', async () => {
    for (const name of ['stereo.ogg', 'stereo.opus', 'mono.oga']) {
      const bytes = await fixture(name);
      await expectAudioError(flipped(bytes, 200), `flipped-${name}`, 'corrupt Ogg stream');
      // One byte inside the last page's packet data: only the CRC can tell.
      await expectAudioError(flipped(bytes, 1, bytes.length - 10), `one-byte-${name}`, 'fails its CRC-32');
    }
  });

  it('Ogg with a page left out: the sequence numbers have a gap', async () => {
    const bytes = await fixture('stereo.ogg');
    const second = oggPageEnd(bytes, 0);
    const third = oggPageEnd(bytes, second);
    const gap = new Uint8Array([...bytes.subarray(0, second), ...bytes.subarray(third)]);
    await expectAudioError(gap, 'gap.ogg', 'is number 2 of its stream, 1 was next');
  });

  it('MP3 with bytes flipped mid-file, or a frame header of another stream: corrupt', async () => {
    const bytes = await fixture('mono.mp3');
    await expectAudioError(flipped(bytes, 200), 'flipped.mp3', 'corrupt MP3');
    // The third frame's sample-rate index changed (frames are 144 bytes): not a frame of this stream.
    const other = new Uint8Array(bytes);
    other[288 + 2] ^= 0x04;
    await expectAudioError(other, 'rate.mp3', 'corrupt MP3: the bytes at 288 (where the frame at byte 144 ends)');
  });

  it('MP3 frames that carry a CRC-16 are checked against it', async () => {
    const bytes = await fixture('mono-crc.mp3');
    const audio = await decodeAudio(bytes, 'mono-crc.mp3');
    expect(audio.channels).toHaveLength(1);
    expect(audio.sampleRate).toBe(RATE);
    // A bit of the second frame's side information (after its 4-byte header and 2-byte CRC).
    await expectAudioError(flipped(bytes, 1, 144 + 8), 'side-info.mp3', 'corrupt MP3: the frame at byte 144: it fails its CRC-16');
  });

  it('MP3 followed by an ID3v1 or APE tag or zero padding still decodes', async () => {
    const bytes = await fixture('mono.mp3');
    const tag = new Uint8Array(128);
    tag.set(new TextEncoder().encode('TAGtitle'));
    // An APE tag without a header: its items, then the 32-byte footer that names it.
    const ape = new Uint8Array(60);
    ape.set(new TextEncoder().encode('APETAGEX'), 28);
    for (const tail of [tag, new Uint8Array(7), ape, new Uint8Array([...ape, ...tag])]) {
      const audio = await decodeAudio(new Uint8Array([...bytes, ...tail]), 'tagged.mp3');
      expect(audio.channels[0].length).toBeGreaterThan(0);
    }
    await expectAudioError(new Uint8Array([...bytes, 1, 2, 3, 4, 5]), 'junk.mp3', 'corrupt MP3');
  });

  it('a sample rate past what any audio uses (a damaged header)', async () => {
    const w = encodeWav([new Float32Array(100)], 8000, 'pcm16');
    new DataView(w.buffer).setUint32(24, 0xfffffff0, true);
    await expectAudioError(w, 'rate.wav', 'a sample rate of 4294967280 Hz is outside 1 Hz to 10 MHz');
  });

  it('a float WAV holding NaN or infinity', async () => {
    const samples = new Float32Array(100);
    samples[42] = Number.NaN;
    await expectAudioError(encodeWav([samples], 8000, 'float32'), 'nan.wav', 'sample 42 of channel 0 is NaN');
    samples[42] = Number.POSITIVE_INFINITY;
    await expectAudioError(encodeWav([samples], 8000, 'float32'), 'inf.wav', 'sample 42 of channel 0 is Infinity');
  });

  it('a missing file is E_IO with the path', async () => {
    const file = path.join(dir, 'nowhere.wav');
    const error = await failure(() => decodeAudioFile(file));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain(file);
    expect(error.message).toContain('ENOENT');
  });
});

describe('toMono', () => {
  const stereo: DecodedAudio = {
    channels: [Float32Array.from([1, 0.5, -1]), Float32Array.from([0, 0.5, 1])],
    sampleRate: 8000,
    format: 'wav pcm16',
  };

  it('averages the channels by default', () => {
    expect(Array.from(toMono(stereo))).toEqual([0.5, 0.5, 0]);
    expect(Array.from(toMono(stereo, 'mix'))).toEqual([0.5, 0.5, 0]);
  });

  it('picks one channel', () => {
    expect(toMono(stereo, 1)).toBe(stereo.channels[1]);
  });

  it('returns a single channel as it is', () => {
    const mono: DecodedAudio = { channels: [Float32Array.from([0.25])], sampleRate: 8000, format: 'flac' };
    expect(toMono(mono)).toBe(mono.channels[0]);
  });

  it('rejects a channel the audio does not have, naming the channel count', async () => {
    const error = await failure(() => toMono(stereo, 2));
    expect(error.code).toBe('E_VALUE');
    expect(error.message).toContain('channel 2 requested, but the wav pcm16 audio has 2 channels (0..1)');
    expect((await failure(() => toMono(stereo, -1))).code).toBe('E_VALUE');
    expect((await failure(() => toMono(stereo, 0.5))).code).toBe('E_VALUE');
  });
});
