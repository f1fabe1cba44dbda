/**
 * The data of a sweep: one prepared set (examples and cached features) per front end the sweep
 * uses, prepared when its first run needs it and handed to every run on that front end, so a
 * sweep of 129 runs computes (or reads from the cache) its features once, not 129 times. The
 * seeded random set has no front end: every configuration shares it.
 *
 * Also the shape and class count a set will have, known without preparing it, so that every
 * configuration can be checked before anything runs.
 */
import { DESED_CLASSES } from '../data/desed-classes.js';
import { loadManifest } from '../data/resolve.js';
import { Meter } from '../energy/meter.js';
import type { EnergySettings } from '../energy/settings.js';
import { FeatureExtractor, type FrontendPreset } from '../frontend/extractor.js';
import { prepareData, type DataSettings, type PreparedData } from './data.js';
import type { DataInfo } from '../records/run-record.js';
import type { SweepDataRecord } from '../records/sweep-manifest.js';

/** The data settings of the runs on one front end. */
export function dataSettingsFor(base: DataSettings, frontend: FrontendPreset): DataSettings {
  return { ...base, frontend };
}

/** Runs with equal keys share one prepared set. */
export function dataKey(settings: DataSettings): string {
  if (settings.data === 'random') return 'random';
  return typeof settings.frontend === 'string' ? settings.frontend : JSON.stringify(settings.frontend);
}

export interface DataShape {
  inputShape: number[];
  classes: number;
}

export function shapeOf(info: DataInfo): DataShape {
  return { inputShape: info.inputShape, classes: info.classes.length };
}

/**
 * The examples' shape and class count, from the settings alone: the random set's are given; a
 * front end with a fixed clip length gives [1, mels, frames] for that length (every clip is padded
 * or cropped to it); the synthetic set has the DESED classes and a folder's are in its metadata.
 * Undefined when only the data can tell (a front end that keeps each clip's own length).
 */
export async function expectedShape(settings: DataSettings): Promise<DataShape | undefined> {
  if (settings.data === 'random') return { inputShape: settings.randomInputShape, classes: settings.randomClasses };
  const extractor = FeatureExtractor.create(settings.frontend, { threads: 1 });
  let inputShape: number[];
  try {
    const c = extractor.config;
    if (!(c.clipSeconds > 0)) return undefined;
    inputShape = [1, ...extractor.outputShape(Math.round(c.clipSeconds * c.sampleRate), c.sampleRate)];
  } finally {
    extractor.dispose();
  }
  if (settings.data === undefined) return { inputShape, classes: DESED_CLASSES.length };
  const { manifest } = await loadManifest(settings.data, {
    format: settings.format,
    testFold: settings.testFold,
    skipBad: settings.skipBad,
    holdOutSeed: settings.seed,
  });
  return { inputShape, classes: manifest.classes.length };
}

/** What the manifest keeps of each prepared set. */
export class SweepData {
  private readonly prepared = new Map<string, PreparedData>();
  private readonly described = new Map<string, SweepDataRecord>();

  constructor(private readonly energy: EnergySettings) {}

  async get(settings: DataSettings): Promise<PreparedData> {
    const key = dataKey(settings);
    const have = this.prepared.get(key);
    if (have) return have;
    // Feature extraction is a phase of its own: measured in its own window and kept in the
    // manifest (runs handed prepared data report no features phase of their own).
    const meter = this.energy.enabled ? Meter.start(this.energy.meter) : undefined;
    try {
      const data = await prepareData(settings, meter);
      this.prepared.set(key, data);
      this.described.set(key, { info: data.info, features: data.features, preparedAt: new Date().toISOString() });
      return data;
    } finally {
      meter?.stop();
    }
  }

  /** What the manifest keeps of each set prepared so far, by key. */
  records(): Record<string, SweepDataRecord> {
    return Object.fromEntries(this.described);
  }
}
