/**
 * NumPy's .npy files of float32 (`sedjoule predict`'s input and output), read strictly and written
 * in format version 1.0. The format (numpy/lib/format.py at v2.0.0, "NPY format"): the magic
 * "\x93NUMPY", a major and minor version byte, the header's length (2 bytes little-endian in
 * version 1, 4 in versions 2 and 3), the header (a Python dict literal with 'descr',
 * 'fortran_order' and 'shape', padded with spaces and ended by a newline), then the data.
 *
 * Only little-endian float32 in C order is read ('<f4'): anything else is refused naming the file
 * and the field, rather than converted silently (a float64 array halved in precision, a Fortran
 * array transposed). The npyjs package reads .npy but does not write it, so both sides are here.
 */
import fs from 'node:fs';

import { SedjouleError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = '\x93NUMPY';

function refuse(file: string, what: string): never {
  throw new SedjouleError('E_DATA', `${file}: ${what}`);
}

/** The header's value for `key` as it is written, or undefined when the key is absent. */
function headerField(header: string, key: string): string | undefined {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  return m?.[1];
}

function parseHeader(file: string, header: string): { shape: number[] } {
  const descr = headerField(header, 'descr');
  if (descr === undefined) refuse(file, `the header has no 'descr' (the element type): ${header.trim()}`);
  if (descr.slice(1, -1) !== '<f4')
    refuse(file, `'descr' is ${descr}; sedjoule reads little-endian float32 ('<f4'): save x.astype(numpy.float32)`);
  const order = headerField(header, 'fortran_order');
  if (order === undefined) refuse(file, `the header has no 'fortran_order': ${header.trim()}`);
  if (order !== 'False') refuse(file, `'fortran_order' is ${order}; save the array in C order (numpy.ascontiguousarray)`);
  const shape = headerField(header, 'shape');
  if (shape === undefined) refuse(file, `the header has no 'shape': ${header.trim()}`);
  const dims = shape
    .slice(1, -1)
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (!dims.every((d) => /^\d+$/.test(d))) refuse(file, `'shape' is ${shape}, not a tuple of integers`);
  return { shape: dims.map(Number) };
}

/** Reads a float32 .npy file; E_IO when it cannot be read, E_DATA naming the field at fault. */
export function readNpy(file: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new SedjouleError('E_IO', `${file}: cannot read (${(error as Error).message})`);
  }
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== MAGIC) refuse(file, 'not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  if (major < 1 || major > 3) refuse(file, `.npy format version ${major}.${bytes[7]}; versions 1 to 3 are read`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) refuse(file, 'the header length is cut off');
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = 8 + lengthBytes + headerLength;
  if (bytes.length < start) refuse(file, `the header is cut off (${headerLength} bytes announced)`);
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', 8 + lengthBytes, start);
  const { shape } = parseHeader(file, header);
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = start + count * 4;
  if (bytes.length !== expected)
    refuse(file, `'shape' (${shape.join(', ')}) needs ${count * 4} bytes of float32 data, the file holds ${bytes.length - start}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * 4);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  return { shape, data };
}

/** The bytes of a float32 .npy file (format 1.0; the header padded so the data starts at a multiple of 64). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length)
    throw new SedjouleError('E_SHAPE', `shape [${array.shape}] holds ${count} values, the data ${array.data.length}`);
  const tuple = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + count * 4);
  out.set(Buffer.from(MAGIC + '\x01\x00', 'latin1'), 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  array.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** Writes a float32 .npy file atomically. */
export function writeNpy(file: string, array: NpyArray): void {
  writeFileAtomic(file, encodeNpy(array));
}
