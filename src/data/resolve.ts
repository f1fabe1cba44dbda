/**
 * Where a run's examples come from: a dataset folder (format detected or named), or the embedded
 * synthetic DESED-like set, generated once into the cache and reused (a folder counts only once
 * its dataset.json is written, so an interrupted generation is redone, never half-used).
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { ProgressBar } from '../format/progress.js';
import { Random } from '../util/random.js';
import { checkManifest, type DatasetFormat, type DatasetManifest, type Problem } from './manifest.js';
import { readDataset } from './readers/detect.js';
import { synthesize } from './synth/writer.js';

export interface SyntheticSetOptions {
  trainClips: number;
  testClips: number;
  seed: number;
  sampleRate: number;
}

/** The synthetic set for these options under the cache root, generated if it is not there yet. */
export async function syntheticSet(cacheRoot: string, options: SyntheticSetOptions, progress: boolean): Promise<string> {
  const dir = path.join(
    cacheRoot,
    'synth',
    `seed${options.seed}-train${options.trainClips}-test${options.testClips}-${options.sampleRate}Hz`,
  );
  if (fs.existsSync(path.join(dir, 'dataset.json'))) return dir;
  const bar = new ProgressBar('synth', progress);
  await synthesize({
    out: dir,
    seed: options.seed,
    trainClips: options.trainClips,
    testClips: options.testClips,
    sampleRate: options.sampleRate,
    progress: (d, t) => bar.update(d, t, dir),
  });
  bar.finish();
  return dir;
}

export interface LoadedManifest {
  manifest: DatasetManifest;
  /** Items left out by --skip-bad, with the reason. */
  skipped: Problem[];
  /** True when the test split was carved out of the training items (the set has none). */
  heldOut: boolean;
}

export async function loadManifest(
  dir: string,
  options: { format?: DatasetFormat; testFold?: number; skipBad: boolean; holdOutSeed: number },
): Promise<LoadedManifest> {
  const read = await readDataset(dir, { format: options.format, testFold: options.testFold });
  const { manifest, skipped } = checkManifest(read, { skipBad: options.skipBad });
  const splits = new Set(manifest.items.map((i) => i.split));
  if (!splits.has('train'))
    throw new SedjouleError('E_DATA', `${manifest.root}: no training examples (splits found: ${[...splits].join(', ') || 'none'})`);
  if (splits.has('test')) return { manifest, skipped, heldOut: false };
  // No test split (a folder set without a split column, FSD50K without eval.csv): hold out a
  // seeded fifth of the training items.
  const train = manifest.items.filter((i) => i.split === 'train');
  const order = new Random(options.holdOutSeed).permutation(train.length);
  const testCount = Math.max(1, Math.round(train.length / 5));
  for (const k of order.slice(0, testCount)) train[k].split = 'test';
  return { manifest, skipped, heldOut: true };
}
