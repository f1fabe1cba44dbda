/**
 * A dataset of log-mel features computed from audio files by the native front end, through the
 * feature cache: each file is hashed, and only files not yet cached are decoded and computed.
 * Examples are read from the cache when a batch asks for them, so a large set never has to fit
 * in memory.
 */
import fs from 'node:fs/promises';

import { SedjouleError } from '../errors.js';
import type { FeatureExtractor } from '../frontend/extractor.js';
import { decodeAudio, toMono } from './audio/decode.js';
import type { Dataset } from './dataset.js';
import { contentHash, type FeatureCache } from './feature-cache.js';
import type { DatasetItem, DatasetManifest, Problem } from './manifest.js';

export interface FeatureBuildOptions {
  cache: FeatureCache;
  extractor: FeatureExtractor;
  /** Which channel of multi-channel audio: 'mix' (default) averages them. */
  channel?: number | 'mix';
  /** Skip files that cannot be decoded (listed in the report) instead of failing. */
  skipBad?: boolean;
  progress?: (done: number, total: number, detail: string) => void;
}

export interface FeatureBuildReport {
  split: string;
  files: number;
  /** Entries computed in this build: missing ones, and those replacing a corrupt entry. */
  computed: number;
  cached: number;
  /** Of `computed`: entries that were found corrupt (checksum, size or header), removed and recomputed. */
  corrupt: number;
  skipped: Problem[];
  seconds: number;
}

export class FeatureDataset implements Dataset {
  readonly size: number;

  constructor(
    readonly name: string,
    readonly inputShape: number[],
    readonly classes: string[],
    private readonly cache: FeatureCache,
    private readonly hashes: string[],
    private readonly targets: Float32Array,
    readonly items: DatasetItem[],
  ) {
    this.size = hashes.length;
  }

  input(i: number): Float32Array {
    return this.cache.read(this.hashes[i], this.items[i].path);
  }

  target(i: number): Float32Array {
    const c = this.classes.length;
    return this.targets.subarray(i * c, (i + 1) * c);
  }
}

export async function buildFeatureDataset(
  manifest: DatasetManifest,
  split: string,
  options: FeatureBuildOptions,
): Promise<{ dataset: FeatureDataset; report: FeatureBuildReport }> {
  const start = performance.now();
  const items = manifest.items.filter((item) => item.split === split);
  if (items.length === 0) throw new SedjouleError('E_DATA', `${manifest.root}: no ${split} examples (format ${manifest.format})`);
  const classIndex = new Map(manifest.classes.map((c, i) => [c, i]));
  const kept: DatasetItem[] = [];
  const hashes: string[] = [];
  const skipped: Problem[] = [];
  let shape: [number, number] | undefined;
  let computed = 0,
    cached = 0,
    corrupt = 0;
  for (const [i, item] of items.entries()) {
    options.progress?.(i, items.length, `${split} features`);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(item.path);
    } catch (error) {
      skipOrThrow('E_IO', {
        file: item.path,
        message: `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      });
      continue;
    }
    const hash = contentHash(bytes);
    const probe = options.cache.probe(hash);
    let entry: [number, number];
    if (probe.state === 'hit') {
      entry = probe.shape;
      ++cached;
    } else {
      let features: Float32Array, entryShape: [number, number];
      try {
        const audio = await decodeAudio(bytes, item.path);
        const mono = toMono(audio, options.channel ?? 'mix');
        entryShape = options.extractor.outputShape(mono.length, audio.sampleRate);
        features = await options.extractor.compute(mono, audio.sampleRate);
      } catch (error) {
        skipOrThrow('E_AUDIO', { file: item.path, message: withoutName((error as Error).message, item.path) });
        continue;
      }
      options.cache.write(hash, features, entryShape[0], entryShape[1]);
      entry = entryShape;
      ++computed;
      if (probe.state === 'corrupt') ++corrupt;
    }
    if (shape && (shape[0] !== entry[0] || shape[1] !== entry[1])) {
      throw new SedjouleError(
        'E_SHAPE',
        `${item.path}: features are ${entry[0]} x ${entry[1]} but earlier files gave ${shape[0]} x ${shape[1]}: clips of different lengths need a fixed clip length (the front end's clipSeconds)`,
      );
    }
    shape = entry;
    kept.push(item);
    hashes.push(hash);
  }
  options.progress?.(items.length, items.length, `${split} features`);
  if (!shape) throw new SedjouleError('E_DATA', `${manifest.root}: none of the ${items.length} ${split} files could be used`);

  const c = manifest.classes.length;
  const targets = new Float32Array(kept.length * c);
  kept.forEach((item, i) => {
    for (const label of item.labels) {
      const k = classIndex.get(label);
      if (k === undefined) throw new SedjouleError('E_DATA', `${item.path}: label '${label}' is not one of the dataset's classes`);
      targets[i * c + k] = 1;
    }
  });
  const dataset = new FeatureDataset(
    `${manifest.format}:${manifest.root} (${split}, ${kept.length} clips)`,
    [1, shape[0], shape[1]],
    manifest.classes,
    options.cache,
    hashes,
    targets,
    kept,
  );
  return {
    dataset,
    report: { split, files: items.length, computed, cached, corrupt, skipped, seconds: (performance.now() - start) / 1000 },
  };

  function skipOrThrow(code: 'E_IO' | 'E_AUDIO', problem: Problem): void {
    if (!options.skipBad) throw new SedjouleError(code, `${problem.file}: ${problem.message} (--skip-bad skips unusable files)`);
    skipped.push(problem);
  }
}

/** An error message without the leading "<name>: " that the decoders put there, since the problem names the file itself. */
function withoutName(message: string, name: string): string {
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}
