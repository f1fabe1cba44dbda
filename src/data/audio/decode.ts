/**
 * Audio decoding for datasets: the container is recognised by its magic bytes (never by the file
 * extension, which datasets get wrong). WAV and AIFF go through our own parsers; FLAC, Ogg Vorbis,
 * Ogg Opus, Ogg FLAC and MP3 through the per-format packages of audiojs/decode (`@audio/decode-*`,
 * MIT, WASM builds of libFLAC, libvorbis, libopus and mpg123 by the wasm-audio-decoders
 * project). Those are the decoders the `audio-decode` umbrella package loads; depending on them
 * directly keeps out the umbrella's GPL-licensed AAC/AC3/DTS decoders, which a dataset reader
 * never needs.
 *
 * The WASM decoders return whatever frames they could decode, so a cut-off file would silently
 * come back shorter, and they decode damaged data into wrong audio without a word. Each
 * container's own length and integrity information is checked before decoding (FLAC STREAMINFO;
 * the Ogg page chain and every page's CRC-32; the MPEG frame chain, the consistency of its
 * headers and the CRC-16 of frames that carry one), so truncation and corruption are errors,
 * not a short or wrong clip. What no checksum covers cannot be caught: an MP3 without frame CRCs
 * (most are encoded so) whose damage spares the frame headers decodes as whatever the damaged
 * bits say; FLAC's own frame CRCs are checked by libFLAC, whose errors are reported here.
 *
 * Resampling is not done here: the native front end resamples.
 */
import { readFile } from 'node:fs/promises';
import { SedjouleError } from '../../errors.js';
import { parseAiff } from './aiff.js';
import { mpegCrc16, oggPageCrc } from './crc.js';
import { parseWav, type DecodedAudio } from './wav.js';

export type { DecodedAudio } from './wav.js';

/** What the magic bytes say a file is. `codec` is set for Ogg (vorbis, opus, flac). */
export interface ContainerGuess {
  container: 'wav' | 'flac' | 'ogg' | 'mp3' | 'aiff';
  codec?: string;
  /** Bytes of ID3v2 tag before the audio (MP3 and FLAC files sometimes carry one). */
  skip: number;
}

/** The shape the `@audio/decode-*` default exports resolve to. */
interface DecoderResult {
  channelData: Float32Array[];
  sampleRate: number;
  samplesDecoded?: number;
  errors?: Array<{ message: string; frameNumber?: number }>;
}
type WholeFileDecoder = (bytes: Uint8Array) => Promise<DecoderResult> | DecoderResult;

function audioError(name: string, what: string): SedjouleError {
  return new SedjouleError('E_AUDIO', `${name}: ${what}`);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < bytes.length; ++i) s += String.fromCharCode(bytes[i]);
  return s;
}

function uint32be(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) >>> 0) + (bytes[offset + 1] << 16) + (bytes[offset + 2] << 8) + bytes[offset + 3];
}

/** Size of an ID3v2 tag at `offset` (header, syncsafe size, optional footer), or 0 when none. */
function id3Size(bytes: Uint8Array, offset: number): number {
  if (bytes.length < offset + 10 || ascii(bytes, offset, 3) !== 'ID3') return 0;
  const size =
    ((bytes[offset + 6] & 0x7f) << 21) |
    ((bytes[offset + 7] & 0x7f) << 14) |
    ((bytes[offset + 8] & 0x7f) << 7) |
    (bytes[offset + 9] & 0x7f);
  const footer = bytes[offset + 5] & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

/**
 * An MPEG audio frame header at `offset`: 11 sync bits, a version other than "reserved", a layer
 * other than "reserved", and bitrate and sample-rate indices that are not the invalid values.
 * The extra checks keep random data that happens to start with 0xFF 0xE0 from passing as MP3.
 */
function isMpegFrame(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length < offset + 4) return false;
  const b1 = bytes[offset + 1];
  const b2 = bytes[offset + 2];
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const bitrate = b2 >> 4;
  const rate = (b2 >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 15 && rate !== 3;
}

/** The codec inside an Ogg stream, from the first packet of its first page. */
function oggCodec(bytes: Uint8Array): string {
  if (bytes.length < 27) return 'unknown';
  const segments = bytes[26];
  const packet = 27 + segments;
  if (ascii(bytes, packet + 1, 6) === 'vorbis' && bytes[packet] === 1) return 'vorbis';
  if (ascii(bytes, packet, 8) === 'OpusHead') return 'opus';
  if (ascii(bytes, packet, 5) === '\x7fFLAC') return 'flac';
  if (ascii(bytes, packet, 8) === 'Speex   ') return 'speex';
  if (ascii(bytes, packet + 1, 6) === 'theora') return 'theora';
  return 'unknown';
}

/** Recognises the container from its first bytes; undefined when it is not a supported one. */
export function detectContainer(bytes: Uint8Array): ContainerGuess | undefined {
  const skip = id3Size(bytes, 0);
  const at = (text: string, offset: number): boolean => ascii(bytes, skip + offset, text.length) === text;
  if (skip === 0 && at('RIFF', 0) && at('WAVE', 8)) return { container: 'wav', skip: 0 };
  if (at('fLaC', 0)) return { container: 'flac', skip };
  if (skip === 0 && at('OggS', 0)) return { container: 'ogg', codec: oggCodec(bytes), skip: 0 };
  if (skip === 0 && at('FORM', 0) && (at('AIFF', 8) || at('AIFC', 8))) return { container: 'aiff', skip: 0 };
  if (isMpegFrame(bytes, skip)) return { container: 'mp3', skip };
  return undefined;
}

/** A short description of a file that is not supported audio, for the error message. */
function describeUnknown(bytes: Uint8Array): string {
  const head = ascii(bytes, 0, 12);
  if (head.startsWith('RIFF')) return `a RIFF file of type '${JSON.stringify(head.slice(8, 12)).slice(1, -1)}', not WAVE`;
  if (head.slice(4, 8) === 'ftyp') return 'an MP4/M4A file (AAC in MP4 is not supported)';
  if (head.startsWith('\x1aE\xdf\xa3')) return 'a Matroska/WebM file (not supported)';
  if (head.startsWith('caff')) return 'a Core Audio (CAF) file (not supported)';
  if (head.startsWith('wvpk')) return 'a WavPack file (not supported)';
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xf6) === 0xf0) return 'ADTS AAC (not supported)';
  if (head.startsWith('ID3')) return 'an ID3 tag followed by no recognisable audio';
  const sample = bytes.subarray(0, Math.min(bytes.length, 512));
  const printable = sample.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128);
  if (printable) return `text, not audio (starts with ${JSON.stringify(ascii(bytes, 0, 24))})`;
  const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `not a recognised audio format (first bytes ${hex}; read: WAV, FLAC, Ogg Vorbis/Opus/FLAC, MP3, AIFF)`;
}

// One import per decoder package, started on first use and shared afterwards: the WASM modules
// are compiled once per process.
const decoderLoads = new Map<string, Promise<WholeFileDecoder>>();

function loadDecoder(kind: 'flac' | 'vorbis' | 'opus' | 'mp3'): Promise<WholeFileDecoder> {
  let load = decoderLoads.get(kind);
  if (!load) {
    const imports: Record<typeof kind, () => Promise<{ default: WholeFileDecoder }>> = {
      flac: () => import('@audio/decode-flac') as Promise<{ default: WholeFileDecoder }>,
      vorbis: () => import('@audio/decode-vorbis') as Promise<{ default: WholeFileDecoder }>,
      opus: () => import('@audio/decode-opus') as Promise<{ default: WholeFileDecoder }>,
      mp3: () => import('@audio/decode-mp3') as Promise<{ default: WholeFileDecoder }>,
    };
    load = imports[kind]().then((module) => module.default);
    // A failed import (package missing) should be retried next time, not cached.
    load.catch(() => decoderLoads.delete(kind));
    decoderLoads.set(kind, load);
  }
  return load;
}

/** FLAC STREAMINFO's total sample count per channel; 0 means "unknown" in the format. */
function flacTotalSamples(bytes: Uint8Array, start: number): number {
  // "fLaC", then the STREAMINFO block header (4 bytes), then its body; the 36-bit total is at
  // body bytes 13.5..18 (after block sizes, frame sizes, rate, channels and bit depth).
  const body = start + 8;
  if (bytes.length < body + 18) return 0;
  return (bytes[body + 13] & 0x0f) * 2 ** 32 + uint32be(bytes, body + 14);
}

function uint32le(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

/**
 * Walks the Ogg page chain (RFC 3533). Every page must carry the version 0 header, the CRC-32 of
 * its bytes, and the next sequence number of its logical stream; a complete stream ends exactly
 * at the end of a page that carries the end-of-stream flag; anything else means the file was cut
 * off, damaged, or has pages missing or trailing junk.
 */
function checkOggPages(bytes: Uint8Array, name: string): void {
  let offset = 0;
  let lastFlags = 0;
  const nextSequence = new Map<number, number>();
  while (offset < bytes.length) {
    if (offset + 27 > bytes.length || ascii(bytes, offset, 4) !== 'OggS') {
      throw audioError(name, `truncated or corrupt Ogg stream: no complete page header at byte ${offset} of ${bytes.length}`);
    }
    if (bytes[offset + 4] !== 0)
      throw audioError(name, `corrupt Ogg stream: the page at byte ${offset} has version ${bytes[offset + 4]}, not 0`);
    const segments = bytes[offset + 26];
    if (offset + 27 + segments > bytes.length)
      throw audioError(name, `truncated Ogg stream: the page at byte ${offset} is cut off in its segment table`);
    let body = 0;
    for (let i = 0; i < segments; ++i) body += bytes[offset + 27 + i];
    const end = offset + 27 + segments + body;
    if (end > bytes.length)
      throw audioError(
        name,
        `truncated Ogg stream: the page at byte ${offset} needs ${end - offset} bytes, ${bytes.length - offset} remain`,
      );
    const stored = uint32le(bytes, offset + 22);
    const actual = oggPageCrc(bytes, offset, end);
    if (stored !== actual) {
      throw audioError(
        name,
        `corrupt Ogg stream: the page at byte ${offset} fails its CRC-32 (stored ${hex32(stored)}, computed ${hex32(actual)})`,
      );
    }
    const serial = uint32le(bytes, offset + 14);
    const sequence = uint32le(bytes, offset + 18);
    const expected = nextSequence.get(serial) ?? sequence;
    if (sequence !== expected) {
      throw audioError(
        name,
        `corrupt Ogg stream: the page at byte ${offset} is number ${sequence} of its stream, ${expected} was next (pages missing)`,
      );
    }
    nextSequence.set(serial, sequence + 1);
    lastFlags = bytes[offset + 5];
    offset = end;
  }
  if ((lastFlags & 0x04) === 0) throw audioError(name, 'truncated Ogg stream: the last page does not carry the end-of-stream flag');
}

// Bit rates in kbit/s by [MPEG-1 or not][layer index 3 (I), 2 (II), 1 (III)][bitrate index].
const MPEG_BITRATES: Record<'v1' | 'v2', Record<number, number[]>> = {
  v1: {
    3: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  },
  v2: {
    3: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    1: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  },
};
// Sample rates by version bits (3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5) and rate index.
const MPEG_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Length in bytes of the MPEG audio frame whose header is at `offset`; 0 for free-format frames. */
function mpegFrameLength(bytes: Uint8Array, offset: number): number {
  const b1 = bytes[offset + 1];
  const b2 = bytes[offset + 2];
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const kbps = MPEG_BITRATES[version === 3 ? 'v1' : 'v2'][layer][b2 >> 4];
  const rate = MPEG_RATES[version][(b2 >> 2) & 3];
  const padding = (b2 >> 1) & 1;
  if (kbps === 0) return 0;
  if (layer === 3) return (Math.floor((12 * kbps * 1000) / rate) + padding) * 4;
  const perFrame = layer === 1 && version !== 3 ? 72 : 144;
  return Math.floor((perFrame * kbps * 1000) / rate) + padding;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** The header fields every frame of one stream shares: version, layer, sample rate, and mono or not. */
function mpegStreamKey(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 1] >> 1) & 0x0f) * 64 + ((bytes[offset + 2] >> 2) & 3) * 2 + (mpegIsMono(bytes, offset) ? 1 : 0);
}

/** Tags that may follow the last frame of a stream, by the name that starts them. */
const MPEG_TRAILING_TAGS = ['TAG', 'APETAGEX', 'LYRICSBEGIN', 'ID3'];

/**
 * Whether the bytes from `offset` to the end are a trailing tag: one that starts with its name,
 * or an APE tag without a header, known by the 32-byte "APETAGEX" footer that ends the file (or
 * comes just before a 128-byte ID3v1 tag).
 */
function isTrailingTag(bytes: Uint8Array, offset: number): boolean {
  if (MPEG_TRAILING_TAGS.some((t) => ascii(bytes, offset, t.length) === t)) return true;
  return [bytes.length - 32, bytes.length - 160].some((footer) => footer >= offset && ascii(bytes, footer, 8) === 'APETAGEX');
}

/**
 * The CRC-16 check of a Layer III frame that carries one (protection bit 0, ISO/IEC 11172-3
 * 2.4.1.1 and 2.4.3.1): over the last two header bytes and the side information (17 or 32
 * bytes in MPEG-1, 9 or 17 in MPEG-2 and 2.5, for one channel or two). Layer I and II protect a
 * number of bits that depends on their allocation tables and are not checked.
 */
function mpegCrcFault(bytes: Uint8Array, offset: number, length: number): string | undefined {
  const b1 = bytes[offset + 1];
  if ((b1 & 1) !== 0 || ((b1 >> 1) & 3) !== 1) return undefined;
  const mpeg1 = ((b1 >> 3) & 3) === 3;
  const sideInfo = mpeg1 ? (mpegIsMono(bytes, offset) ? 17 : 32) : mpegIsMono(bytes, offset) ? 9 : 17;
  if (6 + sideInfo > length) return `its side information (${sideInfo} bytes) does not fit in its ${length} bytes`;
  const stored = (bytes[offset + 4] << 8) | bytes[offset + 5];
  const actual = mpegCrc16(bytes, [
    [offset + 2, offset + 4],
    [offset + 6, offset + 6 + sideInfo],
  ]);
  return stored === actual
    ? undefined
    : `it fails its CRC-16 (stored 0x${stored.toString(16).padStart(4, '0')}, computed 0x${actual.toString(16).padStart(4, '0')})`;
}

/**
 * Walks the MPEG frames from the first header to the end of the file. Frames must follow each
 * other without gaps, share the first frame's version, layer, sample rate and channel count, and
 * pass their CRC where they carry one; a frame that runs past the end means the file was cut off.
 * After the last frame only a tag (ID3v1, APE, Lyrics3, ID3v2) or zero padding may follow; an
 * ID3v2 tag between frames (concatenated files) is skipped. The walk stops at a free-format
 * frame, whose length is not in its header.
 */
function checkMpegFrames(bytes: Uint8Array, start: number, name: string): void {
  const key = mpegStreamKey(bytes, start);
  let offset = start;
  let previous = -1;
  while (offset + 4 <= bytes.length) {
    const tag = id3Size(bytes, offset);
    if (tag > 0 && offset + tag < bytes.length && isMpegFrame(bytes, offset + tag)) {
      offset += tag;
      continue;
    }
    if (!isMpegFrame(bytes, offset) || mpegStreamKey(bytes, offset) !== key) {
      if (isTrailingTag(bytes, offset)) return;
      if (bytes.subarray(offset).every((b) => b === 0)) return;
      const after = previous >= 0 ? ` (where the frame at byte ${previous} ends)` : '';
      throw audioError(
        name,
        `corrupt MP3: the bytes at ${offset}${after} are not a frame header of this stream (${Array.from(bytes.subarray(offset, offset + 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
      );
    }
    const length = mpegFrameLength(bytes, offset);
    if (length === 0) return;
    if (offset + length > bytes.length) {
      throw audioError(name, `truncated MP3: the frame at byte ${offset} needs ${length} bytes, ${bytes.length - offset} remain`);
    }
    const fault = mpegCrcFault(bytes, offset, length);
    if (fault) throw audioError(name, `corrupt MP3: the frame at byte ${offset}: ${fault}`);
    previous = offset;
    offset += length;
  }
  if (offset < bytes.length && !bytes.subarray(offset).every((b) => b === 0)) {
    throw audioError(name, `corrupt MP3: ${bytes.length - offset} stray bytes after the last frame, at byte ${offset}`);
  }
}

/** MPEG channel mode of the first frame: 3 is single channel. */
function mpegIsMono(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset + 3] >> 6 === 3;
}

/**
 * Decodes audio held in memory. `name` (usually the path) is used in every error message.
 * E_AUDIO for empty, truncated, corrupt or unsupported data.
 */
export async function decodeAudio(bytes: Uint8Array, name: string): Promise<DecodedAudio> {
  if (bytes.length === 0) throw audioError(name, 'file is empty');
  const guess = detectContainer(bytes);
  if (!guess) throw audioError(name, bytes.length < 12 ? `file is ${bytes.length} bytes, too short to be audio` : describeUnknown(bytes));
  if (guess.container === 'wav') return checkDecoded(parseWav(bytes, name), name);
  if (guess.container === 'aiff') return checkDecoded(parseAiff(bytes, name), name);

  let decoderKind: 'flac' | 'vorbis' | 'opus' | 'mp3';
  let format: string;
  switch (guess.container) {
    case 'flac':
      decoderKind = 'flac';
      format = 'flac';
      break;
    case 'mp3':
      checkMpegFrames(bytes, guess.skip, name);
      decoderKind = 'mp3';
      format = 'mp3';
      break;
    default:
      checkOggPages(bytes, name);
      if (guess.codec === 'vorbis' || guess.codec === 'opus' || guess.codec === 'flac') {
        decoderKind = guess.codec;
      } else {
        throw audioError(
          name,
          `Ogg stream with ${guess.codec === 'unknown' ? 'an unrecognised codec' : guess.codec} (read: Vorbis, Opus, FLAC)`,
        );
      }
      format = `ogg ${guess.codec}`;
  }

  const decode = await loadDecoder(decoderKind);
  let result: DecoderResult;
  try {
    // The decoders keep no reference to the input after returning, but some transfer or detach
    // buffers; a copy keeps the caller's bytes intact.
    result = await decode(bytes.slice(guess.skip));
  } catch (error) {
    throw audioError(name, `${format} decoding failed: ${(error as Error).message}`);
  }
  let channels = result?.channelData ?? [];
  const samples = result?.samplesDecoded ?? channels[0]?.length ?? 0;
  if (channels.length > 0 && samples < channels[0].length) channels = channels.map((c) => c.subarray(0, samples));
  if (channels.length === 0 || channels[0].length === 0 || !(result.sampleRate > 0)) {
    throw audioError(name, `${format}: no audio could be decoded (truncated or corrupt file)`);
  }
  const errors = result.errors ?? [];
  const firstError =
    errors.length > 0 ? `${errors[0].message}${errors[0].frameNumber !== undefined ? ` (frame ${errors[0].frameNumber})` : ''}` : '';
  const frames = channels[0].length;
  if (guess.container === 'flac') {
    // Checked before decoder errors: a cut-off last frame is also a decoder error, and
    // "truncated" is the more useful diagnosis.
    const expected = flacTotalSamples(bytes, guess.skip);
    if (expected > 0 && frames < expected) {
      throw audioError(
        name,
        `truncated FLAC: STREAMINFO declares ${expected} samples per channel, ${frames} could be decoded${firstError ? ` (decoder: ${firstError})` : ''}`,
      );
    }
  }
  if (errors.length > 0)
    throw audioError(name, `${format} is corrupt: the decoder reported ${errors.length} error(s), the first: ${firstError}`);
  if (guess.container === 'mp3' && channels.length === 2 && mpegIsMono(bytes, guess.skip)) {
    // mpg123 always hands back two channels; a single-channel stream is duplicated into both.
    channels = [channels[0]];
  }
  return checkDecoded({ channels, sampleRate: result.sampleRate, format }, name);
}

/** The highest sample rate accepted: the native front end's limit (no audio format in use goes past 768 kHz). */
const MAX_SAMPLE_RATE = 10_000_000;

/**
 * What every decoded clip must be, whatever its format: a sample rate from 1 Hz to
 * MAX_SAMPLE_RATE, and finite samples (a float WAV can hold NaN and infinity; a damaged header
 * can declare any rate). Anything else is damage: E_AUDIO naming what and where.
 */
function checkDecoded(audio: DecodedAudio, name: string): DecodedAudio {
  if (!(audio.sampleRate >= 1 && audio.sampleRate <= MAX_SAMPLE_RATE)) {
    throw audioError(name, `${audio.format}: a sample rate of ${audio.sampleRate} Hz is outside 1 Hz to ${MAX_SAMPLE_RATE / 1e6} MHz`);
  }
  for (const [c, channel] of audio.channels.entries()) {
    for (let i = 0; i < channel.length; ++i) {
      if (!Number.isFinite(channel[i])) {
        throw audioError(name, `${audio.format}: sample ${i} of channel ${c} is ${channel[i]}, not a finite value`);
      }
    }
  }
  return audio;
}

/** Reads and decodes an audio file; E_IO when it cannot be read, E_AUDIO when it is not audio. */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SedjouleError('E_IO', `${path}: cannot read (${code ?? (error as Error).message})`);
  }
  return decodeAudio(bytes, path);
}

/**
 * One channel of audio: the average of all channels ('mix', the default), or channel `channel`
 * (0-based). A single-channel input is returned as is, not copied.
 */
export function toMono(audio: DecodedAudio, channel: number | 'mix' = 'mix'): Float32Array {
  const count = audio.channels.length;
  if (count === 0) throw new SedjouleError('E_VALUE', `toMono: the ${audio.format} audio has no channels`);
  if (channel !== 'mix') {
    if (!Number.isInteger(channel) || channel < 0 || channel >= count) {
      throw new SedjouleError(
        'E_VALUE',
        `toMono: channel ${channel} requested, but the ${audio.format} audio has ${count} channel${count === 1 ? '' : 's'} (0..${count - 1})`,
      );
    }
    return audio.channels[channel];
  }
  if (count === 1) return audio.channels[0];
  const frames = audio.channels[0].length;
  const mono = new Float32Array(frames);
  for (const source of audio.channels) for (let i = 0; i < frames; ++i) mono[i] += source[i];
  const scale = 1 / count;
  for (let i = 0; i < frames; ++i) mono[i] *= scale;
  return mono;
}
