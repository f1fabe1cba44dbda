/**
 * AIFF and AIFF-C reading (Apple "Audio Interchange File Format", 1989; AIFF-C draft 1991).
 *
 * Our own reader rather than @audio/decode-aiff, which reads 8-bit AIFF as unsigned: AIFF sample
 * points are signed two's complement at every size (unlike 8-bit WAV), and hydrogen-drumkits
 * ships AIFF samples. Uncompressed PCM (AIFF, and AIFF-C 'NONE'/'twos' big-endian or 'sowt'
 * little-endian) of 8 to 32 bits and AIFF-C float ('fl32', 'fl64') are read. Like WAV, chunks are
 * walked one by one with their pad bytes, and all reads go through a DataView.
 */
import { SedjouleError } from '../../errors.js';
import type { DecodedAudio } from './wav.js';

function aiffError(name: string, what: string): SedjouleError {
  return new SedjouleError('E_AUDIO', `${name}: ${what}`);
}

function fourcc(view: DataView, offset: number): string {
  return String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
}

/** An 80-bit IEEE 754 extended-precision number (big-endian), as AIFF stores the sample rate. */
function extended(view: DataView, offset: number): number {
  const signExponent = view.getUint16(offset);
  const mantissa = view.getUint32(offset + 2) * 2 ** 32 + view.getUint32(offset + 6);
  const exponent = signExponent & 0x7fff;
  if (exponent === 0 && mantissa === 0) return 0;
  const value = mantissa * 2 ** (exponent - 16383 - 63);
  return signExponent & 0x8000 ? -value : value;
}

type Encoding = 'be' | 'le' | 'float';

/** Decodes an AIFF or AIFF-C file held in memory; E_AUDIO naming `name` on any fault. */
export function parseAiff(bytes: Uint8Array, name: string): DecodedAudio {
  if (bytes.length < 12) throw aiffError(name, `file is ${bytes.length} bytes, too short for an AIFF header (12 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const form = fourcc(view, 8);
  if (fourcc(view, 0) !== 'FORM' || (form !== 'AIFF' && form !== 'AIFC')) throw aiffError(name, 'not an AIFF file');
  const isAifc = form === 'AIFC';
  let comm: { channels: number; frames: number; bits: number; rate: number; compression: string } | undefined;
  let ssnd = -1;
  let ssndSize = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourcc(view, offset);
    const size = view.getUint32(offset + 4);
    const body = offset + 8;
    if (id === 'COMM') {
      const needed = isAifc ? 22 : 18;
      if (size < needed || body + needed > bytes.length)
        throw aiffError(name, `truncated or short COMM chunk (${Math.min(size, bytes.length - body)} bytes, ${needed} needed)`);
      comm = {
        channels: view.getInt16(body),
        frames: view.getUint32(body + 2),
        bits: view.getInt16(body + 6),
        rate: extended(view, body + 8),
        compression: isAifc ? fourcc(view, body + 18) : 'NONE',
      };
    } else if (id === 'SSND') {
      if (body + 8 > bytes.length) throw aiffError(name, 'truncated SSND chunk header');
      // The data starts `offset` bytes into the chunk's sound data (block-aligned writers use it).
      ssnd = body + 8 + view.getUint32(body);
      ssndSize = Math.max(0, size - 8 - view.getUint32(body));
    }
    offset = body + size + (size & 1);
  }
  if (!comm) throw aiffError(name, 'no COMM chunk (truncated or not an AIFF file)');
  if (ssnd < 0) {
    if (comm.frames === 0)
      return {
        channels: Array.from({ length: Math.max(1, comm.channels) }, () => new Float32Array(0)),
        sampleRate: comm.rate,
        format: isAifc ? 'aiff-c' : 'aiff',
      };
    throw aiffError(name, 'no SSND chunk (truncated file?)');
  }
  if (comm.channels < 1) throw aiffError(name, `COMM declares ${comm.channels} channels`);
  if (!(comm.rate > 0) || !Number.isFinite(comm.rate)) throw aiffError(name, `COMM declares a sample rate of ${comm.rate}`);

  let encoding: Encoding;
  let bytesPerSample: number;
  const compression = comm.compression;
  if (compression === 'NONE' || compression === 'twos' || compression === 'sowt') {
    if (comm.bits < 1 || comm.bits > 32) throw aiffError(name, `${comm.bits}-bit samples are not supported (1 to 32 bits are read)`);
    encoding = compression === 'sowt' ? 'le' : 'be';
    bytesPerSample = Math.ceil(comm.bits / 8);
  } else if (/^fl(32|64)$/i.test(compression)) {
    encoding = 'float';
    bytesPerSample = compression.endsWith('32') ? 4 : 8;
  } else {
    throw aiffError(
      name,
      `AIFF-C compression '${JSON.stringify(compression).slice(1, -1)}' is not supported (read: NONE, twos, sowt, fl32, fl64)`,
    );
  }
  const frameBytes = bytesPerSample * comm.channels;
  const available = Math.floor(Math.min(ssndSize, Math.max(0, bytes.length - ssnd)) / frameBytes);
  if (available < comm.frames)
    throw aiffError(name, `truncated AIFF: COMM declares ${comm.frames} sample frames, the file holds ${available}`);

  const frames = comm.frames;
  // Sizes that are not whole bytes are left-justified in their container, so the container's
  // full scale is the right divisor, as for WAV.
  const scale = 1 / 2 ** (8 * bytesPerSample - 1);
  const little = encoding === 'le';
  const read: (o: number) => number =
    encoding === 'float'
      ? bytesPerSample === 4
        ? (o) => view.getFloat32(o)
        : (o) => view.getFloat64(o)
      : bytesPerSample === 1
        ? (o) => view.getInt8(o) * scale
        : bytesPerSample === 2
          ? (o) => view.getInt16(o, little) * scale
          : bytesPerSample === 3
            ? little
              ? (o) => (view.getInt8(o + 2) * 65536 + view.getUint16(o, true)) * scale
              : (o) => (view.getInt8(o) * 65536 + view.getUint16(o + 1)) * scale
            : (o) => view.getInt32(o, little) * scale;
  const channels = Array.from({ length: comm.channels }, () => new Float32Array(frames));
  for (let c = 0; c < comm.channels; ++c) {
    const out = channels[c];
    let o = ssnd + c * bytesPerSample;
    for (let f = 0; f < frames; ++f, o += frameBytes) out[f] = read(o);
  }
  const kind = encoding === 'float' ? `float${bytesPerSample * 8}` : `pcm${comm.bits}`;
  return { channels, sampleRate: comm.rate, format: `${isAifc ? 'aiff-c' : 'aiff'} ${kind}` };
}
