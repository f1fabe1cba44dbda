/** Shared helpers for the vitest suites. */
import { errorCode } from '../src/errors.js';
import type { DataSettings } from '../src/experiment/data.js';
import { Random } from '../src/util/random.js';

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * r.next() - 1));
}

export function randomTargets(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => (r.next() < 0.4 ? 1 : 0));
}

/** Resolves to the error's code and message; fails the test when nothing is thrown. */
export async function failure(fn: () => unknown): Promise<{ code: string | undefined; message: string; name: string }> {
  try {
    await fn();
  } catch (error) {
    return { code: errorCode(error), message: (error as Error).message, name: (error as Error).name };
  }
  throw new Error('expected a failure, but the call succeeded');
}

/** Data settings for library-level runs in tests: the caller sets data, cacheRoot, frontend. */
export const trainDataDefaults: DataSettings = {
  skipBad: false,
  channel: 'mix',
  frontend: 'dcase',
  cacheRoot: '',
  trainClips: 32,
  testClips: 16,
  seed: 1,
  randomInputShape: [1, 128, 64],
  randomClasses: 10,
  threads: 2,
  progress: false,
};
