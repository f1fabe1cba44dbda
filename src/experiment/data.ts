/**
 * The data of an experiment, ready for training: a dataset folder or the embedded synthetic set,
 * turned into log-mel features by the native front end (cached on disk), or the seeded random
 * set for engine-only runs. Computing features is a phase of its own, with its kernel ledger and,
 * when a meter is given, its energy window.
 */
import { FeatureCache } from '../data/feature-cache.js';
import { buildFeatureDataset, type FeatureBuildReport } from '../data/feature-dataset.js';
import type { Dataset } from '../data/dataset.js';
import type { DatasetFormat } from '../data/manifest.js';
import { randomLabelledSet } from '../data/random-set.js';
import { loadManifest, syntheticSet } from '../data/resolve.js';
import type { Meter } from '../energy/meter.js';
import { ProgressBar } from '../format/progress.js';
import { FeatureExtractor, type FrontendSpec } from '../frontend/extractor.js';
import { totals } from '../ledger.js';
import type { DataInfo, FeaturePhase } from '../records/run-record.js';
import { checkArrayMemory } from './memory-check.js';

export interface DataSettings {
  /** A dataset folder, 'random' (no audio), or undefined for the embedded synthetic set. */
  data?: string;
  format?: DatasetFormat;
  testFold?: number;
  skipBad: boolean;
  channel: number | 'mix';
  frontend: FrontendSpec;
  cacheRoot: string;
  /** Synthetic set size (or random set size), and the seed of either. */
  trainClips: number;
  testClips: number;
  seed: number;
  /** For 'random' only. */
  randomInputShape: number[];
  randomClasses: number;
  threads: number;
  progress: boolean;
}

export interface PreparedData {
  train: Dataset;
  test: Dataset;
  info: DataInfo;
  features?: FeaturePhase;
}

export async function prepareData(settings: DataSettings, meter?: Meter): Promise<PreparedData> {
  if (settings.data === 'random') {
    const shape = { inputShape: settings.randomInputShape, classes: settings.randomClasses, seed: settings.seed };
    // The random set lives in memory: refused before its arrays are, when they cannot fit.
    const clips = settings.trainClips + settings.testClips;
    const size = settings.randomInputShape.reduce((a, b) => a * b, 1);
    checkArrayMemory(
      'the random data set',
      clips * (size + settings.randomClasses),
      `${settings.trainClips} + ${settings.testClips} clips of [${settings.randomInputShape}] float32 inputs and ${settings.randomClasses} targets each`,
    );
    const train = randomLabelledSet({ ...shape, examples: settings.trainClips, split: 'train' });
    const test = randomLabelledSet({ ...shape, examples: settings.testClips, split: 'test' });
    return {
      train,
      test,
      info: {
        source: 'random',
        classes: train.classes,
        inputShape: train.inputShape,
        train: train.size,
        test: test.size,
        skipped: [],
        heldOut: false,
      },
    };
  }

  const extractor = FeatureExtractor.create(settings.frontend, { threads: settings.threads });
  try {
    const dir =
      settings.data ??
      (await syntheticSet(
        settings.cacheRoot,
        { trainClips: settings.trainClips, testClips: settings.testClips, seed: settings.seed, sampleRate: extractor.config.sampleRate },
        settings.progress,
      ));
    const { manifest, skipped, heldOut } = await loadManifest(dir, {
      format: settings.format,
      testFold: settings.testFold,
      skipBad: settings.skipBad,
      holdOutSeed: settings.seed,
    });
    const cache = new FeatureCache(settings.cacheRoot, extractor.config);

    meter?.begin('features');
    const reports: FeatureBuildReport[] = [];
    const built: Dataset[] = [];
    for (const split of ['train', 'test']) {
      const bar = new ProgressBar(`${split} features`.padEnd(14), settings.progress);
      const { dataset, report } = await buildFeatureDataset(manifest, split, {
        cache,
        extractor,
        channel: settings.channel,
        skipBad: settings.skipBad,
        progress: (d, t) => bar.update(d, t),
      });
      bar.finish();
      reports.push(report);
      skipped.push(...report.skipped);
      built.push(dataset);
    }
    const energy = meter?.end('features');
    const kernels = extractor.ledger();
    const [train, test] = built;
    return {
      train,
      test,
      info: {
        source: settings.data ? 'folder' : 'synthetic',
        format: manifest.format,
        root: manifest.root,
        classes: manifest.classes,
        inputShape: train.inputShape,
        train: train.size,
        test: test.size,
        skipped,
        heldOut,
        frontend: extractor.config,
        cacheDir: cache.dir,
      },
      features: { reports, kernels, totals: totals(kernels), energy },
    };
  } finally {
    extractor.dispose();
  }
}
