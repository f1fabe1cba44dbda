/**
 * Shared settings for the property-based fuzz suites (test/fuzz-*.test.ts, fast-check).
 *
 * `npm test` runs a bounded number of cases per property so CI stays short; `npm run fuzz` runs the
 * same properties longer (SEDJOULE_FUZZ_RUNS). A failing case prints fast-check's seed and path, so
 * `SEDJOULE_FUZZ_SEED=<seed>` replays it.
 */
import fc from 'fast-check';

const runs = Number(process.env.SEDJOULE_FUZZ_RUNS ?? 60);
const seed = process.env.SEDJOULE_FUZZ_SEED === undefined ? undefined : Number(process.env.SEDJOULE_FUZZ_SEED);

/** Options for fc.assert: the case count of this run, and the seed to replay when one is given. */
export function fuzzOptions(scale = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(runs * scale)), ...(seed === undefined ? {} : { seed }) };
}

/** A per-test timeout that grows with the case count, so a long `npm run fuzz` is not cut short. */
export function fuzzTimeout(msPerCase: number): number {
  return Math.max(120_000, runs * msPerCase);
}
