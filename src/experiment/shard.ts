/**
 * Shards of a sweep: `i/n` takes the runs whose index in the full, ordered run list leaves
 * remainder i - 1 when divided by n. Taking every n-th run (rather than a contiguous block) gives
 * every shard a mix of configurations and repeats, so shards of a grid ordered by size take
 * similar times; and the rule depends only on the run list, so every machine computes the same
 * split without talking to the others.
 */
import { SedjouleError } from '../errors.js';
import type { Shard } from '../records/sweep-manifest.js';

export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new SedjouleError('E_USAGE', `--shard must be i/n with 1 <= i <= n (e.g. 2/8), got "${text}"`);
  }
  return { index, count };
}

export function shardText(shard: Shard | null): string {
  return shard ? `${shard.index}/${shard.count}` : 'none';
}

/** Whether the run at `index` (0-based, in the full run list) belongs to the shard; every run does without one. */
export function inShard(index: number, shard: Shard | null): boolean {
  return !shard || index % shard.count === shard.index - 1;
}
