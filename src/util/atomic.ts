/**
 * Files written atomically, the one writer of every result file: the bytes go to a temporary file
 * beside the target, every byte is written (a short write is continued, a failed one is an error),
 * the file is flushed to disk and renamed over the target, and the folder is flushed so the rename
 * survives a power cut. A reader sees the old file or the new one, never half. On a full disk
 * (ENOSPC), an I/O error or any other failure the temporary file is removed, the old file is left
 * as it was, and the error (E_IO) names the target and the system's reason.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';

/** The system's reason of a failed call, e.g. "ENOSPC: no space left on device, write". */
function systemReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Continues after a short write (a full disk first writes what fits, then fails) until every byte is out. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = fs.writeSync(fd, bytes, offset, bytes.length - offset);
    // A write that makes no progress and reports no error would loop forever: treat it as full.
    if (!(written > 0)) throw Object.assign(new Error(`wrote ${offset} of ${bytes.length} bytes, then nothing`), { code: 'ENOSPC' });
    offset += written;
  }
}

/** Flushes a folder's entries (the rename); filesystems that cannot fsync a folder say EINVAL, which is no error of ours. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const temp = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  let fd: number | undefined;
  let stage = `cannot create the temporary file ${temp}`;
  try {
    fd = fs.openSync(temp, 'w');
    stage = `writing ${bytes.length} bytes failed`;
    writeAll(fd, bytes);
    stage = 'flushing to disk failed';
    fs.fsyncSync(fd);
    const open = fd;
    fd = undefined;
    stage = 'closing failed';
    fs.closeSync(open);
    stage = `cannot rename ${temp} into place`;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw new SedjouleError('E_IO', `${target}: ${stage}: ${systemReason(error)}; the previous file is left unchanged`);
  }
  try {
    syncFolder(path.dirname(target));
  } catch (error) {
    throw new SedjouleError('E_IO', `${target}: written, but flushing its folder failed: ${systemReason(error)}`);
  }
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 1)}\n`);
}

/** Why a folder cannot be made: recursive mkdir reports ENOENT for a read-only parent, so ask the nearest existing one. */
function whyNoFolder(dir: string, error: unknown): string {
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) return `${existing} is not a folder`;
  try {
    fs.accessSync(existing, fs.constants.W_OK);
  } catch (access) {
    return `${existing} cannot be written (${systemReason(access)})`;
  }
  return systemReason(error);
}

/**
 * Creates a folder (and its parents) for results, or says why it cannot (E_IO naming it): a
 * read-only parent otherwise surfaces as a bare "ENOENT ... mkdir".
 */
export function ensureFolder(dir: string, what = 'folder'): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new SedjouleError('E_IO', `the ${what} ${dir} cannot be created or written: ${whyNoFolder(dir, error)}`);
  }
}
