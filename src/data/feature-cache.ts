/**
 * Features computed once per (audio file content, front-end settings) and kept on disk. An entry
 * is written to a temporary file and renamed, carries its shape in a header, and carries a
 * CRC-32 of its key, header and data, checked on every read: a short, malformed or corrupt file
 * (an interrupted write, a flipped bit on disk, an entry copied over another's name) is never
 * used, but removed and recomputed.
 *
 *   <root>/features/<settings hash>/<content hash>.f32
 *   header: "SJFEAT02", uint32 mels, uint32 frames, uint32 CRC-32 (little-endian); then float32 [mels x frames]
 *   CRC-32 (zlib's) over: the content hash in ASCII, the first 16 header bytes, the float32 data.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { errorCode, SedjouleError } from '../errors.js';
import type { FrontendConfig } from '../frontend/extractor.js';
import { writeFileAtomic } from '../util/atomic.js';

const MAGIC = Buffer.from('SJFEAT02', 'ascii');
const CHECKED_HEADER_BYTES = 16;
const HEADER_BYTES = 20;
/**
 * Bump when the meaning of cached features or the entry layout changes without a change of
 * settings: entries then live in a new folder, and older ones (version 1 had no checksum) are
 * never read.
 */
const FORMAT_VERSION = 2;

/** SEDJOULE_CACHE, else $XDG_CACHE_HOME/sedjoule, else ~/.cache/sedjoule. */
export function defaultCacheRoot(): string {
  if (process.env.SEDJOULE_CACHE) return path.resolve(process.env.SEDJOULE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'sedjoule');
}

export function contentHash(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** What a look at one entry found: a verified entry and its shape, no entry, or a bad one (now removed). */
export type CacheProbe =
  { state: 'hit'; shape: [number, number] } | { state: 'missing' } | { state: 'corrupt'; reason: string; file: string };

function checksum(hash: string, header: Uint8Array, data: Uint8Array): number {
  return zlib.crc32(data, zlib.crc32(header.subarray(0, CHECKED_HEADER_BYTES), zlib.crc32(hash)));
}

/** Why the bytes of an entry cannot be used, or undefined when they are whole and match their checksum. */
function entryFault(hash: string, bytes: Buffer): string | undefined {
  if (bytes.length < HEADER_BYTES) return `${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`;
  if (!bytes.subarray(0, 8).equals(MAGIC))
    return `not an entry of this format (starts with ${JSON.stringify(bytes.toString('latin1', 0, 8))})`;
  const mels = bytes.readUInt32LE(8);
  const frames = bytes.readUInt32LE(12);
  const expected = HEADER_BYTES + 4 * mels * frames;
  if (bytes.length !== expected) return `${bytes.length} bytes where a ${mels} x ${frames} entry has ${expected}`;
  const stored = bytes.readUInt32LE(16);
  const actual = checksum(hash, bytes, bytes.subarray(HEADER_BYTES));
  if (stored !== actual) return `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`;
  return undefined;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

export class FeatureCache {
  readonly dir: string;

  constructor(root: string, config: FrontendConfig) {
    const settings = crypto
      .createHash('sha256')
      .update(JSON.stringify({ version: FORMAT_VERSION, config }))
      .digest('hex')
      .slice(0, 16);
    this.dir = path.join(root, 'features', settings);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw ioError(this.dir, 'cannot create the feature cache folder', error);
    }
  }

  entryPath(hash: string): string {
    return path.join(this.dir, `${hash}.f32`);
  }

  /**
   * Looks at an entry and verifies all of it. A bad entry is removed (so that it is recomputed)
   * and reported as 'corrupt'; E_IO when the entry cannot be read or removed (a directory in its
   * place, no permission).
   */
  probe(hash: string): CacheProbe {
    const file = this.entryPath(hash);
    const bytes = readEntry(file);
    if (!bytes) return { state: 'missing' };
    const fault = entryFault(hash, bytes);
    if (fault === undefined) return { state: 'hit', shape: [bytes.readUInt32LE(8), bytes.readUInt32LE(12)] };
    removeEntry(file);
    return { state: 'corrupt', reason: fault, file };
  }

  /**
   * The features of a verified entry. An entry that has gone bad since it was probed is removed
   * and is E_DATA naming it (and `clip`, the audio it was computed from, when given); the next
   * run recomputes it.
   */
  read(hash: string, clip?: string): Float32Array {
    const file = this.entryPath(hash);
    const bytes = readEntry(file);
    const fault = bytes ? entryFault(hash, bytes) : 'the entry is missing';
    if (!bytes || fault !== undefined) {
      if (bytes) removeEntry(file);
      throw new SedjouleError(
        'E_DATA',
        `${file}: feature cache entry${clip ? ` of ${clip}` : ''} cannot be used: ${fault}; ${bytes ? 'it was removed, and ' : ''}the next run recomputes it`,
      );
    }
    const values = new Float32Array((bytes.length - HEADER_BYTES) / 4);
    new Uint8Array(values.buffer).set(bytes.subarray(HEADER_BYTES));
    return values;
  }

  write(hash: string, features: Float32Array, mels: number, frames: number): void {
    const target = this.entryPath(hash);
    if (features.length !== mels * frames) {
      throw new SedjouleError('E_SHAPE', `${target}: ${features.length} feature values do not make a ${mels} x ${frames} entry`);
    }
    const bytes = Buffer.alloc(HEADER_BYTES + features.byteLength);
    MAGIC.copy(bytes, 0);
    bytes.writeUInt32LE(mels, 8);
    bytes.writeUInt32LE(frames, 12);
    const data = new Uint8Array(features.buffer, features.byteOffset, features.byteLength);
    bytes.set(data, HEADER_BYTES);
    bytes.writeUInt32LE(checksum(hash, bytes, data), 16);
    try {
      writeFileAtomic(target, bytes);
    } catch (error) {
      throw errorCode(error)?.startsWith('E_') ? error : ioError(target, 'cannot write feature cache entry', error);
    }
  }
}

/** The bytes of an entry, or undefined when there is none. */
function readEntry(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new SedjouleError('E_IO', `${file}: a directory stands where a feature cache entry belongs; remove it`);
    throw ioError(file, 'cannot read feature cache entry', error);
  }
}

function removeEntry(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch (error) {
    throw ioError(file, 'cannot remove a corrupt feature cache entry', error);
  }
}

function ioError(file: string, what: string, error: unknown): SedjouleError {
  const code = (error as NodeJS.ErrnoException).code;
  return new SedjouleError('E_IO', `${file}: ${what} (${code ?? (error as Error).message})`);
}
