/**
 * Features computed once per (audio file content, front-end settings) and kept on disk. An entry
 * is written to a temporary file and renamed, and carries its shape in a header, so an
 * interrupted run never leaves a half-written entry that is read back: a short or malformed file
 * is a miss, removed and recomputed.
 *
 *   <root>/features/<settings hash>/<content hash>.f32
 *   header: "SJFEAT01", uint32 mels, uint32 frames (little-endian); then float32 [mels x frames]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { FrontendConfig } from '../frontend/extractor.js';

const MAGIC = Buffer.from('SJFEAT01', 'ascii');
const HEADER_BYTES = 16;
/** Bump when the meaning of cached features changes without a change of settings. */
const FORMAT_VERSION = 1;

/** SEDJOULE_CACHE, else $XDG_CACHE_HOME/sedjoule, else ~/.cache/sedjoule. */
export function defaultCacheRoot(): string {
  if (process.env.SEDJOULE_CACHE) return path.resolve(process.env.SEDJOULE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'sedjoule');
}

export function contentHash(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
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
    fs.mkdirSync(this.dir, { recursive: true });
  }

  entryPath(hash: string): string {
    return path.join(this.dir, `${hash}.f32`);
  }

  /** The shape of a valid entry, or undefined (a missing or broken entry, which is removed). */
  probe(hash: string): [number, number] | undefined {
    const file = this.entryPath(hash);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      const size = fs.fstatSync(fd).size;
      if (fs.readSync(fd, header, 0, HEADER_BYTES, 0) === HEADER_BYTES && header.subarray(0, 8).equals(MAGIC)) {
        const mels = header.readUInt32LE(8),
          frames = header.readUInt32LE(12);
        if (size === HEADER_BYTES + 4 * mels * frames) return [mels, frames];
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.rmSync(file, { force: true });
    return undefined;
  }

  read(hash: string): Float32Array {
    const bytes = fs.readFileSync(this.entryPath(hash));
    const values = new Float32Array((bytes.length - HEADER_BYTES) / 4);
    new Uint8Array(values.buffer).set(bytes.subarray(HEADER_BYTES));
    return values;
  }

  write(hash: string, features: Float32Array, mels: number, frames: number): void {
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(mels, 8);
    header.writeUInt32LE(frames, 12);
    const target = this.entryPath(hash);
    const temp = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, header);
      fs.writeSync(fd, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  }
}
