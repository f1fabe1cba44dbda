/**
 * The safetensors format (huggingface/safetensors, README "Format", v0.4): read and written here
 * with strict validation rather than through a package (docs/weights.md says why).
 *
 *   8 bytes      N, the header length, unsigned 64-bit little-endian
 *   N bytes      a UTF-8 JSON object: {"<name>": {"dtype": "F32", "shape": [..], "data_offsets":
 *                [begin, end]}, ..., "__metadata__": {"<key>": "<string>"}} (metadata optional)
 *   the rest     the byte buffer; offsets are relative to its start, little-endian values
 *
 * The upstream rules kept: the header is at most 100 MB and starts with '{'; every tensor's
 * end - begin is its element count times its dtype's size; the tensors cover the buffer entirely,
 * without holes or overlaps; metadata values are strings. Tensors of any dtype are parsed (a
 * PyTorch state_dict holds int64 counters); only float32 ones have values (`values`).
 */
import { SedjouleError } from '../errors.js';

/** Bytes per element of the dtypes the format defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The upstream limit on the header, against a file that claims an enormous one. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** The values of an F32 tensor; undefined for any other dtype. */
  values?: Float32Array;
}

export interface SafetensorsFile {
  tensors: SafetensorsTensor[];
  metadata: Record<string, string>;
}

function bad(source: string, what: string): SedjouleError {
  return new SedjouleError('E_IO', `${source}: not a valid safetensors file: ${what}`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Decodes a whole file's bytes; E_IO naming `source` and the first rule broken. */
export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  if (bytes.length < 8) throw bad(source, `${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = view.getBigUint64(0, true);
  if (headerBytes > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8)))
    throw bad(source, `header length ${headerBytes} exceeds the file (${bytes.length - 8} bytes after the length) or the 100 MB limit`);
  const n = Number(headerBytes);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith('{')) throw new Error("it does not start with '{'");
    header = JSON.parse(text);
  } catch (error) {
    throw bad(source, `the header is not UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad(source, 'the header is not a JSON object');
  const dataStart = 8 + n;
  const dataBytes = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  const entries: Array<{ tensor: SafetensorsTensor; begin: number; end: number }> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(source, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw bad(source, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) throw bad(source, `tensor '${name}' is not an object`);
    const size = typeof info.dtype === 'string' ? DTYPE_BYTES[info.dtype] : undefined;
    if (size === undefined) throw bad(source, `tensor '${name}' has an unknown dtype ${JSON.stringify(info.dtype)}`);
    if (!Array.isArray(info.shape) || !info.shape.every(isCount))
      throw bad(source, `tensor '${name}' has a bad shape ${JSON.stringify(info.shape)}`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1])
      throw bad(source, `tensor '${name}' has bad data_offsets ${JSON.stringify(offsets)}`);
    const shape = info.shape as number[];
    const [begin, end] = offsets as [number, number];
    const expected = shape.reduce((a, b) => a * b, 1) * size;
    if (end - begin !== expected)
      throw bad(source, `tensor '${name}' (${info.dtype} [${shape}]) needs ${expected} bytes, data_offsets give ${end - begin}`);
    if (end > dataBytes) throw bad(source, `tensor '${name}' ends at byte ${end} of a ${dataBytes}-byte buffer`);
    const tensor: SafetensorsTensor = { name, dtype: info.dtype as string, shape };
    if (tensor.dtype === 'F32') {
      const values = new Float32Array(expected / 4);
      const at = dataStart + begin;
      for (let i = 0; i < values.length; ++i) values[i] = view.getFloat32(at + 4 * i, true);
      tensor.values = values;
    }
    entries.push({ tensor, begin, end });
  }

  // The buffer is indexed entirely: sorted by offset, each tensor starts where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of entries) {
    if (e.begin !== covered)
      throw bad(source, `tensor '${e.tensor.name}' starts at byte ${e.begin}, expected ${covered} (a hole or an overlap in the buffer)`);
    covered = e.end;
  }
  if (covered !== dataBytes) throw bad(source, `the tensors cover ${covered} of the buffer's ${dataBytes} bytes`);
  return { tensors: entries.map((e) => e.tensor), metadata };
}

export interface Float32Tensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Encodes float32 tensors in the given order. The header is padded with spaces so the buffer
 * starts 8-byte aligned, as the upstream writer does.
 */
export function serializeSafetensors(tensors: Float32Tensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.values.length)
      throw new SedjouleError('E_SHAPE', `tensor '${t.name}': shape [${t.shape}] holds ${count} values, got ${t.values.length}`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf-8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    for (let i = 0; i < t.values.length; ++i) view.setFloat32(at + 4 * i, t.values[i], true);
    at += 4 * t.values.length;
  }
  return out;
}
