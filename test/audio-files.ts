/** Audio files built in memory for the decoder tests and fuzzing, in formats the npm packages cannot write. */

/**
 * An AIFF file (big-endian signed PCM; the sample rate as an 80-bit extended float), or AIFF-C
 * with 'sowt' (little-endian PCM) or 'fl32' (big-endian float) data.
 */
export function aiff(channels: number[][], rate: number, bits: 8 | 16 | 24 | 32, compression?: 'sowt' | 'fl32'): Uint8Array {
  const frames = channels[0].length;
  const bytes = bits / 8;
  const dataSize = frames * channels.length * bytes;
  const commSize = compression ? 24 : 18;
  const out = new Uint8Array(12 + 8 + commSize + 16 + dataSize);
  const view = new DataView(out.buffer);
  const text = (offset: number, s: string): void =>
    out.set(
      Array.from(s, (c) => c.charCodeAt(0)),
      offset,
    );
  text(0, 'FORM');
  view.setUint32(4, out.length - 8);
  text(8, compression ? 'AIFC' : 'AIFF');
  text(12, 'COMM');
  view.setUint32(16, commSize);
  view.setUint16(20, channels.length);
  view.setUint32(22, frames);
  view.setUint16(26, bits);
  const exponent = Math.floor(Math.log2(rate));
  view.setUint16(28, 16383 + exponent);
  view.setBigUint64(30, BigInt(rate) << BigInt(63 - exponent));
  if (compression) text(38, compression); // then an empty Pascal string: 0 length + pad byte
  let offset = 20 + commSize;
  text(offset, 'SSND');
  view.setUint32(offset + 4, 8 + dataSize);
  offset += 16;
  const little = compression === 'sowt';
  for (let f = 0; f < frames; ++f) {
    for (const channel of channels) {
      const x = channel[f];
      if (compression === 'fl32') view.setFloat32(offset, x);
      else if (bits === 8) view.setInt8(offset, x);
      else if (bits === 16) view.setInt16(offset, x, little);
      else if (bits === 32) view.setInt32(offset, x, little);
      else {
        const u = x < 0 ? x + 0x1000000 : x;
        const b = [(u >> 16) & 0xff, (u >> 8) & 0xff, u & 0xff];
        out.set(little ? b.reverse() : b, offset);
      }
      offset += bytes;
    }
  }
  return out;
}
