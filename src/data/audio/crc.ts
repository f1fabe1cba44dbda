/**
 * The two checksums audio containers carry, both "MSB-first" CRCs (not bit-reflected, no final
 * XOR), which zlib's CRC-32 (reflected, inverted) is not:
 *
 * - Ogg pages: CRC-32 with polynomial 0x04C11DB7 and initial value 0, over the whole page with
 *   its checksum field read as zeros (RFC 3533, section 6; libogg's framing.c).
 * - MPEG audio frames: CRC-16 with polynomial 0x8005 and initial value 0xFFFF (ISO/IEC 11172-3,
 *   2.4.3.1, "CRC check"), the variant catalogued as CRC-16/CMS.
 *
 * Both are a 256-entry table and a loop; a package would bring one of them at most (the npm `crc`
 * package has no unreflected 0x8005 CRC-16), so they live here.
 */

/** A table-driven, unreflected CRC of 16 or 32 bits. */
class MsbFirstCrc {
  private readonly table = new Uint32Array(256);
  private readonly mask: number;
  private readonly topShift: number;

  constructor(
    width: 16 | 32,
    poly: number,
    readonly initial: number,
  ) {
    this.mask = width === 32 ? 0xffffffff : 0xffff;
    this.topShift = width - 8;
    const top = width === 32 ? 0x80000000 : 0x8000;
    for (let i = 0; i < 256; ++i) {
      let r = i << this.topShift;
      for (let bit = 0; bit < 8; ++bit) r = r & top ? (r << 1) ^ poly : r << 1;
      this.table[i] = (r & this.mask) >>> 0;
    }
  }

  /** The CRC continued from `crc` over bytes[start, end); bytes in [zeroFrom, zeroTo) count as zeros. */
  update(crc: number, bytes: Uint8Array, start: number, end: number, zeroFrom = -1, zeroTo = -1): number {
    for (let i = start; i < end; ++i) {
      const byte = i >= zeroFrom && i < zeroTo ? 0 : bytes[i];
      crc = ((crc << 8) ^ this.table[((crc >>> this.topShift) ^ byte) & 0xff]) & this.mask;
    }
    return crc >>> 0;
  }
}

const OGG = new MsbFirstCrc(32, 0x04c11db7, 0);
const MPEG = new MsbFirstCrc(16, 0x8005, 0xffff);

/** The CRC-32 of the Ogg page at bytes[start, end), its checksum field (bytes 22-25 of the page) taken as zero. */
export function oggPageCrc(bytes: Uint8Array, start: number, end: number): number {
  return OGG.update(OGG.initial, bytes, start, end, start + 22, start + 26);
}

/** The CRC-16 of MPEG audio over the given byte ranges, in order. */
export function mpegCrc16(bytes: Uint8Array, ranges: Array<[number, number]>): number {
  let crc = MPEG.initial;
  for (const [start, end] of ranges) crc = MPEG.update(crc, bytes, start, end);
  return crc;
}
