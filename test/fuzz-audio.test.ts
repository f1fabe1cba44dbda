/**
 * Property-based fuzzing of the audio decoders (fast-check): bytes of valid WAV, AIFF, FLAC, Ogg
 * (Vorbis, Opus, FLAC) and MP3 files, mutated by flipped bytes, cuts, insertions and deletions.
 * Whatever the bytes, decodeAudio either returns audio that is whole (one or more channels of one
 * length, a positive rate, finite samples) or fails with E_AUDIO naming the file: never another
 * error, never a crash. A hang would show as the test's timeout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeAudio } from '../src/data/audio/decode.js';
import { encodeWav } from '../src/data/audio/wav.js';
import { errorCode } from '../src/errors.js';
import { aiff } from './audio-files.js';
import { fuzzOptions, fuzzTimeout } from './fuzz.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'audio');
const tone = (n: number, frequency: number, rate: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * frequency * i) / rate));

/** One valid file of each container and codec the decoders read. */
const SEEDS: Record<string, Uint8Array> = {
  'pcm16.wav': encodeWav([tone(400, 440, 8000), tone(400, 880, 8000)], 8000, 'pcm16'),
  'float32.wav': encodeWav([tone(300, 440, 8000)], 8000, 'float32'),
  'pcm24.aiff': aiff([Array.from({ length: 200 }, (_, i) => Math.round(1e6 * Math.sin(i / 5)))], 8000, 24),
  'fl32.aifc': aiff([Array.from({ length: 200 }, (_, i) => 0.5 * Math.sin(i / 5))], 8000, 32, 'fl32'),
  ...Object.fromEntries(
    ['stereo.flac', 'stereo.ogg', 'stereo.opus', 'mono.oga', 'mono.mp3', 'mono-crc.mp3'].map((name) => [
      name,
      new Uint8Array(readFileSync(path.join(FIXTURES, name))),
    ]),
  ),
};

/** An edit of a file's bytes; positions are fractions of the length, so one edit fits any file. */
type Edit =
  | { kind: 'flip'; at: number; mask: number; run: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; run: number };

// Uniform over the file: fc.double spreads over float bit patterns (most are tiny) and fast-check
// biases integers towards small values, either of which would put most edits in the header.
const position = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);
// Flips weigh most: they keep the length, so they reach the decoders and the checksums, not only the length checks.
const edit: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: position,
      mask: fc.integer({ min: 1, max: 255 }),
      run: fc.integer({ min: 1, max: 200 }),
    }),
  },
  fc.record({ kind: fc.constant('cut' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, run: fc.integer({ min: 1, max: 64 }) }),
);

function applyEdits(original: Uint8Array, edits: Edit[]): Uint8Array {
  let bytes = new Uint8Array(original);
  for (const e of edits) {
    const at = Math.floor(e.at * bytes.length);
    if (e.kind === 'flip') for (let i = at; i < Math.min(bytes.length, at + e.run); ++i) bytes[i] ^= e.mask;
    else if (e.kind === 'cut') bytes = bytes.slice(0, at);
    else if (e.kind === 'insert') bytes = new Uint8Array([...bytes.subarray(0, at), ...e.bytes, ...bytes.subarray(at)]);
    else bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + e.run)]);
  }
  return bytes;
}

/** Whole audio, or E_AUDIO naming the file; anything else fails the property. */
async function decodesOrNamesTheFile(bytes: Uint8Array, name: string): Promise<'decoded' | 'refused'> {
  let audio;
  try {
    audio = await decodeAudio(bytes, name);
  } catch (error) {
    expect(errorCode(error), String(error)).toBe('E_AUDIO');
    expect((error as Error).message).toContain(name);
    return 'refused';
  }
  expect(audio.channels.length).toBeGreaterThan(0);
  expect(audio.sampleRate >= 1 && audio.sampleRate <= 10_000_000, `rate ${audio.sampleRate}`).toBe(true);
  const frames = audio.channels[0].length;
  expect(frames).toBeGreaterThan(0);
  for (const channel of audio.channels) {
    expect(channel.length).toBe(frames);
    for (const x of channel) if (!Number.isFinite(x)) expect.fail(`${name}: a non-finite sample was returned`);
  }
  return 'decoded';
}

describe('fuzz: decoding mutated audio files', () => {
  for (const [seedName, seed] of Object.entries(SEEDS)) {
    it(
      `${seedName}: whole audio or E_AUDIO naming the file`,
      async () => {
        const outcomes = { decoded: 0, refused: 0 };
        await fc.assert(
          fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
            const name = `/fuzz/${seedName}`;
            ++outcomes[await decodesOrNamesTheFile(applyEdits(seed, edits), name)];
          }),
          fuzzOptions(1 / 2),
        );
        // For the record of a long run (npm run fuzz): how many mutants decoded and how many were refused.
        if (process.env.SEDJOULE_FUZZ_VERBOSE) console.log(seedName, outcomes);
      },
      fuzzTimeout(100),
    );
  }

  it(
    'random bytes, and random bytes behind a valid magic',
    async () => {
      const magic = fc.constantFrom(
        '',
        'RIFF\x10\0\0\0WAVE',
        'fLaC',
        'OggS\0\x02',
        'FORM\0\0\0\x20AIFF',
        'ID3\x03\0\0\0\0\0\x05',
        '\xff\xfb\x90\x64',
      );
      await fc.assert(
        fc.asyncProperty(magic, fc.uint8Array({ maxLength: 600 }), async (head, tail) => {
          const bytes = new Uint8Array([...Array.from(head, (c) => c.charCodeAt(0)), ...tail]);
          await decodesOrNamesTheFile(bytes, '/fuzz/random.bin');
        }),
        fuzzOptions(),
      );
    },
    fuzzTimeout(50),
  );
});
