/**
 * RIFF/WAVE reading and writing without dependencies.
 *
 * The reader accepts what real datasets contain (UrbanSound8K keeps each Freesound upload's own
 * format): PCM 8-bit (unsigned), 16, 24 and 32-bit integers, IEEE float 32/64, and
 * WAVE_FORMAT_EXTENSIBLE whose sub-format is PCM or float. Chunks are walked one by one, so
 * `fact`, `LIST`, `bext`, `cue ` and other unknown chunks are skipped, and odd-sized chunks are
 * followed by their pad byte. All reads go through a DataView, because a chunk may start at any
 * byte offset (a float `data` chunk after a `fact` chunk is not 4-byte aligned, which is where
 * typed-array readers such as node-wav fail).
 */
import { SedjouleError } from '../../errors.js';

/** Decoded audio: one Float32Array per channel, samples nominally in [-1, 1]. */
export interface DecodedAudio {
  channels: Float32Array[];
  sampleRate: number;
  /** What was decoded, for reports and errors: "wav pcm16", "wav float32", "flac", "ogg vorbis", ... */
  format: string;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * The 14 bytes that follow the 2-byte format code in every KSDATAFORMAT_SUBTYPE_* GUID derived
 * from a WAVE format tag (00000001-0000-0010-8000-00aa00389b71 is PCM, ...03-... is float).
 */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fourcc(view: DataView, offset: number): string {
  return String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
}

/** A four-character code made printable for an error message (binary junk becomes \xNN). */
function printable(code: string): string {
  return JSON.stringify(code).slice(1, -1);
}

function wavError(name: string, what: string): SedjouleError {
  return new SedjouleError('E_AUDIO', `${name}: ${what}`);
}

interface WavFormat {
  /** WAVE_FORMAT_PCM or WAVE_FORMAT_IEEE_FLOAT after resolving EXTENSIBLE. */
  encoding: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  /** Bits per sample as stored (the container size); EXTENSIBLE may declare fewer valid bits. */
  bits: number;
  extensible: boolean;
}

function readFormat(view: DataView, offset: number, size: number, name: string): WavFormat {
  if (size < 16) throw wavError(name, `'fmt ' chunk is ${size} bytes, at least 16 are needed`);
  let encoding = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  const bits = view.getUint16(offset + 14, true);
  const extensible = encoding === WAVE_FORMAT_EXTENSIBLE;
  if (extensible) {
    if (size < 40) throw wavError(name, `WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is ${size} bytes, 40 are needed for the sub-format GUID`);
    const guid = offset + 24;
    encoding = view.getUint16(guid, true);
    for (let i = 0; i < SUBFORMAT_GUID_TAIL.length; ++i) {
      if (view.getUint8(guid + 2 + i) !== SUBFORMAT_GUID_TAIL[i]) {
        throw wavError(
          name,
          'WAVE_FORMAT_EXTENSIBLE with a sub-format GUID that is not a standard WAVE format (only PCM and IEEE float are read)',
        );
      }
    }
  }
  if (encoding === WAVE_FORMAT_ALAW || encoding === WAVE_FORMAT_MULAW) {
    throw wavError(name, `${encoding === WAVE_FORMAT_ALAW ? 'A-law' : 'mu-law'} WAV is not supported (only PCM and IEEE float are read)`);
  }
  if (encoding !== WAVE_FORMAT_PCM && encoding !== WAVE_FORMAT_IEEE_FLOAT) {
    throw wavError(name, `unsupported WAV format tag 0x${encoding.toString(16).padStart(4, '0')} (only PCM and IEEE float are read)`);
  }
  if (channels < 1) throw wavError(name, "'fmt ' chunk declares 0 channels");
  if (sampleRate < 1) throw wavError(name, "'fmt ' chunk declares a sample rate of 0");
  const supported = encoding === WAVE_FORMAT_PCM ? [8, 16, 24, 32] : [32, 64];
  if (!supported.includes(bits)) {
    const kind = encoding === WAVE_FORMAT_PCM ? 'PCM' : 'float';
    throw wavError(name, `${bits}-bit ${kind} WAV is not supported (${kind} sizes read: ${supported.join(', ')} bits)`);
  }
  const minimumAlign = channels * (bits / 8);
  // Some writers leave blockAlign at 0 or get it wrong; the frame is at least channels × bytes, and
  // a larger declared alignment (padding per frame) is honoured.
  return { encoding, channels, sampleRate, blockAlign: Math.max(blockAlign, minimumAlign), bits, extensible };
}

function formatName(format: WavFormat): string {
  return format.encoding === WAVE_FORMAT_IEEE_FLOAT ? `wav float${format.bits}` : `wav pcm${format.bits}`;
}

/** Reads one sample at `offset` as a float; integers are scaled by 2^(bits-1) so -full scale is -1. */
function sampleReader(format: WavFormat, view: DataView): (offset: number) => number {
  if (format.encoding === WAVE_FORMAT_IEEE_FLOAT) {
    return format.bits === 32 ? (o) => view.getFloat32(o, true) : (o) => view.getFloat64(o, true);
  }
  switch (format.bits) {
    case 8:
      // 8-bit WAV is the one unsigned PCM size: 128 is silence.
      return (o) => (view.getUint8(o) - 128) / 128;
    case 16:
      return (o) => view.getInt16(o, true) / 32768;
    case 24:
      return (o) => {
        const lo = view.getUint16(o, true);
        const hi = view.getInt8(o + 2);
        return (hi * 65536 + lo) / 8388608;
      };
    default:
      return (o) => view.getInt32(o, true) / 2147483648;
  }
}

/** Decodes a RIFF/WAVE file held in memory. `name` is used in error messages (usually the path). */
export function parseWav(bytes: Uint8Array, name: string): DecodedAudio {
  if (bytes.length === 0) throw wavError(name, 'file is empty');
  if (bytes.length < 12) throw wavError(name, `file is ${bytes.length} bytes, too short for a RIFF/WAVE header (12 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fourcc(view, 0) !== 'RIFF' || fourcc(view, 8) !== 'WAVE') {
    throw wavError(name, `not a RIFF/WAVE file (starts with '${printable(fourcc(view, 0))}' ... '${printable(fourcc(view, 8))}')`);
  }
  // The RIFF size is often wrong (streams written before their length was known), so chunks are
  // walked to the end of the bytes actually present rather than to the declared size.
  let format: WavFormat | undefined;
  let dataOffset = -1;
  let dataSize = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourcc(view, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = bytes.length - body;
    if (id === 'fmt ') {
      if (size > available) throw wavError(name, `truncated: 'fmt ' chunk declares ${size} bytes, ${available} remain`);
      format = readFormat(view, body, size, name);
    } else if (id === 'data') {
      dataOffset = body;
      // 0xFFFFFFFF is the placeholder of streaming writers that could not seek back to fill in
      // the size (ffmpeg to a pipe); for those the data runs to the end of the file.
      if (size === 0xffffffff) {
        dataSize = available;
      } else if (size > available) {
        throw wavError(name, `truncated: 'data' chunk declares ${size} bytes, ${available} remain`);
      } else {
        dataSize = size;
      }
      if (format) break;
    }
    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte not counted in its size.
    offset = body + size + (size & 1);
  }
  if (!format)
    throw wavError(
      name,
      dataOffset >= 0 ? "a 'data' chunk but no 'fmt ' chunk before or after it" : "no 'fmt ' chunk (truncated or not a WAV file)",
    );
  if (dataOffset < 0) throw wavError(name, "no 'data' chunk (truncated file?)");
  const frames = Math.floor(dataSize / format.blockAlign);
  const read = sampleReader(format, view);
  const bytesPerSample = format.bits / 8;
  const channels = Array.from({ length: format.channels }, () => new Float32Array(frames));
  for (let c = 0; c < format.channels; ++c) {
    const out = channels[c];
    let o = dataOffset + c * bytesPerSample;
    for (let f = 0; f < frames; ++f, o += format.blockAlign) out[f] = read(o);
  }
  return { channels, sampleRate: format.sampleRate, format: formatName(format) };
}

/**
 * Writes channels as a canonical WAV file. 'pcm16' clips to [-1, 1] and rounds to nearest on the
 * same 1/32768 scale the reader uses, so decoded 16-bit audio re-encodes to identical bytes;
 * 'float32' writes WAVE_FORMAT_IEEE_FLOAT with the `fact` chunk the format requires for non-PCM data.
 */
export function encodeWav(channels: Float32Array[], sampleRate: number, format: 'pcm16' | 'float32'): Uint8Array {
  if (channels.length < 1 || channels.length > 0xffff)
    throw new SedjouleError('E_VALUE', `encodeWav: need 1 to 65535 channels, got ${channels.length}`);
  const frames = channels[0].length;
  channels.forEach((channel, c) => {
    if (channel.length !== frames)
      throw new SedjouleError('E_VALUE', `encodeWav: channel ${c} has ${channel.length} samples, channel 0 has ${frames}`);
  });
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 0xffffffff) {
    throw new SedjouleError('E_VALUE', `encodeWav: sample rate must be a positive integer, got ${sampleRate}`);
  }
  if (format !== 'pcm16' && format !== 'float32')
    throw new SedjouleError('E_VALUE', `encodeWav: format must be 'pcm16' or 'float32', got '${String(format)}'`);
  const float = format === 'float32';
  const bytesPerSample = float ? 4 : 2;
  const blockAlign = channels.length * bytesPerSample;
  const dataSize = frames * blockAlign;
  const fmtSize = float ? 18 : 16;
  const factSize = float ? 12 : 0;
  const headerSize = 12 + 8 + fmtSize + factSize + 8;
  // RIFF sizes are 32-bit; data beyond 4 GiB needs RF64, which nothing here produces.
  if (headerSize - 8 + dataSize > 0xffffffff)
    throw new SedjouleError('E_VALUE', `encodeWav: ${dataSize} bytes of audio exceed the 4 GiB WAV limit`);
  const out = new Uint8Array(headerSize + dataSize);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; ++i) out[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bytesPerSample * 8, true);
  let offset = 36;
  if (float) {
    view.setUint16(offset, 0, true); // cbSize: no extension bytes
    offset += 2;
    ascii(offset, 'fact');
    view.setUint32(offset + 4, 4, true);
    view.setUint32(offset + 8, frames, true);
    offset += 12;
  }
  ascii(offset, 'data');
  view.setUint32(offset + 4, dataSize, true);
  offset += 8;
  for (let f = 0; f < frames; ++f) {
    for (let c = 0; c < channels.length; ++c) {
      const x = channels[c][f];
      if (float) {
        view.setFloat32(offset, x, true);
        offset += 4;
      } else {
        // NaN becomes silence; everything else is clipped, then rounded to the nearest step.
        const clipped = Number.isNaN(x) ? 0 : Math.min(1, Math.max(-1, x));
        view.setInt16(offset, Math.min(32767, Math.round(clipped * 32768)), true);
        offset += 2;
      }
    }
  }
  return out;
}
