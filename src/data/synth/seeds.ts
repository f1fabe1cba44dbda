/**
 * Seeds derived by hashing, so a clip's content depends only on (dataset seed, split, index):
 * clips can be generated in any order, in parallel, or one at a time for a test.
 */

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed from any list of safe integers (both 32-bit halves of each count). */
function mixSeed(...parts: number[]): number {
  let h = 0x3c6ef372;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    h = fmix32(h ^ fmix32(lo + 0x9e3779b9));
    h = fmix32(h ^ fmix32(hi + 0x7f4a7c15));
  }
  return h;
}

export type SynthSplit = 'train' | 'validation';

const SPLIT_CODES: Record<SynthSplit, number> = { train: 1, validation: 2 };

export function clipSeed(seed: number, split: SynthSplit, index: number): number {
  return mixSeed(seed, SPLIT_CODES[split], index);
}
