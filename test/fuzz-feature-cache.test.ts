/**
 * Property-based fuzzing of feature-cache entries (fast-check): a valid entry, mutated by flipped
 * bytes, cuts, appended bytes or a rewritten header, or replaced by arbitrary bytes. Whatever is
 * on disk, probe() says 'hit' only for the entry as written (and read() then returns exactly the
 * features written), and otherwise 'corrupt' with the entry removed; read() of a damaged entry is
 * E_DATA naming it. No other error, no crash. No front end is needed: entries are written
 * directly, the way a feature build writes them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { contentHash, FeatureCache } from '../src/data/feature-cache.js';
import { errorCode } from '../src/errors.js';
import type { FrontendConfig } from '../src/frontend/extractor.js';
import { fuzzOptions, fuzzTimeout } from './fuzz.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-fuzz-cache-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
// The cache only hashes its settings into a folder name; any object serves.
const cache = new FeatureCache(root, { preset: 'fuzz' } as unknown as FrontendConfig);

const MELS = 8;
const FRAMES = 12;
const features = Float32Array.from({ length: MELS * FRAMES }, (_, i) => Math.sin(i) * 3);
const hash = contentHash(new TextEncoder().encode('a clip'));

type Damage =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'cut'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'header'; field: 0 | 1 | 2 | 3 | 4; value: number }
  | { kind: 'replace'; bytes: Uint8Array };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('header' as const),
    field: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const),
    value: fc.nat({ max: 0xffffffff }),
  }),
  fc.record({ kind: fc.constant('replace' as const), bytes: fc.uint8Array({ maxLength: 500 }) }),
);

function damaged(original: Buffer, d: Damage): Buffer {
  const bytes = Buffer.from(original);
  // Edits in place need bytes to edit (an earlier 'replace' or 'cut' may have left few).
  if ((d.kind === 'flip' || d.kind === 'cut') && bytes.length === 0) return bytes;
  if (d.kind === 'header' && bytes.length < 20) return bytes;
  switch (d.kind) {
    case 'flip':
      bytes[d.at % bytes.length] ^= d.mask;
      return bytes;
    case 'cut':
      return bytes.subarray(0, d.at % bytes.length);
    case 'append':
      return Buffer.concat([bytes, d.bytes]);
    case 'header':
      // The 20-byte header as five uint32 words: magic (two), mels, frames, checksum.
      bytes.writeUInt32LE(d.value, 4 * d.field);
      return bytes;
    default:
      return Buffer.from(d.bytes);
  }
}

describe('fuzz: damaged feature-cache entries', () => {
  it(
    'a hit only for the entry as written; anything else is removed as corrupt, and reading it is E_DATA naming it',
    async () => {
      cache.write(hash, features, MELS, FRAMES);
      const entry = cache.entryPath(hash);
      const original = fs.readFileSync(entry);
      await fc.assert(
        fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), (damages) => {
          const bytes = damages.reduce(damaged, original);
          fs.writeFileSync(entry, bytes);
          if (bytes.equals(original)) {
            expect(cache.probe(hash)).toEqual({ state: 'hit', shape: [MELS, FRAMES] });
            expect(Array.from(cache.read(hash))).toEqual(Array.from(features));
            return;
          }
          let readError: unknown;
          try {
            cache.read(hash, '/clips/a.wav');
          } catch (error) {
            readError = error;
          }
          expect(errorCode(readError), String(readError)).toBe('E_DATA');
          expect((readError as Error).message).toContain(entry);
          expect((readError as Error).message).toContain('/clips/a.wav');
          expect(fs.existsSync(entry)).toBe(false);

          fs.writeFileSync(entry, bytes);
          expect(cache.probe(hash)).toMatchObject({ state: 'corrupt', file: entry });
          expect(fs.existsSync(entry)).toBe(false);
          expect(cache.probe(hash)).toEqual({ state: 'missing' });
        }),
        fuzzOptions(4),
      );
    },
    fuzzTimeout(20),
  );
});
